/**
 * A chunk index as bytes, to keep beside a checkpoint so its child's delta can be made without the parent's
 * bytes: "TNDINDEX" | u16 version 1 | u8 mode | u8 0 | u32 min | u32 avg | u32 max | u64 size | u64 count
 * | count x u32 length | count x 16 hash.
 */
import { CHUNK_MODES, type ChunkIndex } from './chunking';
import { DeltaCorruptError } from './errors';

const MAGIC = Buffer.from('TNDINDEX', 'latin1');
const HEAD = 40;

export function serializeIndex(index: ChunkIndex): Buffer {
  const n = index.lengths.length;
  const b = Buffer.alloc(HEAD + n * 20);
  MAGIC.copy(b, 0);
  b.writeUInt16LE(1, 8);
  b.writeUInt8(CHUNK_MODES.indexOf(index.params.mode), 10);
  b.writeUInt32LE(index.params.minSize, 12);
  b.writeUInt32LE(index.params.avgSize, 16);
  b.writeUInt32LE(index.params.maxSize, 20);
  b.writeBigUInt64LE(BigInt(index.size), 24);
  b.writeBigUInt64LE(BigInt(n), 32);
  Buffer.from(index.lengths.buffer, index.lengths.byteOffset, n * 4).copy(b, HEAD);
  index.hashes.copy(b, HEAD + n * 4);
  return b;
}

export function parseIndex(b: Buffer): ChunkIndex {
  if (b.length < HEAD || !b.subarray(0, 8).equals(MAGIC)) throw new DeltaCorruptError('not-a-delta', 'not a Tandem chunk index');
  if (b.readUInt16LE(8) !== 1) throw new DeltaCorruptError('unsupported-version', `chunk index version ${b.readUInt16LE(8)}`);
  const n = Number(b.readBigUInt64LE(32));
  if (b.length !== HEAD + n * 20) throw new DeltaCorruptError('truncated', `a chunk index of ${n} chunks needs ${HEAD + n * 20} bytes, not ${b.length}`);
  const lengths = new Uint32Array(n);
  Buffer.from(lengths.buffer).set(b.subarray(HEAD, HEAD + n * 4));
  const size = Number(b.readBigUInt64LE(24));
  let total = 0;
  for (const len of lengths) total += len;
  if (total !== size) throw new DeltaCorruptError('malformed', 'the chunk lengths do not add up to the indexed size');
  return {
    params: {
      mode: CHUNK_MODES[b.readUInt8(10)] ?? 'content-defined',
      minSize: b.readUInt32LE(12),
      avgSize: b.readUInt32LE(16),
      maxSize: b.readUInt32LE(20),
    },
    size,
    lengths,
    hashes: Buffer.from(b.subarray(HEAD + n * 4)),
  };
}
