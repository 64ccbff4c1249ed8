/**
 * The delta engine on real QEMU memory state: two saves of the running tiny guest (libvirt 9 save image:
 * its header + QEMU's migration stream), the second stored as a sealed delta against the first, rebuilt
 * from it, and restored by libvirt: the guest must continue from where the second save stopped it.
 */
import { access, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainMemoryKeyProvider } from '../../../main/core/checkpoints/MemoryKeyProvider';
import { MemoryStateTamperedError } from '../../../main/core/checkpoints/memoryStateErrors';
import { openSealedMemoryState, sealMemoryState, type MemoryStateIdentity } from '../../../main/core/checkpoints/sealedMemoryState';
import { MapSecrets } from '../../../main/core/testing/mapSecrets';
import { applyDelta, chunkFile, createDelta, type DeltaStats } from '../../../native-helpers/delta/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { serialLogSize, waitForSerial, SERIAL } from '../../testbed/tinyGuest';
import { lastCounter, removeGuest, startGuest, waitForCounterAbove, type RunningGuest } from './snapshotTestbed';

const env = testbedOrFail();
const NAME = `memdelta-${process.pid}`;
const file = (suffix: string) => join(env!.images, `${NAME}.${suffix}`);
const SAVE1 = file('1.sav');
const SAVE2 = file('2.sav');
const SEALED = file('2.sealed');
const REBUILT = file('2.rebuilt.sav');
const TAMPERED = file('2.tampered.sealed');

describe.skipIf(!env)('memory state delta on real QEMU saves', () => {
  let g: RunningGuest | undefined;
  const keys = new KeychainMemoryKeyProvider(new MapSecrets());
  let identity: MemoryStateIdentity;

  beforeAll(async () => {
    g = await startGuest(env!, NAME);
    identity = { vmUuid: g.guest.uuid, checkpointId: 'cp-2', parentId: 'cp-1' };
  });
  afterAll(() => removeGuest(g, [SAVE1, SAVE2, SEALED, REBUILT, TAMPERED]));

  it('stores the second save as a small sealed delta, rebuilds it exactly, and libvirt resumes the guest from it', async () => {
    const { conn, dom, guest } = g!;
    await waitForCounterAbove(guest, 2);
    await dom.save(SAVE1);
    await conn.restore(SAVE1);
    await waitForCounterAbove(guest, (await lastCounter(guest)) + 3);
    await dom.save(SAVE2);
    const counterAtSave = await lastCounter(guest);

    const stats: DeltaStats = { chunks: 0, copiedFromParent: 0, copiedFromTarget: 0, literalChunks: 0, literalBytes: 0, deltaBytes: 0 };
    const parentIndex = await chunkFile(SAVE1);
    const save2Index = await chunkFile(SAVE2);
    await sealMemoryState({ source: createDelta({ parent: parentIndex, targetPath: SAVE2, target: save2Index }, stats), path: SEALED, identity, keys });
    const full = (await stat(SAVE2)).size;
    const sealed = (await stat(SEALED)).size;
    // The guest ran a few seconds between the saves: most of its memory is unchanged (measured: ~2 %).
    expect(sealed).toBeLessThan(full * 0.2);
    expect(stats.copiedFromParent).toBeGreaterThan(stats.literalChunks * 4);

    const sealedBytes = await readFile(SEALED);
    sealedBytes[Math.floor(sealedBytes.length / 2)]! ^= 0x20;
    await writeFile(TAMPERED, sealedBytes);
    await expect(
      applyDelta({ delta: openSealedMemoryState({ path: TAMPERED, expected: identity, keys }), parentPath: SAVE1, outputPath: REBUILT }),
    ).rejects.toBeInstanceOf(MemoryStateTamperedError);
    await expect(access(REBUILT)).rejects.toThrow();

    await rm(SAVE2);
    await applyDelta({ delta: openSealedMemoryState({ path: SEALED, expected: identity, keys }), parentPath: SAVE1, outputPath: REBUILT });
    const rebuilt = await chunkFile(REBUILT);
    expect(rebuilt.size).toBe(full);
    expect(rebuilt.hashes.equals(save2Index.hashes)).toBe(true);

    const offset = await serialLogSize(guest.serialLogPath);
    await conn.restore(REBUILT);
    const next = await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000, { fromOffset: offset });
    // It continues from the second save, rather than booting again (a boot starts the counter over).
    expect(Number(next[1])).toBeGreaterThan(counterAtSave - 3);
    expect(Number(next[1])).toBeLessThanOrEqual(counterAtSave + 3);
  });
});
