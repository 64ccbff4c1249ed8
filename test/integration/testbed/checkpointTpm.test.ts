/**
 * A guest with an emulated TPM 2.0 (swtpm run by libvirt) checkpointed and reverted, its TPM state going
 * back with it. The tiny guest keeps its counter in a TPM NV index as well as on its disk and prints what
 * it reads there (tinyGuest's `tpm` option), so the value the guest reads after a revert says which TPM
 * state it runs on:
 * - shut off: boot, stop; checkpoint (disk-only, with a copy of swtpm's state folder, read through libvirt);
 *   boot again (the NV index moves on), stop; revert; the next boot reads the checkpoint's NV value and disk
 *   counter. Without the copy put back, it would read the later boot's value.
 * - running, memory: the TPM state travels in QEMU's save stream; after the revert every value the guest
 *   reads is the one it wrote the tick before, so the restored guest reads the checkpoint's, not the
 *   abandoned branch's (which is several ticks ahead).
 * - running, disk-only: crash-consistent disks and TPM; the VM is left shut off and its next boot reads
 *   the NV value of the moment of the checkpoint.
 * - a disk-only take whose TPM state libvirt refuses to read after the disk switch is undone (overlay merged
 *   back, nothing journaled), rather than kept for a recovery that would fail the same way.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import { KeychainMemoryKeyProvider } from '../../../main/core/checkpoints/MemoryKeyProvider';
import { loadTpmState } from '../../../main/core/checkpoints/tpmState';
import { KeyringSecretStore } from '../../../main/drivers/keyring/KeyringSecretStore';
import { SealedMemoryStateStore } from '../../../main/drivers/memoryState/SealedMemoryStateStore';
import { openConnection, virDomainState, virDomainUndefineFlagsValues, virDomainXMLFlags, type Connection, type Domain } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { startSecretService, type PrivateSecretService } from '../../support/secretService';
import { completeLines, counterResumedSince, createTinyGuest, lastCounter, SERIAL, serialLogSize, serialText, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { checkpointEngine, checkpointFolderOf, checkpointHostUri, HOST_ID, removeDefinedCheckpointGuest } from './checkpointFixture';

const env = testbedOrFail();

describe.skipIf(!env)('checkpoints of a guest with an emulated TPM 2.0', () => {
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  let engine: CheckpointEngine;
  let dataDir: string;
  let keyring: PrivateSecretService;
  let store: SealedMemoryStateStore;
  const vm = () => ({ hostId: HOST_ID, uuid: guest.uuid });
  const folder = () => checkpointFolderOf(env!, guest.uuid);

  /** Starts the guest and returns what its TPM and disk held at boot. */
  async function boot(): Promise<{ nv: string; disk: number; offset: number }> {
    const offset = await serialLogSize(guest.serialLogPath);
    await dom.create();
    const nv = (await waitForSerial(guest.serialLogPath, SERIAL.tpmBoot, 60_000, { fromOffset: offset }))[1]!;
    const disk = Number((await waitForSerial(guest.serialLogPath, SERIAL.diskCounter, 60_000, { fromOffset: offset }))[1]);
    return { nv, disk, offset };
  }

  /** Waits until the guest has read `value` back from the TPM, i.e. its NV index holds at least that. */
  async function tpmHolds(value: number, offset: number): Promise<void> {
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-tpm n=${value + 1} nv=${value}$`, 'm'), 60_000, { fromOffset: offset });
  }

  /** Every TPM line since `offset`: the guest read the value it wrote the tick before, or it runs on another TPM state. */
  async function tpmTicksSince(offset: number): Promise<{ n: number; nv: string }[]> {
    return [...completeLines(await serialText(guest, offset)).matchAll(/^tandem-tpm n=(\d+) nv=(\S+)$/gm)].map((m) => ({ n: Number(m[1]), nv: m[2]! }));
  }

  beforeAll(async () => {
    keyring = await startSecretService();
    keyring.useInThisProcess();
    store = new SealedMemoryStateStore(new KeychainMemoryKeyProvider(new KeyringSecretStore()));
    dataDir = join(env!.dir, `tpm-data-${process.pid}`);
    conn = await openConnection(checkpointHostUri(env!));
    guest = await createTinyGuest(env!, { name: `ck-${process.pid}-tpm`, tpm: true });
    dom = await conn.defineDomainXML(guest.xml);
    engine = checkpointEngine(conn, dataDir, store);
  });

  afterAll(async () => {
    await removeDefinedCheckpointGuest(env!, { dom, conn, guest }, virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_TPM);
    await rm(dataDir, { recursive: true, force: true });
    await keyring?.stop();
  });

  it('reverts a shut-off checkpoint with the TPM state it had: the next boot reads its NV value', async () => {
    const first = await boot();
    expect(first.nv).toBe('none');
    expect(await serialText(guest, first.offset)).not.toMatch(SERIAL.tpmError);
    await tpmHolds(3, first.offset);
    await dom.destroy();

    const cp = await engine.take(vm(), { name: 'off' });
    expect(cp).toMatchObject({ kind: 'disk-only', tpmStateFile: join(folder(), `${cp.id}.tpm`) });
    // A copy of swtpm's state (tpm2-00.permall, the TPM's seeds and keys), sealed with the keychain's key as
    // memory states are, and private like the original.
    const sealed = await readFile(cp.tpmStateFile!);
    expect(sealed.subarray(0, 8).toString('latin1')).toBe('TNDSEAL\0');
    expect(sealed.includes('tpm2-00.permall')).toBe(false);
    const copy = await loadTpmState(store, cp.tpmStateFile!, { vmUuid: guest.uuid, checkpointId: cp.id }, cp.name);
    expect(copy.map((f) => f.name)).toEqual(['tpm2-00.permall']);
    expect((await stat(cp.tpmStateFile!)).mode & 0o777).toBe(0o600);

    const second = await boot();
    const atCheckpoint = Number(second.nv);
    expect(atCheckpoint).toBeGreaterThanOrEqual(3);
    // The TPM moves on: at least two ticks past the checkpoint's value before this boot ends.
    await tpmHolds(atCheckpoint + 2, second.offset);
    await dom.destroy();

    await engine.revert(vm(), cp.id);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);
    const third = await boot();
    console.log(`TPM NV before the checkpoint's boot: ${second.nv}; after the revert: ${third.nv}`);
    expect(third.nv).toBe(String(atCheckpoint));
    expect(third.disk).toBe(second.disk);
  });

  it('reverts a running memory checkpoint: the TPM state comes back in the save stream', async () => {
    if ((await dom.getState()).state !== virDomainState.VIR_DOMAIN_RUNNING) await boot();
    const offset = await serialLogSize(guest.serialLogPath);
    const cp = await engine.take(vm(), { name: 'live' });
    // Its memory state is from some instant in the call, which can last seconds on a loaded machine.
    const atTakeEnd = await lastCounter(guest);
    // Through host1's unix socket: QEMU's background snapshot, the TPM's state saved with the other devices at the pause.
    expect(cp).toMatchObject({ kind: 'memory', memoryMethod: 'background-snapshot', tpmStateFile: null });
    const atTake = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]) - 1;
    await tpmHolds(atTakeEnd + 4, offset);

    const revertOffset = await serialLogSize(guest.serialLogPath);
    await engine.revert(vm(), cp.id);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    const resumed = await counterResumedSince(guest, revertOffset, 30_000);
    expect(resumed).toBeGreaterThanOrEqual(atTake);
    expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);
    // Let the restored guest run a few ticks, then look at every value it read from its TPM.
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-tpm n=${resumed + 3} nv=`, 'm'), 30_000, { fromOffset: revertOffset });
    const ticks = await tpmTicksSince(revertOffset);
    const restored = ticks.slice(ticks.findIndex((t) => t.n === resumed));
    console.log(`TPM ticks after the memory revert: ${restored.map((t) => `${t.n}:${t.nv}`).join(' ')}`);
    expect(restored.length).toBeGreaterThanOrEqual(3);
    for (const t of ticks) expect(t.nv).toBe(String(t.n - 1));
  });

  it('reverts a running disk-only checkpoint: shut off, the next boot reads the NV value of that moment', async () => {
    if ((await dom.getState()).state !== virDomainState.VIR_DOMAIN_RUNNING) await boot();
    const offset = await serialLogSize(guest.serialLogPath);
    await waitForSerial(guest.serialLogPath, SERIAL.tpmTick, 30_000, { fromOffset: offset });
    const before = (await tpmTicksSince(offset)).at(-1)!.n;
    const cp = await engine.take(vm(), { name: 'crash-consistent', diskOnly: true });
    const after = (await tpmTicksSince(offset)).at(-1)!.n;
    expect(cp).toMatchObject({ kind: 'disk-only', tpmStateFile: join(folder(), `${cp.id}.tpm`) });
    await tpmHolds(after + 3, offset);

    await engine.revert(vm(), cp.id);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);
    const next = await boot();
    console.log(`TPM NV when the disk-only checkpoint was taken: ${before - 1}..${after}; after the revert: ${next.nv}`);
    // What the TPM held during the take: the value of one of the ticks around it, not the later ones.
    expect(Number(next.nv)).toBeGreaterThanOrEqual(before - 1);
    expect(Number(next.nv)).toBeLessThanOrEqual(after + 1);
    expect(await serialText(guest, next.offset)).not.toMatch(SERIAL.tpmError);
  });

  it('undoes a disk-only take whose TPM state libvirt cannot read after the switch: refused, disks, definition and tree as before', async () => {
    if ((await dom.getState()).state !== virDomainState.VIR_DOMAIN_RUNNING) await boot();
    const sourceOf = (xml: string) => /<source file='([^']+)'/.exec(xml)![1]!;
    const active = sourceOf(await dom.getXMLDesc());
    const tree = await engine.list(vm());
    const files = (await readdir(folder())).sort();
    // An inactive pool under the name of Tandem's transient TPM pool: libvirt refuses to replace it, so the
    // read fails after the disks switched (a real refusal, as a folder libvirt cannot open would give).
    const blocker = await conn.defineStoragePoolXML(`<pool type='dir'><name>tandem-tpm-${guest.uuid}</name><target><path>/nonexistent-tandem-tpm</path></target></pool>`);
    try {
      await expect(engine.take(vm(), { name: 'tpm-unreadable', diskOnly: true })).rejects.toMatchObject({ code: 'checkpoint.tpm-read-failed' });
    } finally {
      await blocker.undefine();
      blocker.free();
    }
    expect(sourceOf(await dom.getXMLDesc())).toBe(active);
    expect(sourceOf(await dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE))).toBe(active);
    const after = await engine.list(vm());
    expect({ currentId: after.currentId, ids: after.checkpoints.map((c) => c.id) }).toEqual({ currentId: tree.currentId, ids: tree.checkpoints.map((c) => c.id) });
    expect((await readdir(folder())).sort()).toEqual(files);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    // Nothing blocks the VM afterwards: the next take works.
    const cp = await engine.take(vm(), { name: 'tpm-readable-again', diskOnly: true });
    expect(cp.tpmStateFile).toBe(join(folder(), `${cp.id}.tpm`));
  });

  it('undoes the same refused TPM read for a shut-off VM offline: definition back on its disk, which boots', async () => {
    if ((await dom.getState()).state !== virDomainState.VIR_DOMAIN_SHUTOFF) await dom.destroy();
    const sourceOf = (xml: string) => /<source file='([^']+)'/.exec(xml)![1]!;
    const defined = sourceOf(await dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE));
    const tree = await engine.list(vm());
    const files = (await readdir(folder())).sort();
    const blocker = await conn.defineStoragePoolXML(`<pool type='dir'><name>tandem-tpm-${guest.uuid}</name><target><path>/nonexistent-tandem-tpm</path></target></pool>`);
    try {
      await expect(engine.take(vm(), { name: 'tpm-unreadable-off', diskOnly: true })).rejects.toMatchObject({ code: 'checkpoint.tpm-read-failed' });
    } finally {
      await blocker.undefine();
      blocker.free();
    }
    expect(sourceOf(await dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE))).toBe(defined);
    const after = await engine.list(vm());
    expect({ currentId: after.currentId, ids: after.checkpoints.map((c) => c.id) }).toEqual({ currentId: tree.currentId, ids: tree.checkpoints.map((c) => c.id) });
    expect((await readdir(folder())).sort()).toEqual(files);
    expect(await readdir(join(dataDir, 'checkpoints', 'journal'))).toEqual([]);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);
    // Its chain resolves: the guest boots from it and reads its disk and TPM.
    const booted = await boot();
    expect(await serialText(guest, booted.offset)).not.toMatch(SERIAL.tpmError);
  });
});
