/**
 * Rebuilds a target file from a parent file and a delta stream. The parent's chunk index must match the
 * digest the delta was made against (a wrong parent is refused before anything is written). The output is
 * written to a temporary file beside `outputPath` and renamed into place only once every chunk's hash, the
 * chunk count and the target index digest have verified; on any failure the temporary file is removed and
 * outputPath is left untouched.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { chunkFile, hashChunks, indexDigest, type ChunkIndex, type ChunkParams } from './chunking';
import { DeltaCorruptError, DeltaParentMismatchError } from './errors';
import { decodeHeader, DELTA_VERSION, HEADER_BYTES, headerChecksumValid, OP_COPY_PARENT, OP_COPY_TARGET, OP_END, OP_LITERAL, type DeltaHeader } from './format';

/** Reads exact byte counts from an async stream of pieces. */
class StreamReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async read(n: number, what: string): Promise<Buffer> {
    while (this.buffered.length < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else this.buffered = this.buffered.length === 0 ? Buffer.from(next.value) : Buffer.concat([this.buffered, next.value]);
    }
    if (this.buffered.length < n) throw new DeltaCorruptError('truncated', `the delta ends inside ${what}`);
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** True when the stream has nothing after what was read (it is drained to find out). */
  async atEnd(): Promise<boolean> {
    while (this.buffered.length === 0 && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else this.buffered = Buffer.from(next.value);
    }
    return this.buffered.length === 0;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

interface PendingChunk {
  length: number;
  hash: Buffer;
  source: 'parent' | 'literal' | 'target';
  sourceOffset: number;
}

const FLUSH_BYTES = 8 * 1024 * 1024;

export interface ApplyDeltaOptions {
  delta: AsyncIterable<Uint8Array>;
  /** The file the delta was made against; null when the delta has no parent. */
  parentPath: string | null;
  /** The parent's chunk index when kept; otherwise it is computed from parentPath (at read bandwidth). */
  parentIndex?: ChunkIndex;
  outputPath: string;
}

export interface ApplyDeltaResult {
  header: DeltaHeader;
  bytes: number;
  chunks: number;
}

export async function applyDelta(options: ApplyDeltaOptions): Promise<ApplyDeltaResult> {
  const reader = new StreamReader(options.delta);
  const partialPath = `${options.outputPath}.partial-${randomBytes(6).toString('hex')}`;
  let parent: FileHandle | undefined;
  let output: FileHandle | undefined;
  try {
    const headerBytes = await reader.read(HEADER_BYTES, 'the header');
    const header = decodeHeader(headerBytes);
    if (!header) throw new DeltaCorruptError('not-a-delta', 'the stream is not a Tandem delta (bad magic)');
    if (header.version !== DELTA_VERSION) {
      throw new DeltaCorruptError('unsupported-version', `delta format version ${header.version} (this build reads ${DELTA_VERSION})`);
    }
    if (!(await headerChecksumValid(headerBytes))) throw new DeltaCorruptError('malformed', 'the delta header fails its checksum');
    let parentIndex: ChunkIndex | null = null;
    if (header.parentSize > 0) {
      if (options.parentPath === null) throw new DeltaParentMismatchError('the delta needs a parent and none was given');
      parent = await open(options.parentPath, 'r');
      const { size } = await parent.stat();
      if (size !== header.parentSize) {
        throw new DeltaParentMismatchError(`the parent holds ${size} bytes; the delta was made against ${header.parentSize}`);
      }
      const params: ChunkParams = { mode: header.mode, minSize: header.minSize, avgSize: header.avgSize, maxSize: header.maxSize };
      parentIndex = options.parentIndex ?? (await chunkFile(options.parentPath, params));
      if (!(await indexDigest(parentIndex)).equals(header.parentIndexDigest)) {
        throw new DeltaParentMismatchError(`${options.parentPath} is not the parent the delta was made against (its chunk index differs)`);
      }
    }
    const parentOffsets = new Float64Array((parentIndex?.lengths.length ?? 0) + 1);
    parentIndex?.lengths.forEach((length, i) => (parentOffsets[i + 1] = parentOffsets[i]! + length));
    output = await open(partialPath, 'wx+');
    const out = output;

    // Chunks are gathered into a window, hashed together in one native call, checked, then written.
    let window: Buffer[] = [];
    let pending: PendingChunk[] = [];
    let windowBytes = 0;
    let written = 0;
    let chunks = 0;
    const indexRecords: Buffer[] = [];

    const flush = async () => {
      if (pending.length === 0) return;
      const bytes = Buffer.concat(window, windowBytes);
      const hashes = await hashChunks(bytes, Uint32Array.from(pending, (p) => p.length));
      pending.forEach((chunk, i) => {
        if (hashes.subarray(i * 16, i * 16 + 16).equals(chunk.hash)) return;
        if (chunk.source === 'parent') {
          throw new DeltaParentMismatchError(`the parent's ${chunk.length} bytes at offset ${chunk.sourceOffset} are not the ones the delta was made against`);
        }
        throw new DeltaCorruptError('hash-mismatch', `the ${chunk.source} chunk rebuilt at offset ${written} does not match its hash`);
      });
      await out.write(bytes, 0, bytes.length, written);
      for (const chunk of pending) {
        const record = Buffer.alloc(20);
        record.writeUInt32LE(chunk.length, 0);
        chunk.hash.copy(record, 4);
        indexRecords.push(record);
      }
      written += bytes.length;
      window = [];
      pending = [];
      windowBytes = 0;
    };

    const readFrom = async (file: FileHandle, offset: number, length: number, what: string) => {
      const b = Buffer.allocUnsafe(length);
      const { bytesRead } = await file.read(b, 0, length, offset);
      if (bytesRead !== length) throw new DeltaCorruptError('malformed', `${what} range ${offset}+${length} is out of bounds`);
      return b;
    };

    // A run of parent chunks is read in slices of up to FLUSH_BYTES, each slice with one call.
    const copyParentRun = async (first: number, count: number) => {
      if (!parent || !parentIndex) throw new DeltaCorruptError('malformed', 'a parent reference in a delta without a parent');
      if (count < 1 || first + count > parentIndex.lengths.length) {
        throw new DeltaCorruptError('malformed', `parent chunks ${first}+${count} are outside the parent's ${parentIndex.lengths.length}`);
      }
      let start = first;
      while (start < first + count) {
        let end = start + 1;
        while (end < first + count && parentOffsets[end + 1]! - parentOffsets[start]! <= FLUSH_BYTES) end++;
        const offset = parentOffsets[start]!;
        const bytes = await readFrom(parent, offset, parentOffsets[end]! - offset, 'parent');
        for (let j = start; j < end; j++) {
          const hash = parentIndex.hashes.subarray(j * 16, j * 16 + 16);
          pending.push({ length: parentIndex.lengths[j]!, hash, source: 'parent', sourceOffset: parentOffsets[j]! });
        }
        window.push(bytes);
        windowBytes += bytes.length;
        if (windowBytes >= FLUSH_BYTES) await flush();
        start = end;
      }
    };

    for (;;) {
      const op = (await reader.read(1, 'an op')).readUInt8(0);
      if (op === OP_END) {
        await flush();
        const count = Number((await reader.read(8, 'the end record')).readBigUInt64LE(0));
        if (count !== chunks || chunks !== header.targetChunks) {
          throw new DeltaCorruptError('malformed', `the delta has ${chunks} ops; its header and end record say ${header.targetChunks} and ${count}`);
        }
        if (!(await reader.atEnd())) throw new DeltaCorruptError('trailing-data', 'bytes follow the end of the delta');
        break;
      }
      if (op !== OP_COPY_PARENT && op !== OP_LITERAL && op !== OP_COPY_TARGET) {
        throw new DeltaCorruptError('malformed', `unknown op 0x${op.toString(16)} after ${chunks} chunks`);
      }
      if (op === OP_COPY_PARENT) {
        const fields = await reader.read(12, 'an op');
        const count = fields.readUInt32LE(8);
        await copyParentRun(Number(fields.readBigUInt64LE(0)), count);
        chunks += count;
        continue;
      }
      const fields = await reader.read(op === OP_LITERAL ? 20 : 28, 'an op');
      const sourceOffset = op === OP_LITERAL ? 0 : Number(fields.readBigUInt64LE(0));
      const length = fields.readUInt32LE(op === OP_LITERAL ? 0 : 8);
      const hash = Buffer.from(fields.subarray(op === OP_LITERAL ? 4 : 12));
      if (length === 0 || length > Math.max(header.maxSize, 4096)) {
        throw new DeltaCorruptError('malformed', `chunk length ${length} is outside the delta's chunk sizes`);
      }
      chunks++;
      let bytes: Buffer;
      if (op === OP_LITERAL) {
        bytes = Buffer.from(await reader.read(length, 'a literal chunk'));
      } else {
        // The referenced bytes may still be in the window: write them out (verified) first.
        if (sourceOffset + length > written) await flush();
        if (sourceOffset + length > written) throw new DeltaCorruptError('malformed', 'a target reference to bytes not yet rebuilt');
        bytes = await readFrom(out, sourceOffset, length, 'target');
      }
      window.push(bytes);
      pending.push({ length, hash, source: op === OP_LITERAL ? 'literal' : 'target', sourceOffset });
      windowBytes += length;
      if (windowBytes >= FLUSH_BYTES) await flush();
    }

    if (written !== header.targetSize) {
      throw new DeltaCorruptError('malformed', `rebuilt ${written} bytes; the header says ${header.targetSize}`);
    }
    const records = Buffer.concat(indexRecords);
    const digest = await hashChunks(records, Uint32Array.of(records.length));
    if (!digest.equals(header.targetIndexDigest)) {
      throw new DeltaCorruptError('hash-mismatch', 'the rebuilt chunks do not match the target index digest');
    }
    await output.sync();
    await output.close();
    output = undefined;
    await rename(partialPath, options.outputPath);
    return { header, bytes: written, chunks };
  } catch (error) {
    await output?.close().catch(() => undefined);
    output = undefined;
    await rm(partialPath, { force: true });
    throw error;
  } finally {
    await parent?.close();
    await output?.close();
    await reader.close();
  }
}
