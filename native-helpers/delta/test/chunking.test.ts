import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkBuffer, chunkFile, CONTENT_DEFINED_CHUNKING, hashChunks, MEMORY_STREAM_CHUNKING, PAGE_CHUNKING, parseIndex, serializeIndex, type ChunkParams } from '../lib/index';
import { withTempDir } from './helpers';
import { makeGuestRam, migrationStream, PAGE, parentAndChildStreams } from './syntheticMemory';

const sum = (a: Uint32Array) => a.reduce((s, v) => s + v, 0);

describe('chunking', () => {
  it('cuts a buffer into chunks within the bounds that cover it exactly, the same way every time', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    const a = await chunkBuffer(data, CONTENT_DEFINED_CHUNKING);
    const b = await chunkBuffer(Buffer.from(data), CONTENT_DEFINED_CHUNKING);
    expect(sum(a.lengths)).toBe(data.length);
    expect(a.hashes.length).toBe(a.lengths.length * 16);
    expect(Buffer.from(a.lengths.buffer).equals(Buffer.from(b.lengths.buffer))).toBe(true);
    expect(a.hashes.equals(b.hashes)).toBe(true);
    for (let i = 0; i < a.lengths.length - 1; i++) {
      expect(a.lengths[i]).toBeGreaterThanOrEqual(MEMORY_STREAM_CHUNKING.minSize);
      expect(a.lengths[i]).toBeLessThanOrEqual(MEMORY_STREAM_CHUNKING.maxSize);
    }
    const mean = data.length / a.lengths.length;
    expect(mean).toBeGreaterThan(MEMORY_STREAM_CHUNKING.avgSize / 2);
    expect(mean).toBeLessThan(MEMORY_STREAM_CHUNKING.avgSize * 2);
  });

  it('finds the same boundaries after an insertion (content-defined): all but the chunks around it dedupe', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const shifted = Buffer.concat([data.subarray(0, 500_000), Buffer.from('inserted bytes'), data.subarray(500_000)]);
    const a = await chunkBuffer(data, CONTENT_DEFINED_CHUNKING);
    const b = await chunkBuffer(shifted, CONTENT_DEFINED_CHUNKING);
    const seen = new Set<string>();
    for (let i = 0; i < a.lengths.length; i++) seen.add(a.hashes.toString('hex', i * 16, i * 16 + 16));
    let fresh = 0;
    for (let i = 0; i < b.lengths.length; i++) if (!seen.has(b.hashes.toString('hex', i * 16, i * 16 + 16))) fresh++;
    expect(fresh).toBeGreaterThan(0);
    expect(fresh).toBeLessThanOrEqual(3);
  });

  it('migration-stream mode: every RAM page record is one chunk, a run of zero-page records another', async () => {
    const ram = makeGuestRam(600, 5);
    const stream = migrationStream(ram, { headerPadding: 10 });
    const index = await chunkBuffer(stream, MEMORY_STREAM_CHUNKING);
    expect(sum(index.lengths)).toBe(stream.length);
    const chunks = new Set<string>();
    for (let i = 0; i < index.lengths.length; i++) chunks.add(index.hashes.toString('hex', i * 16, i * 16 + 16));
    let pageRecords = 0;
    for (let p = 0; p < 600; p++) {
      const bytes = ram.subarray(p * PAGE, (p + 1) * PAGE);
      if (bytes.every((b) => b === 0)) continue;
      const head = Buffer.alloc(8);
      head.writeBigUInt64BE(BigInt(p * PAGE) | 0x28n);
      const record = Buffer.concat([head, bytes]);
      expect(chunks.has((await hashChunks(record, Uint32Array.of(record.length))).toString('hex'))).toBe(true);
      pageRecords++;
    }
    expect(pageRecords).toBeGreaterThan(300);
  });

  it('page mode cuts every 4 KiB, the tail as it is', async () => {
    const index = await chunkBuffer(randomBytes(10 * 4096 + 100), PAGE_CHUNKING);
    expect([...index.lengths]).toEqual([...Array(10).fill(4096), 100]);
  });

  it('hashChunks gives the hashes the chunker gave', async () => {
    const data = randomBytes(1024 * 1024);
    const index = await chunkBuffer(data);
    expect((await hashChunks(data, index.lengths)).equals(index.hashes)).toBe(true);
  });

  it('chunkFile reads in windows and finds the same chunks as chunkBuffer, whatever the window', async () => {
    await withTempDir(async (dir) => {
      const { child } = parentAndChildStreams(1500, 0.05);
      const path = join(dir, 'mem');
      await writeFile(path, child);
      const whole = await chunkBuffer(child);
      for (const params of [MEMORY_STREAM_CHUNKING, PAGE_CHUNKING]) {
        const expected = params === MEMORY_STREAM_CHUNKING ? whole : await chunkBuffer(child, params);
        const windowed = await chunkFile(path, params, 65536);
        expect(windowed.size).toBe(child.length);
        expect(Buffer.from(windowed.lengths.buffer).equals(Buffer.from(expected.lengths.buffer))).toBe(true);
        expect(windowed.hashes.equals(expected.hashes)).toBe(true);
      }
    });
  });

  it('an empty input has no chunks', async () => {
    const index = await chunkBuffer(Buffer.alloc(0));
    expect(index.lengths.length).toBe(0);
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'empty'), '');
      expect((await chunkFile(join(dir, 'empty'))).size).toBe(0);
    });
  });

  it('refuses bad arguments with specific errors before queuing any work', async () => {
    const bad: ChunkParams = { mode: 'content-defined', minSize: 1024, avgSize: 3000, maxSize: 8192 };
    expect(() => chunkBuffer(Buffer.alloc(10), bad)).toThrow(/power of two/);
    expect(() => chunkBuffer(Buffer.alloc(10), { ...MEMORY_STREAM_CHUNKING, minSize: 9000 })).toThrow(RangeError);
    expect(() => chunkBuffer('text' as unknown as Buffer)).toThrow(TypeError);
    expect(() => hashChunks(Buffer.alloc(10), Uint32Array.of(11))).toThrow(/add up to more/);
    await expect(chunkFile('/nonexistent/tandem-mem')).rejects.toThrow(/cannot open \/nonexistent\/tandem-mem: No such file/);
  });

  it('an index survives serialisation, and a damaged one is refused', async () => {
    const index = await chunkBuffer(randomBytes(200_000));
    const bytes = serializeIndex(index);
    const back = parseIndex(bytes);
    expect(back.size).toBe(index.size);
    expect(back.params).toEqual(index.params);
    expect([...back.lengths]).toEqual([...index.lengths]);
    expect(back.hashes.equals(index.hashes)).toBe(true);
    expect(() => parseIndex(bytes.subarray(0, bytes.length - 1))).toThrow(/needs/);
  });

  it('hashes on the thread pool: the event loop keeps turning while a large buffer is chunked', async () => {
    const data = Buffer.alloc(256 * 1024 * 1024, 0x61);
    for (let o = 0; o < data.length; o += 4096) data.writeUInt32LE(Math.imul(o, 2654435761) >>> 0, o);
    let pending = true;
    let ticksWhilePending = 0;
    const tick = () => {
      if (!pending) return;
      ticksWhilePending++;
      setImmediate(tick);
    };
    const call = chunkBuffer(data);
    setImmediate(tick);
    const index = await call;
    pending = false;
    // A synchronous hash would have returned before any setImmediate ran; here the loop turned many times.
    expect(ticksWhilePending).toBeGreaterThan(1);
    expect(sum(index.lengths)).toBe(data.length);
  });
});
