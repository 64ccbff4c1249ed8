/**
 * The checkpoint engine on a guest with the QEMU guest agent and two disks (test bed host1): a quiesced
 * disk-only checkpoint (its revert leaves the VM shut off, the next boot reads the disk counter), branches
 * (a checkpoint with two children), deleting a branch point (refused while the running VM uses it, done by
 * rebasing both children once it is shut off), reverting to each branch, and a commit that keeps the base
 * disks as they were and moves the VM to a standalone copy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import { UnsupportedError } from '../../../main/core/errors';
import { openConnection, virDomainState, virDomainUndefineFlagsValues, type Connection, type Domain } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { counterResumedSince, createTinyGuest, SERIAL, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { checkpointEngine, checkpointHostUri, HOST_ID, removeDefinedCheckpointGuest } from './checkpointFixture';
import { diskCounter, qemuImgInfo } from './snapshotTestbed';

const env = testbedOrFail();

describe.skipIf(!env)('checkpoint engine: agent guest, branches, commit to a copy', () => {
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  let engine: CheckpointEngine;
  let dataDir: string;
  const copies: string[] = [];
  const vm = () => ({ hostId: HOST_ID, uuid: guest.uuid });
  const counterAfter = async (offset: number) => Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000, { fromOffset: offset }))[1]);
  /** The counter the guest printed last before now (it prints one a second). */
  const counterNow = async () => (await counterAfter(await serialLogSize(guest.serialLogPath))) - 1;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-ckpt-branch-'));
    conn = await openConnection(checkpointHostUri(env!));
    guest = await createTinyGuest(env!, { name: `ck-${process.pid}-agent`, agent: true });
    dom = await conn.defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, SERIAL.agentStarted, 90_000);
    await waitForSerial(guest.serialLogPath, /^tandem-counter 3$/m, 90_000);
    engine = checkpointEngine(conn, dataDir);
  });

  afterAll(async () => {
    await removeDefinedCheckpointGuest(env!, { dom, conn, guest }, virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
    for (const copy of copies) await rm(copy, { force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('branches, deletes the branch point, reverts to each branch and commits to a copy', async () => {
    const root = await engine.take(vm(), { name: 'root' });
    expect(root.disks.map((d) => d.target)).toEqual(['vda', 'vdb']);

    const atQuiesced = await counterNow();
    const quiesced = await engine.take(vm(), { name: 'quiesced', diskOnly: true });
    // The disks froze at some instant in the call, which can last seconds on a loaded machine.
    const atQuiescedEnd = await counterNow();
    console.log(`quiesced disk-only checkpoint: quiesced=${quiesced.quiesced}, stun ${quiesced.stunMs}, call ${quiesced.wallMs} ms`);
    expect(quiesced).toMatchObject({ kind: 'disk-only', quiesced: true, stunMs: null, memoryFile: null, parentId: root.id });

    const m = await engine.take(vm(), { name: 'branch-m' });
    const atM = await counterNow();

    // A disk-only checkpoint reverts to shut-off disks; the next boot reads the counter the disk held.
    await engine.revert(vm(), quiesced.id);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);
    let offset = await serialLogSize(guest.serialLogPath);
    await dom.create();
    const onDisk = Number((await waitForSerial(guest.serialLogPath, SERIAL.diskCounter, 90_000, { fromOffset: offset }))[1]);
    expect(onDisk).toBeGreaterThanOrEqual(atQuiesced - 1);
    expect(onDisk).toBeLessThanOrEqual(atQuiescedEnd + 1);
    // Far enough from branch m's counter that the two reverts below tell the branches apart.
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${atM + 6}$`, 'm'), 90_000, { fromOffset: offset });

    const e = await engine.take(vm(), { name: 'branch-e' });
    const atE = await counterNow();
    const tree = await engine.list(vm());
    expect(tree.checkpoints.find((c) => c.id === quiesced.id)!.children.sort()).toEqual([m.id, e.id].sort());

    // The running VM's chain goes through the branch point: refused, nothing changed.
    const refused = await engine.delete(vm(), quiesced.id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnsupportedError);
    expect((refused as UnsupportedError).code).toBe('checkpoint.busy-branch');
    expect((await engine.list(vm())).checkpoints).toHaveLength(4);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);

    await dom.destroy();
    const after = await engine.delete(vm(), quiesced.id);
    expect(after.checkpoints.map((c) => c.name)).toEqual(['root', 'branch-m', 'branch-e']);
    for (const c of after.checkpoints.filter((x) => x.id !== root.id)) {
      expect(c.parentId).toBe(root.id);
      for (const d of c.disks) expect((await qemuImgInfo(d.image))['backing-filename']).toBe(layerImage(root, d.target));
    }

    for (const [cp, at] of [
      [m, atM],
      [e, atE],
    ] as const) {
      offset = await serialLogSize(guest.serialLogPath);
      await engine.revert(vm(), cp.id);
      const resumed = await counterResumedSince(guest, offset);
      console.log(`revert to ${cp.name} (counter ~${at}): resumed at ${resumed}`);
      expect(resumed).toBeGreaterThanOrEqual(at - 1);
      expect(resumed).toBeLessThanOrEqual(at + 2);
    }

    const baseBefore = await diskCounter(guest.diskPath, 'qcow2', join(dataDir, 'raw'));
    const committed = await engine.commit(vm(), { mode: 'copy' });
    expect(committed.checkpoints).toEqual([]);
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    const sources = [...(await dom.getXMLDesc()).matchAll(/<source file='([^']+)'/g)].map((x) => x[1]!);
    copies.push(...sources.filter((s) => s.includes('.tandem-')));
    expect(sources.filter((s) => s.includes('.tandem-'))).toHaveLength(2);
    for (const s of sources.filter((x) => x.includes('.tandem-'))) expect((await qemuImgInfo(s))['backing-filename']).toBeUndefined();
    expect(await diskCounter(guest.diskPath, 'qcow2', join(dataDir, 'raw'))).toBe(baseBefore);
    offset = await serialLogSize(guest.serialLogPath);
    await counterAfter(offset);
  });
});

function layerImage(cp: { disks: { target: string; image: string }[] }, target: string): string {
  return cp.disks.find((d) => d.target === target)!.image;
}
