/**
 * Chunk indexes: a file or buffer cut into chunks (content-defined or 4 KiB pages), each named by its
 * XXH3-128 hash. The cutting and hashing run in the addon on libuv's thread pool.
 */
import { loadDeltaBinding, type NativeChunkParams } from './binding';

export type ChunkMode = 'content-defined' | 'page' | 'migration-stream';
export const CHUNK_MODES: readonly ChunkMode[] = ['content-defined', 'page', 'migration-stream'];

export interface ChunkParams {
  mode: ChunkMode;
  /** Content-defined only: bounds and target of the chunk size (avgSize a power of two). */
  minSize: number;
  avgSize: number;
  maxSize: number;
}

/**
 * For memory state files (QEMU migration streams, as libvirt's save and external snapshots write them):
 * one chunk per RAM page record, one per run of zero-page records, content-defined (FastCDC, 4 KiB average)
 * for everything between (headers, device state). 32 KiB maximum bounds a chunk in long uniform runs.
 */
export const MEMORY_STREAM_CHUNKING: ChunkParams = { mode: 'migration-stream', minSize: 1024, avgSize: 4096, maxSize: 32768 };

/** Plain FastCDC, for byte streams of unknown structure: unchanged data dedupes even when shifted. */
export const CONTENT_DEFINED_CHUNKING: ChunkParams = { mode: 'content-defined', minSize: 1024, avgSize: 4096, maxSize: 32768 };

/** For page-aligned inputs (raw RAM images, disk blocks): every 4 KiB is a chunk, no boundary search. */
export const PAGE_CHUNKING: ChunkParams = { mode: 'page', minSize: 4096, avgSize: 4096, maxSize: 4096 };

/** How much of a file the addon reads at once: the memory a chunkFile call needs, whatever the file's size. */
export const DEFAULT_WINDOW_BYTES = 8 * 1024 * 1024;

export interface ChunkIndex {
  params: ChunkParams;
  /** Total bytes covered (the sum of lengths). */
  size: number;
  lengths: Uint32Array;
  /** 16 bytes per chunk. */
  hashes: Buffer;
}

export function nativeParams(params: ChunkParams): NativeChunkParams {
  return { mode: CHUNK_MODES.indexOf(params.mode) as 0 | 1 | 2, minSize: params.minSize, avgSize: params.avgSize, maxSize: params.maxSize };
}

function sum(lengths: Uint32Array): number {
  let total = 0;
  for (const len of lengths) total += len;
  return total;
}

/**
 * Chunks and hashes a buffer off the event loop. The buffer must not be written to until this settles.
 * Wrong arguments throw (TypeError, RangeError) synchronously, before any work is queued.
 */
export function chunkBuffer(bytes: Uint8Array, params: ChunkParams = MEMORY_STREAM_CHUNKING): Promise<ChunkIndex> {
  return loadDeltaBinding()
    .chunkBuffer(bytes, nativeParams(params))
    .then((list) => ({ params, size: bytes.byteLength, lengths: list.lengths, hashes: list.hashes }));
}

/**
 * Chunks and hashes a file in windows of `windowBytes`, off the event loop; the file is never loaded whole.
 * I/O failures reject with the path and the system's reason; wrong arguments throw synchronously.
 */
export function chunkFile(
  path: string,
  params: ChunkParams = MEMORY_STREAM_CHUNKING,
  windowBytes = DEFAULT_WINDOW_BYTES,
): Promise<ChunkIndex> {
  return loadDeltaBinding()
    .chunkFile(path, nativeParams(params), windowBytes)
    .then((list) => {
      if (sum(list.lengths) !== list.size) throw new Error(`chunkFile ${path}: the chunks do not cover the file`);
      return { params, size: list.size, lengths: list.lengths, hashes: list.hashes };
    });
}

/** XXH3-128 of each of the chunks laid back to back in `bytes`, off the event loop. */
export function hashChunks(bytes: Uint8Array, lengths: Uint32Array): Promise<Buffer> {
  return loadDeltaBinding().hashChunks(bytes, lengths);
}

/** One XXH3-128 over the index (length and hash of every chunk): names the content the index describes. */
export async function indexDigest(index: Pick<ChunkIndex, 'lengths' | 'hashes'>): Promise<Buffer> {
  const records = Buffer.alloc(index.lengths.length * 20);
  for (let i = 0; i < index.lengths.length; i++) {
    records.writeUInt32LE(index.lengths[i]!, i * 20);
    index.hashes.copy(records, i * 20 + 4, i * 16, i * 16 + 16);
  }
  return hashChunks(records, Uint32Array.of(records.length));
}
