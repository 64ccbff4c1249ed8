/**
 * The delta engine (native-helpers/delta), each figure next to a same-run baseline:
 * - chunk + hash throughput of a 256 MiB memory-stream-like buffer in each chunking mode, and XXH3-128 alone,
 *   in GB/s next to memcpy (Buffer.copy of the same bytes: the machine's memory bandwidth for one core);
 * - delta size vs full size of a child memory state whose guest changed 1 % (idle-like) or 30 % (busy-like)
 *   of its pages since the parent, the sealed (encrypted) size, and the time to rebuild the child from the
 *   parent and the sealed delta (authenticate, decrypt, apply, verify) next to copying the full file.
 * `benchDeltaEngine()` returns table rows; `tsx bench/deltaEngine.ts` prints them.
 */
import { copyFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KeychainMemoryKeyProvider } from '../main/core/checkpoints/MemoryKeyProvider';
import { openSealedMemoryState, sealMemoryState } from '../main/core/checkpoints/sealedMemoryState';
import {
  applyDelta,
  chunkBuffer,
  chunkFile,
  CONTENT_DEFINED_CHUNKING,
  createDelta,
  hashChunks,
  MEMORY_STREAM_CHUNKING,
  PAGE_CHUNKING,
  type DeltaStats,
} from '../native-helpers/delta/lib/index';
import { makeGuestRam, migrationStream, parentAndChildStreams } from '../native-helpers/delta/test/syntheticMemory';
import { median, table } from './stats';

type Row = Record<string, string | number>;
const ROUNDS = 5;
const gbps = (bytes: number, ms: number) => (bytes / 1e9 / (ms / 1000)).toFixed(2);

async function medianMs(run: () => Promise<unknown> | unknown): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

async function throughputRows(work: string): Promise<Row[]> {
  const stream = migrationStream(makeGuestRam(65536, 21), { headerPadding: 0 }).subarray(0, 256 * 1024 * 1024);
  const bytes = stream.length;
  const copy = Buffer.alloc(bytes);
  const memcpyMs = await medianMs(() => stream.copy(copy));
  const rows: Row[] = [{ operation: 'memcpy (Buffer.copy), the baseline', 'GB/s': gbps(bytes, memcpyMs), 'vs memcpy': '1.00' }];
  const add = (operation: string, ms: number) =>
    rows.push({ operation, 'GB/s': gbps(bytes, ms), 'vs memcpy': (memcpyMs / ms).toFixed(2) });
  add('chunk+hash, migration-stream mode (buffer)', await medianMs(() => chunkBuffer(stream, MEMORY_STREAM_CHUNKING)));
  add('chunk+hash, content-defined FastCDC (buffer)', await medianMs(() => chunkBuffer(stream, CONTENT_DEFINED_CHUNKING)));
  add('chunk+hash, 4 KiB pages (buffer)', await medianMs(() => chunkBuffer(stream, PAGE_CHUNKING)));
  const pages = new Uint32Array(Math.floor(bytes / 4096)).fill(4096);
  add('XXH3-128 of 4 KiB chunks only (buffer)', await medianMs(() => hashChunks(stream, pages)));
  const path = join(work, 'stream.mem');
  await writeFile(path, stream);
  add('chunk+hash, migration-stream mode (file, page cache, 8 MiB windows)', await medianMs(() => chunkFile(path, MEMORY_STREAM_CHUNKING)));
  await rm(path);
  return rows;
}

async function* concatenate(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield* source;
}

async function deltaSizeRows(work: string): Promise<Row[]> {
  const rows: Row[] = [];
  const secrets = new Map<string, string>();
  const keys = new KeychainMemoryKeyProvider({
    get: async (owner, kind) => secrets.get(`${owner}/${kind}`) ?? null,
    set: async (owner, kind, value) => void secrets.set(`${owner}/${kind}`, value),
  });
  for (const [label, fraction] of [['idle-like (1 % of pages changed)', 0.01], ['busy-like (30 % of pages changed)', 0.3]] as const) {
    const { parent, child } = parentAndChildStreams(32768, fraction, 31);
    const parentPath = join(work, 'parent.mem');
    const childPath = join(work, 'child.mem');
    await writeFile(parentPath, parent);
    await writeFile(childPath, child);
    const parentIndex = await chunkFile(parentPath);
    const stats: DeltaStats = { chunks: 0, copiedFromParent: 0, copiedFromTarget: 0, literalChunks: 0, literalBytes: 0, deltaBytes: 0 };
    const sealedPath = join(work, 'child.sealed');
    const identity = { vmUuid: 'bench', checkpointId: 'child', parentId: 'parent' };
    await sealMemoryState({ source: concatenate(createDelta({ parent: parentIndex, targetPath: childPath }, stats)), path: sealedPath, identity, keys });
    const sealed = (await stat(sealedPath)).size;
    const rebuiltPath = join(work, 'rebuilt.mem');
    const rebuildMs = await medianMs(() =>
      applyDelta({ delta: openSealedMemoryState({ path: sealedPath, expected: identity, keys }), parentPath, outputPath: rebuiltPath }),
    );
    const copyMs = await medianMs(() => copyFile(childPath, join(work, 'copy.mem')));
    rows.push({
      'child memory state': label,
      'full MiB': (child.length / 2 ** 20).toFixed(1),
      'delta MiB': (stats.deltaBytes / 2 ** 20).toFixed(2),
      'delta / full': `${((stats.deltaBytes / child.length) * 100).toFixed(1)} %`,
      'sealed MiB': (sealed / 2 ** 20).toFixed(2),
      'rebuild (sealed delta)': `${rebuildMs.toFixed(0)} ms`,
      'copy full file': `${copyMs.toFixed(0)} ms`,
    });
    await rm(sealedPath);
  }
  return rows;
}

export async function benchDeltaEngine(): Promise<{ throughput: Row[]; size: Row[] }> {
  const work = await mkdtemp(join(tmpdir(), 'tandem-bench-delta-'));
  try {
    return { throughput: await throughputRows(work), size: await deltaSizeRows(work) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { throughput, size } = await benchDeltaEngine();
  console.log(table(throughput));
  console.log();
  console.log(table(size));
}
