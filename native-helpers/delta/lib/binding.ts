/** Loads the compiled delta engine (build/Release/tandem_delta.node, or $TANDEM_DELTA_ADDON when packaged). */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DELTA_ADDON_FILE = 'tandem_delta.node';

/** The chunking parameters as the addon takes them (mode 0: content-defined, 1: 4 KiB pages, 2: migration stream). */
export interface NativeChunkParams {
  mode: 0 | 1 | 2;
  minSize: number;
  avgSize: number;
  maxSize: number;
}

export interface NativeChunkList {
  lengths: Uint32Array;
  /** 16 bytes (XXH3-128, big-endian canonical form) per chunk. */
  hashes: Buffer;
}

export interface NativeDeltaBinding {
  chunkBuffer(bytes: Uint8Array, params: NativeChunkParams): Promise<NativeChunkList>;
  chunkFile(path: string, params: NativeChunkParams, windowBytes: number): Promise<NativeChunkList & { size: number }>;
  hashChunks(bytes: Uint8Array, lengths: Uint32Array): Promise<Buffer>;
}

function addonCandidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [
    process.env.TANDEM_DELTA_ADDON,
    join(here, '..', 'build', 'Release', DELTA_ADDON_FILE),
    resolve('native-helpers', 'delta', 'build', 'Release', DELTA_ADDON_FILE),
    join(here, DELTA_ADDON_FILE),
  ].filter((c): c is string => typeof c === 'string' && c.length > 0);
}

let binding: NativeDeltaBinding | undefined;

/** Loads the addon once; throws with the paths it tried when it has not been built. */
export function loadDeltaBinding(): NativeDeltaBinding {
  if (binding) return binding;
  const path = addonCandidates().find((candidate) => existsSync(candidate));
  if (!path) {
    throw new Error(`The delta addon is not built (looked for ${addonCandidates().join(', ')}). Run: npm run build:native`);
  }
  binding = createRequire(import.meta.url)(path) as NativeDeltaBinding;
  return binding;
}
