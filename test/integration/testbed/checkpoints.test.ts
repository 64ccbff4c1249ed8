/**
 * The checkpoint engine against a real QEMU guest on the test bed (host1, through its daemon's unix socket:
 * memory checkpoints are QEMU background snapshots): a checkpoint of the running guest and a revert that
 * sends the guest's serial counter back in time; a chain of three with the middle one deleted; the same VM
 * over TCP, where a checkpoint is libvirt's live snapshot; a commit into the base disk; a shut-off VM's
 * disk-only checkpoint whose revert brings back its disk counter.
 * Stun times are logged, never asserted.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import { openConnection, virDomainState } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, serialLogSize, waitForSerial } from '../../testbed/tinyGuest';
import { checkpointEngine, checkpointFolderOf, HOST_ID, removeCheckpointGuest, startCheckpointGuest } from './checkpointFixture';
import { diskCounter, lastCounter, qemuImgInfo, waitForCounterAbove, type RunningGuest } from './snapshotTestbed';

const env = testbedOrFail();

/** The first counter the guest prints after `offset` in its serial log. */
async function nextCounter(g: RunningGuest, offset: number): Promise<number> {
  return Number((await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 60_000, { fromOffset: offset }))[1]);
}

async function revertAndReadCounter(engine: CheckpointEngine, g: RunningGuest, id: string): Promise<number> {
  const offset = await serialLogSize(g.guest.serialLogPath);
  await engine.revert({ hostId: HOST_ID, uuid: g.guest.uuid }, id);
  expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
  return nextCounter(g, offset);
}

describe.skipIf(!env)('checkpoint engine on a real QEMU guest', () => {
  let g: RunningGuest;
  let engine: CheckpointEngine;
  let dataDir: string;
  const vm = () => ({ hostId: HOST_ID, uuid: g.guest.uuid });

  beforeAll(async () => {
    ({ g, engine, dataDir } = await startCheckpointGuest(env!, 'live'));
  });

  afterAll(() => removeCheckpointGuest(env!, g, dataDir));

  it('takes a live checkpoint and reverts to it: the counter resumes from there, the disk holds its value', async () => {
    await waitForCounterAbove(g.guest, 2);
    const atTake = await lastCounter(g.guest);
    const cp = await engine.take(vm(), { name: 'first', description: 'at boot' });
    // The instant the take froze the disks and memory lies somewhere in the call, which can last seconds on a
    // loaded machine: the counter printed by the time it returned bounds what it holds.
    const atTakeEnd = await lastCounter(g.guest);
    console.log(`checkpoint 'first': stun ${cp.stunMs} ms (suspended->resumed events), snapshot call ${cp.wallMs} ms, ${cp.memoryMethod}`);
    expect(cp.kind).toBe('memory');
    // A local unix-socket connection on a kernel with userfaultfd write-protection: QEMU's background snapshot.
    expect(cp.memoryMethod).toBe('background-snapshot');
    expect(cp.parentId).toBeNull();
    expect(cp.current).toBe(true);
    expect(cp.stunMs).not.toBeNull();
    expect(cp.sizeBytes).toBeGreaterThan(0);

    // The persistent definition follows the overlay (a cold boot stays on the recorded chain).
    expect(await g.dom.getXMLDesc(2)).toMatch(/<source file='[^']*\.tandem-checkpoints\/[^']*layer-[^']*\.vda\.qcow2'/);

    // The frozen image holds the disk as it was: the guest's last written counter.
    const frozen = cp.disks[0]!.image;
    expect(frozen).toBe(g.guest.diskPath);
    const diskAtTake = await diskCounter(frozen, 'qcow2', join(dataDir, 'raw'));
    // The guest prints each counter before it writes it; a line still being printed at the end is not yet in atTakeEnd.
    expect(diskAtTake).toBeGreaterThanOrEqual(atTake - 1);
    expect(diskAtTake).toBeLessThanOrEqual(atTakeEnd + 1);

    await waitForCounterAbove(g.guest, atTakeEnd + 4);
    const resumed = await revertAndReadCounter(engine, g, cp.id);
    // The first line after the revert is the one after the last the memory state had printed.
    expect(resumed).toBeGreaterThanOrEqual(atTake);
    expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);

    const xml = await g.dom.getXMLDesc();
    const source = /<source file='([^']+)'/.exec(xml)![1]!;
    expect(source).toContain('.tandem-checkpoints');
    expect((await qemuImgInfo(source))['backing-filename']).toBe(g.guest.diskPath);
    const tree = await engine.list(vm());
    expect(tree.checkpoints.map((c) => c.name)).toEqual(['first']);
    expect(tree.currentId).toBe(cp.id);
  });

  it('keeps a chain of three consistent when the middle one is deleted, reverting to each remaining one', async () => {
    const base = await engine.list(vm());
    const counters: Record<string, number> = {};
    const countersAfter: Record<string, number> = {};
    const ids: Record<string, string> = {};
    for (const name of ['a', 'b', 'c']) {
      await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 2);
      // The counter at take is the last one printed before the call: the guest runs on during it.
      const offset = await serialLogSize(g.guest.serialLogPath);
      const cp = await engine.take(vm(), { name });
      console.log(`checkpoint '${name}': stun ${cp.stunMs} ms`);
      ids[name] = cp.id;
      countersAfter[name] = await lastCounter(g.guest);
      counters[name] = (await nextCounter(g, offset)) - 1;
    }
    const tree = await engine.list(vm());
    expect(tree.checkpoints.find((c) => c.id === ids.b)!.parentId).toBe(ids.a);
    expect(tree.checkpoints.find((c) => c.id === ids.c)!.parentId).toBe(ids.b);
    expect(base.currentId).not.toBeNull();

    await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 2);
    const after = await engine.delete(vm(), ids.b!);
    expect(after.checkpoints.map((c) => c.name)).toEqual(['first', 'a', 'c']);
    expect(after.checkpoints.find((c) => c.id === ids.c)!.parentId).toBe(ids.a);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);

    for (const name of ['c', 'a', 'c']) {
      const resumed = await revertAndReadCounter(engine, g, ids[name]!);
      console.log(`revert to '${name}' (taken at counter ${counters[name]}..${countersAfter[name]}): resumed at ${resumed}`);
      expect(resumed).toBeGreaterThanOrEqual(counters[name]! - 1);
      // Its memory is from some instant in the take call, however long that ran.
      expect(resumed).toBeLessThanOrEqual(countersAfter[name]! + 2);
    }
  });

  it("falls back to libvirt's live snapshot over TCP (no descriptor passing), and that checkpoint reverts the same", async () => {
    const tcp = await openConnection(env!.host1Uri);
    try {
      const overTcp = checkpointEngine(tcp, dataDir);
      await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 2);
      const atTake = await lastCounter(g.guest);
      const cp = await overTcp.take(vm(), { name: 'over-tcp' });
      const atTakeEnd = await lastCounter(g.guest);
      console.log(`checkpoint 'over-tcp': stun ${cp.stunMs} ms, ${cp.memoryMethod}`);
      expect(cp.memoryMethod).toBe('live-snapshot');
      await waitForCounterAbove(g.guest, atTakeEnd + 4);
      const resumed = await revertAndReadCounter(overTcp, g, cp.id);
      // A live snapshot's memory is from the end of the call (however long it ran): the guest counted on meanwhile.
      expect(resumed).toBeGreaterThanOrEqual(atTake);
      expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);
    } finally {
      await tcp.close();
    }
  });

  it('commits the current state into the base disk: chain gone, VM running, base has the latest data', async () => {
    const folder = checkpointFolderOf(env!, g.guest.uuid);
    await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 1);
    const tree = await engine.commit(vm(), { mode: 'fold' });
    expect(tree.checkpoints).toEqual([]);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    expect(await g.dom.getXMLDesc()).toContain(`<source file='${g.guest.diskPath}'`);
    expect(await g.dom.getXMLDesc(2)).toContain(`<source file='${g.guest.diskPath}'`);
    expect((await qemuImgInfo(g.guest.diskPath))['backing-filename']).toBeUndefined();
    expect(await readdir(folder)).toEqual([]);

    const offset = await serialLogSize(g.guest.serialLogPath);
    const running = await nextCounter(g, offset);
    await waitForCounterAbove(g.guest, running);
    const onBase = await diskCounter(g.guest.diskPath, 'qcow2', join(dataDir, 'raw'));
    expect(onBase).toBeGreaterThanOrEqual(running);
  });
});

