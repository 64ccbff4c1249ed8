/**
 * Sealed, delta-stored memory states on a real QEMU guest (host1) with the key in a real Secret Service
 * (private D-Bus + gnome-keyring): a chain of three memory checkpoints stored as deltas; a flipped byte and a
 * truncation are refused before the VM is touched; deleting the middle checkpoint re-bases its child's delta
 * so both remaining checkpoints still revert. Sizes are logged, never asserted against a timing.
 */
import { copyFile, open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointEngine, CheckpointTreeView } from '../../../main/core/checkpoints/CheckpointEngine';
import { KeychainMemoryKeyProvider } from '../../../main/core/checkpoints/MemoryKeyProvider';
import { MemoryStateTamperedError, MemoryStateTruncatedError } from '../../../main/core/checkpoints/memoryStateErrors';
import { KeyringSecretStore } from '../../../main/drivers/keyring/KeyringSecretStore';
import { SealedMemoryStateStore } from '../../../main/drivers/memoryState/SealedMemoryStateStore';
import { virDomainState } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { startSecretService, type PrivateSecretService } from '../../support/secretService';
import { counterResumedSince, SERIAL, serialLogSize, waitForSerial } from '../../testbed/tinyGuest';
import { checkpointHostUri, HOST_ID, killCrashChildAt, removeCheckpointGuest, startCheckpointGuest } from './checkpointFixture';
import { lastCounter, waitForCounterAbove, type RunningGuest } from './snapshotTestbed';

const env = testbedOrFail();

