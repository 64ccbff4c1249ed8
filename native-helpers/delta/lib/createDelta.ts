/**
 * Builds the delta of a target file against a parent's chunk index, as a stream of bytes (so it can go
 * straight into an encrypting writer: no plaintext copy on disk). Only the target's new chunks are read.
 */
import { open } from 'node:fs/promises';
import { chunkFile, indexDigest, MEMORY_STREAM_CHUNKING, type ChunkIndex, type ChunkParams } from './chunking';
import { DELTA_VERSION, encodeHeader, OP_COPY_PARENT, OP_COPY_TARGET, OP_END, OP_LITERAL } from './format';

export interface CreateDeltaOptions {
  /** The parent's index (null: no parent, the delta holds every distinct chunk of the target once). */
  parent: ChunkIndex | null;
  targetPath: string;
  /** The target's index when already computed (it must describe targetPath as it is now). */
  target?: ChunkIndex;
  params?: ChunkParams;
  /** Bytes per yielded piece of the delta. */
  pieceBytes?: number;
}

const READ_WINDOW = 8 * 1024 * 1024;

function sameParams(a: ChunkParams, b: ChunkParams): boolean {
  return a.mode === b.mode && a.minSize === b.minSize && a.avgSize === b.avgSize && a.maxSize === b.maxSize;
}

/** The first chunk number of each distinct chunk hash in an index. */
function chunksByHash(index: ChunkIndex): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < index.lengths.length; i++) {
    const key = index.hashes.toString('latin1', i * 16, i * 16 + 16);
    if (!map.has(key)) map.set(key, i);
  }
  return map;
}

export interface DeltaStats {
  chunks: number;
  copiedFromParent: number;
  copiedFromTarget: number;
  literalChunks: number;
  literalBytes: number;
  deltaBytes: number;
}

/**
 * Yields the delta's bytes; `stats` (when given) is filled in as it goes and complete when the stream ends.
 * The target file must not change while the delta is read.
 */
export async function* createDelta(options: CreateDeltaOptions, stats?: DeltaStats): AsyncGenerator<Buffer> {
  const params = options.target?.params ?? options.parent?.params ?? options.params ?? MEMORY_STREAM_CHUNKING;
  if (options.parent && !sameParams(options.parent.params, params)) {
    throw new RangeError('the parent index was made with other chunking parameters than the target');
  }
  const target = options.target ?? (await chunkFile(options.targetPath, params));
  const pieceBytes = options.pieceBytes ?? 1024 * 1024;
  const parent = options.parent;
  const parentChunks = parent ? chunksByHash(parent) : new Map<string, number>();
  const targetOffsets = new Map<string, number>();
  const s: DeltaStats = stats ?? { chunks: 0, copiedFromParent: 0, copiedFromTarget: 0, literalChunks: 0, literalBytes: 0, deltaBytes: 0 };
  Object.assign(s, { chunks: target.lengths.length, copiedFromParent: 0, copiedFromTarget: 0, literalChunks: 0, literalBytes: 0, deltaBytes: 0 });

  const header = await encodeHeader({
    version: DELTA_VERSION,
    mode: params.mode,
    minSize: params.minSize,
    avgSize: params.avgSize,
    maxSize: params.maxSize,
    parentSize: parent?.size ?? 0,
    parentIndexDigest: parent ? await indexDigest(parent) : Buffer.alloc(16),
    targetSize: target.size,
    targetChunks: target.lengths.length,
    targetIndexDigest: await indexDigest(target),
  });
  let pending: Buffer[] = [header];
  let pendingBytes = header.length;
  const push = (b: Buffer) => {
    pending.push(b);
    pendingBytes += b.length;
    s.deltaBytes += b.length;
  };
  s.deltaBytes = header.length;

  // Consecutive target chunks found at consecutive parent chunks become one 13-byte op.
  let run: { first: number; count: number } | null = null;
  const endRun = () => {
    if (!run) return;
    const op = Buffer.alloc(13);
    op.writeUInt8(OP_COPY_PARENT, 0);
    op.writeBigUInt64LE(BigInt(run.first), 1);
    op.writeUInt32LE(run.count, 9);
    push(op);
    run = null;
  };
  const sameParentChunk = (j: number, hash: Buffer) =>
    parent !== null && j < parent.lengths.length && parent.hashes.subarray(j * 16, j * 16 + 16).equals(hash);

  const file = await open(options.targetPath, 'r');
  try {
    let window = Buffer.alloc(0);
    let windowStart = 0;
    let offset = 0;
    for (let i = 0; i < target.lengths.length; i++) {
      const length = target.lengths[i]!;
      const hash = target.hashes.subarray(i * 16, i * 16 + 16);
      const key = hash.toString('latin1');
      // Continuing the current run wins over the first occurrence (repeated content would break runs).
      const current = run as { first: number; count: number } | null;
      if (current && current.count < 0xffffffff && sameParentChunk(current.first + current.count, hash)) {
        current.count++;
        s.copiedFromParent++;
      } else if (parentChunks.has(key)) {
        endRun();
        run = { first: parentChunks.get(key)!, count: 1 };
        s.copiedFromParent++;
      } else if (targetOffsets.has(key)) {
        endRun();
        const op = Buffer.alloc(29);
        op.writeUInt8(OP_COPY_TARGET, 0);
        op.writeBigUInt64LE(BigInt(targetOffsets.get(key)!), 1);
        op.writeUInt32LE(length, 9);
        hash.copy(op, 13);
        push(op);
        s.copiedFromTarget++;
      } else {
        endRun();
        if (offset < windowStart || offset + length > windowStart + window.length) {
          window = Buffer.allocUnsafe(Math.max(READ_WINDOW, length));
          const { bytesRead } = await file.read(window, 0, window.length, offset);
          window = window.subarray(0, bytesRead);
          windowStart = offset;
          if (bytesRead < length) throw new Error(`${options.targetPath} is shorter than its index (it changed?)`);
        }
        const op = Buffer.alloc(21);
        op.writeUInt8(OP_LITERAL, 0);
        op.writeUInt32LE(length, 1);
        hash.copy(op, 5);
        push(op);
        push(Buffer.from(window.subarray(offset - windowStart, offset - windowStart + length)));
        targetOffsets.set(key, offset);
        s.literalChunks++;
        s.literalBytes += length;
      }
      offset += length;
      if (pendingBytes >= pieceBytes) {
        yield Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
    endRun();
    const end = Buffer.alloc(9);
    end.writeUInt8(OP_END, 0);
    end.writeBigUInt64LE(BigInt(target.lengths.length), 1); // chunks, not ops: runs count each chunk
    push(end);
    yield Buffer.concat(pending);
  } finally {
    await file.close();
  }
}