describe.skipIf(!env)('checkpoint engine on a shut-off VM', () => {
  let g: RunningGuest;
  let engine: CheckpointEngine;
  let dataDir: string;

  beforeAll(async () => {
    ({ g, engine, dataDir } = await startCheckpointGuest(env!, 'off'));
  });

  afterAll(() => removeCheckpointGuest(env!, g, dataDir));

  it('takes a disk-only checkpoint of a shut-off VM and reverts to it: the next boot reads its disk counter', async () => {
    const vm = { hostId: HOST_ID, uuid: g.guest.uuid };
    await waitForCounterAbove(g.guest, 3);
    await g.dom.destroy();
    const onDisk = await diskCounter(g.guest.diskPath, 'qcow2', join(dataDir, 'raw'));
    expect(onDisk).toBeGreaterThanOrEqual(3);

    const cp = await engine.take(vm, { name: 'off' });
    expect(cp.kind).toBe('disk-only');
    expect(cp.stunMs).toBeNull();

    let offset = await serialLogSize(g.guest.serialLogPath);
    await g.dom.create();
    expect(Number((await waitForSerial(g.guest.serialLogPath, SERIAL.diskCounter, 60_000, { fromOffset: offset }))[1])).toBe(onDisk);
    await waitForSerial(g.guest.serialLogPath, new RegExp(`^tandem-counter ${onDisk! + 1}$`, 'm'), 60_000, { fromOffset: offset });
    // This run starts from 1 again and writes past the checkpoint's value only after onDisk more seconds.
    await waitForSerial(g.guest.serialLogPath, new RegExp(`^tandem-counter ${onDisk! + 3}$`, 'm'), 60_000, { fromOffset: offset });

    await engine.revert(vm, cp.id);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);
    offset = await serialLogSize(g.guest.serialLogPath);
    await g.dom.create();
    expect(Number((await waitForSerial(g.guest.serialLogPath, SERIAL.diskCounter, 60_000, { fromOffset: offset }))[1])).toBe(onDisk);
  });
});
