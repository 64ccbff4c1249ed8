import { randomBytes } from 'node:crypto';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  chunkFile,
  DeltaCorruptError,
  DeltaParentMismatchError,
  decodeDeltaHeader,
  PAGE_CHUNKING,
  type ChunkIndex,
} from '../lib/index';
import { collectDelta, piecesOf, withTempDir } from './helpers';
import { dirtyGuestRam, makeGuestRam, parentAndChildStreams } from './syntheticMemory';

async function setup(dir: string, parent: Buffer, child: Buffer) {
  const parentPath = join(dir, 'parent.mem');
  const childPath = join(dir, 'child.mem');
  await writeFile(parentPath, parent);
  await writeFile(childPath, child);
  return { parentPath, childPath, parentIndex: await chunkFile(parentPath) };
}

async function expectRejected<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

describe('delta', () => {
  it('rebuilds a memory-like child exactly from its parent, and stores only a small part of it for a 5 % change', async () => {
    await withTempDir(async (dir) => {
      const { parent, child } = parentAndChildStreams(4000, 0.05);
      const { parentPath, childPath, parentIndex } = await setup(dir, parent, child);
      const { delta, stats } = await collectDelta({ parent: parentIndex, targetPath: childPath });
      expect(stats.copiedFromParent).toBeGreaterThan(stats.literalChunks * 5);
      // 5 % of the pages changed (plus shifts and re-sent pages): the delta is a small fraction of the child.
      expect(delta.length).toBeLessThan(child.length * 0.12);
      const out = join(dir, 'rebuilt.mem');
      const result = await applyDelta({ delta: piecesOf(delta, 7777), parentPath, outputPath: out });
      expect(result.bytes).toBe(child.length);
      expect((await readFile(out)).equals(child)).toBe(true);
      expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
    });
  });

  it('round-trips random data with no parent (every chunk literal) and with an unrelated parent', async () => {
    await withTempDir(async (dir) => {
      const child = randomBytes(1_500_003);
      const { parentPath, childPath, parentIndex } = await setup(dir, randomBytes(700_000), child);
      for (const parent of [null, parentIndex]) {
        const { delta, stats } = await collectDelta({ parent, targetPath: childPath });
        expect(stats.copiedFromParent).toBe(0);
        const out = join(dir, `rebuilt-${parent ? 'p' : 'n'}`);
        await applyDelta({ delta: piecesOf(delta), parentPath: parent ? parentPath : null, outputPath: out });
        expect((await readFile(out)).equals(child)).toBe(true);
      }
    });
  });

  it('dedupes repeated content inside the target itself (copies from bytes already rebuilt)', async () => {
    await withTempDir(async (dir) => {
      const block = randomBytes(300_000);
      const child = Buffer.concat([block, randomBytes(5000), block, block]);
      const childPath = join(dir, 'child');
      await writeFile(childPath, child);
      const { delta, stats } = await collectDelta({ parent: null, targetPath: childPath });
      expect(stats.copiedFromTarget).toBeGreaterThan(0);
      expect(delta.length).toBeLessThan(child.length / 2);
      await applyDelta({ delta: piecesOf(delta), parentPath: null, outputPath: join(dir, 'out') });
      expect((await readFile(join(dir, 'out'))).equals(child)).toBe(true);
    });
  });

  it('page mode: a raw RAM image with 5 % of its pages changed', async () => {
    await withTempDir(async (dir) => {
      const ram = makeGuestRam(3000, 3);
      const child = dirtyGuestRam(ram, 0.05, 4).ram;
      const parentPath = join(dir, 'parent.ram');
      const childPath = join(dir, 'child.ram');
      await writeFile(parentPath, ram);
      await writeFile(childPath, child);
      const parentIndex: ChunkIndex = await chunkFile(parentPath, PAGE_CHUNKING);
      const { delta, stats } = await collectDelta({ parent: parentIndex, targetPath: childPath });
      expect(stats.literalBytes).toBeLessThanOrEqual(Math.ceil(3000 * 0.05) * 4096);
      await applyDelta({ delta: piecesOf(delta), parentPath, outputPath: join(dir, 'out') });
      expect((await readFile(join(dir, 'out'))).equals(child)).toBe(true);
    });
  });

  describe('refuses, leaving no output behind', () => {
    async function prepared(dir: string) {
      const { parent, child } = parentAndChildStreams(800, 0.05, 11);
      const paths = await setup(dir, parent, child);
      const { delta } = await collectDelta({ parent: paths.parentIndex, targetPath: paths.childPath });
      return { ...paths, delta, parent, child, out: join(dir, 'out.mem') };
    }
    async function expectNoOutput(dir: string) {
      await expect(access(join(dir, 'out.mem'))).rejects.toThrow();
      expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
    }

    it('a parent of another size, or with other bytes', async () => {
      await withTempDir(async (dir) => {
        const p = await prepared(dir);
        await writeFile(join(dir, 'short'), p.parent.subarray(1));
        await expectRejected(applyDelta({ delta: piecesOf(p.delta), parentPath: join(dir, 'short'), outputPath: p.out }), DeltaParentMismatchError);
        const altered = Buffer.from(p.parent);
        altered[Math.floor(altered.length / 2)]! ^= 0xff;
        await writeFile(join(dir, 'altered'), altered);
        await expectRejected(applyDelta({ delta: piecesOf(p.delta), parentPath: join(dir, 'altered'), outputPath: p.out }), DeltaParentMismatchError);
        await expectRejected(applyDelta({ delta: piecesOf(p.delta), parentPath: null, outputPath: p.out }), DeltaParentMismatchError);
        // With the parent's index kept (not recomputed from the file), a changed parent is caught by its chunk's hash.
        const error = await expectRejected(
          applyDelta({ delta: piecesOf(p.delta), parentPath: join(dir, 'altered'), parentIndex: p.parentIndex, outputPath: p.out }),
          DeltaParentMismatchError,
        );
        expect(error.message).toMatch(/bytes at offset \d+ are not the ones/);
        // An index of another parent is refused by the digest the delta was made against.
        const otherIndex = await chunkFile(join(dir, 'altered'));
        await expectRejected(
          applyDelta({ delta: piecesOf(p.delta), parentPath: p.parentPath, parentIndex: otherIndex, outputPath: p.out }),
          DeltaParentMismatchError,
        );
        await expectNoOutput(dir);
      });
    });

    it('a truncated delta, a flipped byte, trailing bytes, a foreign stream', async () => {
      await withTempDir(async (dir) => {
        const p = await prepared(dir);
        const apply = (delta: Buffer) => applyDelta({ delta: piecesOf(delta), parentPath: p.parentPath, outputPath: p.out });
        expect((await expectRejected(apply(p.delta.subarray(0, p.delta.length - 3)), DeltaCorruptError)).reason).toBe('truncated');
        expect((await expectRejected(apply(Buffer.concat([p.delta, Buffer.of(0)])), DeltaCorruptError)).reason).toBe('trailing-data');
        expect((await expectRejected(apply(randomBytes(500)), DeltaCorruptError)).reason).toBe('not-a-delta');
        // A byte inside the literal data of the last literal chunk: only its hash can tell.
        const flipped = Buffer.from(p.delta);
        flipped[flipped.length - 100]! ^= 0x01;
        await expect(apply(flipped)).rejects.toThrow(/hash|malformed|unknown op/);
        // Every byte position class: header, ops, literals.
        for (const at of [20, 70, 85, 200, Math.floor(p.delta.length / 2)]) {
          const bad = Buffer.from(p.delta);
          bad[at]! ^= 0x40;
          await expect(apply(bad)).rejects.toBeInstanceOf(Error);
        }
        await expectNoOutput(dir);
      });
    });
  });

  it('refuses a parent index made with other chunking parameters', async () => {
    await withTempDir(async (dir) => {
      const { parent, child } = parentAndChildStreams(100, 0.05);
      const { parentPath, childPath } = await setup(dir, parent, child);
      const pageIndex = await chunkFile(parentPath, PAGE_CHUNKING);
      const target = await chunkFile(childPath);
      await expect(collectDelta({ parent: pageIndex, targetPath: childPath, target })).rejects.toThrow(/other chunking parameters/);
      // Without a target index, the target is chunked the parent's way.
      expect((await collectDelta({ parent: pageIndex, targetPath: childPath })).stats.chunks).toBe(Math.ceil(child.length / 4096));
    });
  });

  it('the header names the parent and the target', async () => {
    await withTempDir(async (dir) => {
      const { parent, child } = parentAndChildStreams(300, 0.05);
      const { parentIndex, childPath } = await setup(dir, parent, child);
      const { delta } = await collectDelta({ parent: parentIndex, targetPath: childPath });
      const header = decodeDeltaHeader(delta)!;
      expect(header.parentSize).toBe(parent.length);
      expect(header.targetSize).toBe(child.length);
      expect(header.mode).toBe("migration-stream");
    });
  });
});
