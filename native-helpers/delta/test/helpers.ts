/** Shared by the delta engine's tests: temp dirs and deltas collected in memory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDelta, type CreateDeltaOptions, type DeltaStats } from '../lib/index';

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-delta-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function collectDelta(options: CreateDeltaOptions): Promise<{ delta: Buffer; stats: DeltaStats }> {
  const stats: DeltaStats = { chunks: 0, copiedFromParent: 0, copiedFromTarget: 0, literalChunks: 0, literalBytes: 0, deltaBytes: 0 };
  const pieces: Buffer[] = [];
  for await (const piece of createDelta(options, stats)) pieces.push(piece);
  return { delta: Buffer.concat(pieces), stats };
}

export async function* piecesOf(bytes: Buffer, pieceBytes = 65536): AsyncGenerator<Buffer> {
  for (let o = 0; o < bytes.length; o += pieceBytes) yield bytes.subarray(o, o + pieceBytes);
}
