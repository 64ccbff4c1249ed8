/**
 * The delta engine and the sealed file format together, as a checkpoint stores its memory: the child's
 * delta against the parent streams straight into a sealed file (no plaintext copy on disk), and a restore
 * streams the sealed file, authenticated record by record, into applyDelta, which only renames its output
 * into place once everything verified. Realistic data: QEMU-stream-like saves of a guest whose pages changed.
 */
import { access, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainMemoryKeyProvider } from '../../main/core/checkpoints/MemoryKeyProvider';
import { MemoryStateParentMismatchError, MemoryStateTamperedError, MemoryStateTruncatedError } from '../../main/core/checkpoints/memoryStateErrors';
import { openSealedMemoryState, sealMemoryState, type MemoryStateIdentity } from '../../main/core/checkpoints/sealedMemoryState';
import { MapSecrets } from '../../main/core/testing/mapSecrets';
import { applyDelta, chunkFile, createDelta, DeltaParentMismatchError, type ChunkIndex } from '../../native-helpers/delta/lib/index';
import { parentAndChildStreams } from '../../native-helpers/delta/test/syntheticMemory';

const identity: MemoryStateIdentity = { vmUuid: '5d6c1c36-1f0e-4a8e-9d62-1b7d0f1e2a11', checkpointId: 'cp-child', parentId: 'cp-parent' };

describe('memory state: delta + seal', () => {
  let dir: string;
  let parent: Buffer;
  let child: Buffer;
  let parentIndex: ChunkIndex;
  const keys = new KeychainMemoryKeyProvider(new MapSecrets());
  const paths = { parent: '', child: '', sealed: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-memstate-'));
    ({ parent, child } = parentAndChildStreams(6000, 0.05, 42));
    paths.parent = join(dir, 'parent.mem');
    paths.child = join(dir, 'child.mem');
    paths.sealed = join(dir, 'child.sealed');
    await writeFile(paths.parent, parent);
    await writeFile(paths.child, child);
    parentIndex = await chunkFile(paths.parent);
    await sealMemoryState({ source: createDelta({ parent: parentIndex, targetPath: paths.child }), path: paths.sealed, identity, keys });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const restore = (sealedPath: string, out: string, parentPath: string | null = paths.parent, expected = identity) =>
    applyDelta({ delta: openSealedMemoryState({ path: sealedPath, expected, keys }), parentPath, outputPath: out });

  async function expectNoOutput(out: string) {
    await expect(access(out)).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
  }

  it('restores the exact child from a sealed delta far smaller than the child', async () => {
    const { size } = await stat(paths.sealed);
    expect(size).toBeLessThan(child.length * 0.12);
    const out = join(dir, 'restored.mem');
    await restore(paths.sealed, out);
    expect((await readFile(out)).equals(child)).toBe(true);
  });

  it('refuses a flipped byte or a truncated file before any output exists', async () => {
    const sealed = await readFile(paths.sealed);
    const flipped = Buffer.from(sealed);
    flipped[Math.floor(sealed.length * 0.7)]! ^= 0x04;
    await writeFile(join(dir, 'flipped.sealed'), flipped);
    await expect(restore(join(dir, 'flipped.sealed'), join(dir, 'out1.mem'))).rejects.toBeInstanceOf(MemoryStateTamperedError);
    await expectNoOutput(join(dir, 'out1.mem'));

    await writeFile(join(dir, 'cut.sealed'), sealed.subarray(0, sealed.length - 10));
    await expect(restore(join(dir, 'cut.sealed'), join(dir, 'out2.mem'))).rejects.toBeInstanceOf(MemoryStateTruncatedError);
    await expectNoOutput(join(dir, 'out2.mem'));
  });

  it('refuses the wrong parent: by identity before reading, and by content when the parent file is another', async () => {
    await expect(restore(paths.sealed, join(dir, 'out3.mem'), paths.parent, { ...identity, parentId: 'cp-other' })).rejects.toBeInstanceOf(
      MemoryStateParentMismatchError,
    );
    const otherParent = parentAndChildStreams(6000, 0.05, 43).parent.subarray(0, parent.length);
    await writeFile(join(dir, 'other-parent.mem'), otherParent);
    await expect(restore(paths.sealed, join(dir, 'out4.mem'), join(dir, 'other-parent.mem'))).rejects.toBeInstanceOf(DeltaParentMismatchError);
    await expectNoOutput(join(dir, 'out3.mem'));
    await expectNoOutput(join(dir, 'out4.mem'));
  });
});
