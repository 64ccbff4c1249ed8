/**
 * The delta format (version 1), little-endian:
 *
 *   header (96 bytes): "TNDDELTA" | u16 version | u8 mode | u8 0 | u32 minSize | u32 avgSize | u32 maxSize
 *                      | u64 parentSize | 16 parentIndexDigest | u64 targetSize | u64 targetChunks
 *                      | 16 targetIndexDigest | 16 XXH3-128 of the 80 bytes before
 *   ops, covering the target's chunks in order:
 *     0x01 COPY_PARENT  u64 firstParentChunk | u32 count                 (a run of the parent's chunks)
 *     0x02 LITERAL      u32 length | 16 hash | length bytes              (a new chunk)
 *     0x03 COPY_TARGET  u64 targetOffset | u32 length | 16 hash          (a chunk already rebuilt earlier)
 *   0xFF END u64 chunkCount
 *
 * Parent chunks are named by number in the parent's chunk index, whose digest the header holds: applyDelta
 * checks the parent against it first, hashes every rebuilt chunk against the parent index or its op, and
 * checks the target index digest over them all, so a wrong parent, a corrupt literal or a missing op cannot
 * go unnoticed.
 */
import { CHUNK_MODES, hashChunks, type ChunkMode } from './chunking';

export const DELTA_MAGIC = Buffer.from('TNDDELTA', 'latin1');
export const DELTA_VERSION = 1;
export const HEADER_BYTES = 96;
const CHECKED_BYTES = 80;

export const OP_COPY_PARENT = 0x01;
export const OP_LITERAL = 0x02;
export const OP_COPY_TARGET = 0x03;
export const OP_END = 0xff;

export interface DeltaHeader {
  version: number;
  mode: ChunkMode;
  minSize: number;
  avgSize: number;
  maxSize: number;
  parentSize: number;
  parentIndexDigest: Buffer;
  targetSize: number;
  targetChunks: number;
  targetIndexDigest: Buffer;
}

function checksum(b: Buffer): Promise<Buffer> {
  return hashChunks(b.subarray(0, CHECKED_BYTES), Uint32Array.of(CHECKED_BYTES));
}

/** True when the header's checksum matches its fields (a flipped parameter must not go unnoticed). */
export async function headerChecksumValid(b: Buffer): Promise<boolean> {
  return (await checksum(b)).equals(b.subarray(CHECKED_BYTES, HEADER_BYTES));
}

export async function encodeHeader(header: DeltaHeader): Promise<Buffer> {
  const b = Buffer.alloc(HEADER_BYTES);
  DELTA_MAGIC.copy(b, 0);
  b.writeUInt16LE(header.version, 8);
  b.writeUInt8(CHUNK_MODES.indexOf(header.mode), 10);
  b.writeUInt32LE(header.minSize, 12);
  b.writeUInt32LE(header.avgSize, 16);
  b.writeUInt32LE(header.maxSize, 20);
  b.writeBigUInt64LE(BigInt(header.parentSize), 24);
  header.parentIndexDigest.copy(b, 32);
  b.writeBigUInt64LE(BigInt(header.targetSize), 48);
  b.writeBigUInt64LE(BigInt(header.targetChunks), 56);
  header.targetIndexDigest.copy(b, 64);
  (await checksum(b)).copy(b, CHECKED_BYTES);
  return b;
}

/** Returns null when `b` does not start with the magic, throws on a version it cannot read. */
export function decodeHeader(b: Buffer): DeltaHeader | null {
  if (b.length < HEADER_BYTES || !b.subarray(0, 8).equals(DELTA_MAGIC)) return null;
  const modeByte = b.readUInt8(10);
  return {
    version: b.readUInt16LE(8),
    mode: CHUNK_MODES[modeByte] ?? 'content-defined',
    minSize: b.readUInt32LE(12),
    avgSize: b.readUInt32LE(16),
    maxSize: b.readUInt32LE(20),
    parentSize: Number(b.readBigUInt64LE(24)),
    parentIndexDigest: Buffer.from(b.subarray(32, 48)),
    targetSize: Number(b.readBigUInt64LE(48)),
    targetChunks: Number(b.readBigUInt64LE(56)),
    targetIndexDigest: Buffer.from(b.subarray(64, 80)),
  };
}
