/**
 * Exercises every call of the delta addon, including its failure paths, for valgrind (scripts/valgrind.sh):
 * chunking in each mode (buffer and file, small windows so the carry-over path runs), hashChunks, a delta
 * made and applied, and bad arguments / missing files. Small sizes: valgrind runs ~50x slower.
 *
 *   node --import tsx native-helpers/delta/scripts/exercise.ts [rounds]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDelta, chunkBuffer, chunkFile, CONTENT_DEFINED_CHUNKING, hashChunks, MEMORY_STREAM_CHUNKING, PAGE_CHUNKING } from '../lib/index';
import { collectDelta, piecesOf } from '../test/helpers';
import { parentAndChildStreams } from '../test/syntheticMemory';

const ROUNDS = Number(process.argv[2] ?? 3);
const dir = await mkdtemp(join(tmpdir(), 'tandem-delta-exercise-'));
try {
  const { parent, child } = parentAndChildStreams(300, 0.05);
  const parentPath = join(dir, 'parent');
  const childPath = join(dir, 'child');
  await writeFile(parentPath, parent);
  await writeFile(childPath, child);
  for (let round = 0; round < ROUNDS; round++) {
    for (const params of [MEMORY_STREAM_CHUNKING, CONTENT_DEFINED_CHUNKING, PAGE_CHUNKING]) {
      const index = await chunkBuffer(child, params);
      await hashChunks(child, index.lengths);
      await chunkFile(childPath, params, 65536);
    }
    const { delta } = await collectDelta({ parent: await chunkFile(parentPath), targetPath: childPath });
    await applyDelta({ delta: piecesOf(delta), parentPath, outputPath: join(dir, `out-${round}`) });
    await chunkFile(join(dir, 'missing')).catch(() => undefined);
    try {
      void chunkBuffer(child, { ...CONTENT_DEFINED_CHUNKING, avgSize: 1000 });
    } catch {
      // a RangeError thrown before any work is queued
    }
  }
  console.log(`exercise: ${ROUNDS} rounds done`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