describe.skipIf(!env)('sealed delta memory states on a real QEMU guest', () => {
  let keyring: PrivateSecretService;
  let g: RunningGuest;
  let engine: CheckpointEngine;
  let dataDir: string;
  const vm = () => ({ hostId: HOST_ID, uuid: g.guest.uuid });
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  /** The guest's counter just before each take, and once it returned (the state is from in between: a live snapshot's memory is its end). */
  const counters: Record<'a' | 'b' | 'c', number> = { a: 0, b: 0, c: 0 };
  const countersAfter: Record<'a' | 'b' | 'c', number> = { a: 0, b: 0, c: 0 };

  beforeAll(async () => {
    keyring = await startSecretService();
    keyring.useInThisProcess();
    ({ g, engine, dataDir } = await startCheckpointGuest(env!, 'sealed', new SealedMemoryStateStore(new KeychainMemoryKeyProvider(new KeyringSecretStore()))));
  });

  afterAll(async () => {
    await removeCheckpointGuest(env!, g, dataDir);
    await keyring?.stop();
  });

  /** The counter the guest resumes from after a revert (see counterResumedSince). */
  async function revertAndReadCounter(id: string): Promise<number> {
    const offset = await serialLogSize(g.guest.serialLogPath);
    await engine.revert(vm(), id);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    return counterResumedSince(g.guest, offset);
  }

  const memoryOf = async (id: string) => (await engine.list(vm())).checkpoints.find((c) => c.id === id)!;

  it('stores a chain of memory checkpoints sealed, each a delta against its parent', async () => {
    let previous = 0;
    for (const key of ['a', 'b', 'c'] as const) {
      await waitForCounterAbove(g.guest, previous + 3);
      counters[key] = await lastCounter(g.guest);
      const cp = await engine.take(vm(), { name: `cp-${key}` });
      ids[key] = cp.id;
      countersAfter[key] = await lastCounter(g.guest);
      previous = counters[key];
      const { size } = await stat(cp.memoryFile!);
      console.log(`checkpoint ${key}: stun ${cp.stunMs} ms, memory ${cp.memoryFullBytes} B plain -> ${size} B sealed (base ${cp.memoryBaseId ?? 'none'})`);
      const head = await readFile(cp.memoryFile!).then((b) => b.subarray(0, 8).toString('latin1'));
      expect(head).toBe('TNDSEAL\0');
    }
    const [a, b, c] = await Promise.all([memoryOf(ids.a), memoryOf(ids.b), memoryOf(ids.c)]);
    expect(a.memoryBaseId).toBeNull();
    expect(b.memoryBaseId).toBe(ids.a);
    expect(c.memoryBaseId).toBe(ids.b);
    // A delta of an idle-ish guest against its parent is far smaller than the whole state.
    expect((await stat(c.memoryFile!)).size).toBeLessThan(c.memoryFullBytes! / 2);
    // No plain copy of the guest's memory stays on disk.
    const folder = dirname(a.memoryFile!);
    expect((await readdir(folder)).filter((f) => f.includes('.plain') || f.includes('.restore-') || f.includes('.partial'))).toEqual([]);
  });

  async function expectRefusedAndUntouched(damage: (path: string) => Promise<void>, errorClass: typeof MemoryStateTamperedError | typeof MemoryStateTruncatedError) {
    const c = await memoryOf(ids.c);
    const original = `${c.memoryFile!}.orig-test`;
    await copyFile(c.memoryFile!, original);
    const before: CheckpointTreeView = await engine.list(vm());
    const xmlBefore = await g.dom.getXMLDesc();
    const counterBefore = await lastCounter(g.guest);
    try {
      await damage(c.memoryFile!);
      const error = await engine.revert(vm(), ids.c).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(errorClass);
      // The VM was never stopped: still running, same disks, still counting; the tree is as it was.
      expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
      expect(await g.dom.getXMLDesc()).toBe(xmlBefore);
      await waitForCounterAbove(g.guest, counterBefore + 1);
      const after = await engine.list(vm());
      expect(after.currentId).toBe(before.currentId);
      expect(after.checkpoints.map((x) => [x.id, x.memoryFile, x.memoryBaseId])).toEqual(before.checkpoints.map((x) => [x.id, x.memoryFile, x.memoryBaseId]));
      expect((await readdir(dirname(c.memoryFile!))).filter((f) => f.includes('.restore-') || f.includes('.partial'))).toEqual([]);
    } finally {
      await copyFile(original, c.memoryFile!);
      await rm(original, { force: true });
    }
  }

  it('refuses a memory state with one flipped byte, leaving the VM running and untouched', async () => {
    await expectRefusedAndUntouched(async (path) => {
      const file = await open(path, 'r+');
      try {
        const { size } = await file.stat();
        const at = Math.floor(size * 0.6);
        const b = Buffer.alloc(1);
        await file.read(b, 0, 1, at);
        b[0]! ^= 0x10;
        await file.write(b, 0, 1, at);
      } finally {
        await file.close();
      }
    }, MemoryStateTamperedError);
  });

  it('refuses a truncated memory state, leaving the VM running and untouched', async () => {
    await expectRefusedAndUntouched(async (path) => truncate(path, Math.floor((await stat(path)).size * 0.8)), MemoryStateTruncatedError);
  });

  it('deleting the middle checkpoint re-bases its child; both remaining checkpoints revert to their instant', async () => {
    await engine.delete(vm(), ids.b);
    const c = await memoryOf(ids.c);
    expect(c.memoryBaseId).toBe(ids.a);
    expect(c.memoryFile).not.toContain(`${ids.b}`);
    expect((await readdir(dirname(c.memoryFile!))).filter((f) => f.startsWith(ids.b))).toEqual([]);

    const atC = await revertAndReadCounter(ids.c);
    expect(atC).toBeGreaterThanOrEqual(counters.c);
    expect(atC).toBeLessThanOrEqual(countersAfter.c + 2); // its memory is from the end of the take; its first line is the next count
    const atA = await revertAndReadCounter(ids.a);
    expect(atA).toBeGreaterThanOrEqual(counters.a);
    expect(atA).toBeLessThanOrEqual(countersAfter.a + 2);
    expect((await readdir(dirname(c.memoryFile!))).filter((f) => f.includes('.restore-') || f.includes('.plain'))).toEqual([]);
  });

  it('recovery seals a take killed before its seal, and removes the plain state a killed revert left behind', async () => {
    const childArgs = (...rest: string[]) => [checkpointHostUri(env!), dataDir, g.guest.uuid, ...rest];
    const folder = dirname((await memoryOf(ids.a)).memoryFile!);
    await killCrashChildAt('take:snapshotted', childArgs('take', 'sealed-by-recovery'), { sealedMemory: true });
    expect((await engine.recover()).join()).toMatch(/completed/);
    const cp = (await engine.list(vm())).checkpoints.find((c) => c.name === 'sealed-by-recovery')!;
    expect(cp.memoryBaseId).toBe(ids.a);
    expect((await readFile(cp.memoryFile!)).subarray(0, 8).toString('latin1')).toBe('TNDSEAL\0');
    expect((await readdir(folder)).filter((f) => f.includes('.plain'))).toEqual([]);

    await killCrashChildAt('revert:stopped', childArgs('revert', cp.id), { sealedMemory: true });
    // The child had rebuilt the state in the clear for libvirt when it was killed.
    expect((await readdir(folder)).some((f) => f.includes('.mem.restore-'))).toBe(true);
    const offset = await serialLogSize(g.guest.serialLogPath);
    expect((await engine.recover()).join()).toMatch(/completed/);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset });
    expect((await engine.list(vm())).currentId).toBe(cp.id);
    expect((await readdir(folder)).filter((f) => f.includes('.restore-') || f.includes('.partial') || f.includes('.plain'))).toEqual([]);
  });
});
