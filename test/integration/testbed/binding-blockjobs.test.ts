/**
 * The libvirt binding's block jobs against real QEMU guests on the test bed (host0). External disk-only
 * snapshots (no metadata) give the running tiny guest an overlay chain, and each job is judged by what it
 * leaves behind: the disk source in the domain XML, the images' backing files (qemu-img info), the counter
 * the guest wrote into an image (a real read with qemu-img convert), and the guest still counting.
 *
 * One persistent guest carries the commit, pull, speed, rebase, error and transient-job copy cases, in order
 * (each builds on the chain the one before left); a second, transient guest the plain copy (libvirt 9.0
 * copies the disks of transient domains only, unless the job itself is transient).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openConnection,
  subscribeDomainEvents,
  virConnectDomainEventBlockJobStatus,
  virDomainBlockCommitFlags,
  virDomainBlockCopyFlags,
  virDomainBlockJobAbortFlags,
  virDomainBlockJobInfoFlags,
  virDomainBlockJobType,
  virDomainEventID,
  virDomainSnapshotCreateFlags,
  virDomainState,
  type BlockJobInfo,
  type Connection,
  type Domain,
  type DomainEvent,
} from '../../../native-helpers/libvirt/lib/index';
import { expectLibvirtError, waitFor } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';
import { createTinyGuest, removeTinyGuest, SERIAL, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { diskCounter, lastCounter, qemuImgInfo, waitForCounterAbove } from './snapshotTestbed';

const env = testbedOrFail();
const PREFIX = `bj-${process.pid}`;
const image = (name: string) => join(env!.images, `${PREFIX}-${name}`);
const JOB_DEADLINE_MS = 60_000;

interface Guest {
  tiny: TinyGuest;
  dom: Domain;
}

/** Creates the guest's disk, starts it (persistent: define + create; else transient) and waits for a counter. */
async function startGuest(conn: Connection, name: string, persistent: boolean): Promise<Guest> {
  const tiny = await createTinyGuest(env!, { name: `${PREFIX}-${name}` });
  const dom = persistent ? await conn.defineDomainXML(tiny.xml) : await conn.createDomainXML(tiny.xml);
  if (persistent) await dom.create();
  await waitForSerial(tiny.serialLogPath, SERIAL.counter, 60_000);
  return { tiny, dom };
}

async function removeGuest(g: Guest | undefined): Promise<void> {
  if (!g) return;
  await g.dom.destroy().catch(() => undefined);
  await g.dom.undefine().catch(() => undefined); // a transient guest is gone once destroyed
  await removeTinyGuest(g.tiny);
}

/** Moves vda of the running guest onto a new qcow2 overlay (external disk-only snapshot, no metadata). */
async function addOverlay(dom: Domain, overlay: string): Promise<void> {
  const { VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY, VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA, VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC } =
    virDomainSnapshotCreateFlags;
  await dom.snapshotCreateXML(
    `<domainsnapshot><disks><disk name='vda' snapshot='external' type='file'><driver type='qcow2'/><source file='${overlay}'/></disk></disks></domainsnapshot>`,
    VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC,
  );
}

/** The source file of vda in the live domain XML. */
async function vdaSource(dom: Domain): Promise<string | undefined> {
  const xml = await dom.getXMLDesc();
  const disk = /<disk type='file' device='disk'>[\s\S]*?<target dev='vda'[\s\S]*?<\/disk>/.exec(xml)?.[0] ?? '';
  return /<source file='([^']+)'/.exec(disk)?.[1];
}

/** Polls getBlockJobInfo until the job is ready to pivot (cur === end, end > 0); throws at the deadline. */
async function waitForJobReady(dom: Domain): Promise<BlockJobInfo> {
  const deadline = Date.now() + JOB_DEADLINE_MS;
  for (;;) {
    const info = await dom.getBlockJobInfo('vda');
    if (info && info.end > 0 && info.cur === info.end) return info;
    if (Date.now() > deadline) throw new Error(`block job not ready after ${JOB_DEADLINE_MS} ms: ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Polls getBlockJobInfo until vda has no job any more (a pull ends by itself); throws at the deadline. */
async function waitForNoJob(dom: Domain): Promise<void> {
  const deadline = Date.now() + JOB_DEADLINE_MS;
  while ((await dom.getBlockJobInfo('vda')) !== null) {
    if (Date.now() > deadline) throw new Error(`block job still running after ${JOB_DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The guest printed a counter above everything it printed so far: it is still running and writing. */
async function expectStillCounting(g: Guest): Promise<void> {
  expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
  await waitForCounterAbove(g.tiny, await lastCounter(g.tiny));
}

describe.skipIf(!env)('binding: block jobs on a real QEMU guest', () => {
  let conn: Connection;
  let g: Guest | undefined;
  const created: string[] = [];
  const overlay = (name: string) => {
    const path = image(name);
    created.push(path);
    return path;
  };

  beforeAll(async () => {
    conn = await openConnection(env!.host0Uri);
    g = await startGuest(conn, 'a', true);
  });

  afterAll(async () => {
    await removeGuest(g);
    for (const file of created) await rm(file, { force: true });
    await conn?.close();
  });

  it('commits the active overlay into its base and pivots: the base holds what the guest wrote, the guest counts on', async () => {
    const base = g!.tiny.diskPath;
    const top = overlay('commit.qcow2');
    await addOverlay(g!.dom, top);
    expect(await vdaSource(g!.dom)).toBe(top);
    await waitForCounterAbove(g!.tiny, (await lastCounter(g!.tiny)) + 1); // written to the overlay only

    const { VIR_DOMAIN_BLOCK_COMMIT_ACTIVE, VIR_DOMAIN_BLOCK_COMMIT_DELETE } = virDomainBlockCommitFlags;
    await g!.dom.blockCommit('vda', null, null, 0, VIR_DOMAIN_BLOCK_COMMIT_ACTIVE | VIR_DOMAIN_BLOCK_COMMIT_DELETE);
    const ready = await waitForJobReady(g!.dom);
    expect(ready.type).toBe(virDomainBlockJobType.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT);
    const beforePivot = await lastCounter(g!.tiny);
    await g!.dom.blockJobAbort('vda', virDomainBlockJobAbortFlags.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT);

    expect(await vdaSource(g!.dom)).toBe(base);
    expect(await g!.dom.getBlockJobInfo('vda')).toBeNull();
    // The guest prints a counter before writing it: once it printed beforePivot + 2, beforePivot + 1 is on disk.
    await waitForCounterAbove(g!.tiny, beforePivot + 1);
    const inBase = await diskCounter(base, 'qcow2', image('commit.raw'));
    expect(inBase).toBeGreaterThanOrEqual(beforePivot);
    await expect(qemuImgInfo(top)).rejects.toThrow(); // DELETE removed the committed overlay
    await expectStillCounting(g!);
  });

  it('pulls the backing chain into the overlay: it no longer has a backing file, the guest counts on', async () => {
    const top = overlay('pull.qcow2');
    await addOverlay(g!.dom, top);
    expect((await qemuImgInfo(top))['backing-filename']).toBe(g!.tiny.diskPath);
    const before = await lastCounter(g!.tiny);

    await g!.dom.blockPull('vda', 0);
    await waitForNoJob(g!.dom);

    expect((await qemuImgInfo(top))['backing-filename']).toBeUndefined();
    expect(await vdaSource(g!.dom)).toBe(top);
    expect(await g!.dom.getXMLDesc()).not.toMatch(/<backingStore type='file'/);
    await waitForCounterAbove(g!.tiny, before + 1);
    expect(await diskCounter(top, 'qcow2', image('pull.raw'))).toBeGreaterThan(before);
    await expectStillCounting(g!);
  });

  it('changes the speed of a running job (getBlockJobInfo shows it); abort without pivot keeps the source', async () => {
    const below = (await vdaSource(g!.dom))!;
    const top = overlay('speed.qcow2');
    await addOverlay(g!.dom, top);
    // An active commit stays until aborted, so it is still there to be throttled whatever its progress.
    await g!.dom.blockCommit('vda', null, null, 1, virDomainBlockCommitFlags.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE);
    expect(await g!.dom.getBlockJobInfo('vda')).toMatchObject({ type: virDomainBlockJobType.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT, bandwidth: 1 });

    await g!.dom.blockJobSetSpeed('vda', 3);
    expect((await g!.dom.getBlockJobInfo('vda'))?.bandwidth).toBe(3);
    const inBytes = await g!.dom.getBlockJobInfo('vda', virDomainBlockJobInfoFlags.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES);
    expect(inBytes?.bandwidth).toBe(3 * 1024 * 1024);

    await g!.dom.blockJobAbort('vda');
    expect(await g!.dom.getBlockJobInfo('vda')).toBeNull();
    expect(await vdaSource(g!.dom)).toBe(top);
    expect((await qemuImgInfo(top))['backing-filename']).toBe(below);
    await expectStillCounting(g!);
  });

  it('rebases the active overlay onto a lower image: the middle layer is pulled in and skipped, the guest counts on', async () => {
    const below = (await vdaSource(g!.dom))!;
    const lower = (await qemuImgInfo(below))['backing-filename']; // speed.qcow2 -> pull.qcow2 from the tests above
    if (lower === undefined) throw new Error(`${below} has no backing file: the tests above did not build a chain`);
    const top = overlay('rebase.qcow2');
    await addOverlay(g!.dom, top);
    expect((await qemuImgInfo(top))['backing-filename']).toBe(below);

    await g!.dom.blockRebase('vda', lower, 0);
    await waitForNoJob(g!.dom);

    expect((await qemuImgInfo(top))['backing-filename']).toBe(lower);
    expect(await vdaSource(g!.dom)).toBe(top);
    expect(await g!.dom.getXMLDesc()).not.toContain(below);
    await expectStillCounting(g!);
  });

  it('reports the disk: size (virDomainGetBlockInfo) and I/O statistics that grow as the guest writes', async () => {
    const info = await g!.dom.blockInfo('vda');
    expect(info.capacity).toBe(64 * 1024 * 1024);
    expect(info.allocation).toBeGreaterThan(0);
    const first = await g!.dom.blockStats('vda');
    expect(first.wr_operations).toEqual(expect.any(Number));
    await waitForCounterAbove(g!.tiny, (await lastCounter(g!.tiny)) + 1);
    const second = await g!.dom.blockStats('vda');
    expect(second.wr_operations as number).toBeGreaterThan(first.wr_operations as number);
  });

  it('fails with LibvirtErrors and leaves the guest running', async () => {
    const { VIR_DOMAIN_BLOCK_COMMIT_ACTIVE } = virDomainBlockCommitFlags;
    const noDisk = await expectLibvirtError(g!.dom.blockCommit('vdz', null, null, 0, VIR_DOMAIN_BLOCK_COMMIT_ACTIVE), 'VIR_ERR_INVALID_ARG');
    expect(noDisk.function).toBe('virDomainBlockCommit');
    expect(await g!.dom.getBlockJobInfo('vda')).toBeNull();
    const noJob = await expectLibvirtError(
      g!.dom.blockJobAbort('vda', virDomainBlockJobAbortFlags.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT),
      'VIR_ERR_INVALID_ARG',
    );
    expect(noJob.function).toBe('virDomainBlockJobAbort');
    expect(noJob.message).toMatch(/block job/);
    // libvirt copies a persistent domain's disk only as a transient job (the copy would not survive a restart).
    const copy = overlay('refused-copy.qcow2');
    const persistent = await expectLibvirtError(
      g!.dom.blockCopy('vda', `<disk type='file'><driver type='qcow2'/><source file='${copy}'/></disk>`),
      'VIR_ERR_OPERATION_INVALID',
    );
    expect(persistent.function).toBe('virDomainBlockCopy');
    expect(persistent.message).toMatch(/transient/);
    await expectStillCounting(g!);
  });

  it('copies a persistent domain\'s disk as a transient job, then aborts: the source stays', async () => {
    const source = await vdaSource(g!.dom);
    const copy = overlay('transient-job-copy.qcow2');
    await g!.dom.blockCopy(
      'vda',
      `<disk type='file'><driver type='qcow2'/><source file='${copy}'/></disk>`,
      null,
      virDomainBlockCopyFlags.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB,
    );
    expect((await waitForJobReady(g!.dom)).type).toBe(virDomainBlockJobType.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY);
    await g!.dom.blockJobAbort('vda');
    expect(await g!.dom.getBlockJobInfo('vda')).toBeNull();
    expect(await vdaSource(g!.dom)).toBe(source);
    await expectStillCounting(g!);
  });

  describe('a transient guest', () => {
    let t: Guest | undefined;
    beforeAll(async () => {
      t = await startGuest(conn, 'b', false);
    });
    afterAll(async () => {
      await removeGuest(t);
    });

    it('copies the disk to a new qcow2 (READY event), pivots: the XML points at the copy, the guest counts on', async () => {
      const events: DomainEvent[] = [];
      const sub = await subscribeDomainEvents(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2, (e) => events.push(e));
      try {
        const copy = overlay('copy.qcow2');
        await t!.dom.blockCopy('vda', `<disk type='file'><driver type='qcow2'/><source file='${copy}'/></disk>`, {
          granularity: 65536,
          'buf-size': 1024 * 1024,
        });
        const { VIR_DOMAIN_BLOCK_JOB_READY, VIR_DOMAIN_BLOCK_JOB_COMPLETED } = virConnectDomainEventBlockJobStatus;
        const { VIR_DOMAIN_BLOCK_JOB_TYPE_COPY } = virDomainBlockJobType;
        const isCopy = (status: number) => (e: DomainEvent) =>
          e.event === 'block-job' && e.name === t!.tiny.name && e.disk === 'vda' && e.type === VIR_DOMAIN_BLOCK_JOB_TYPE_COPY && e.status === status;
        await waitFor(events, isCopy(VIR_DOMAIN_BLOCK_JOB_READY), JOB_DEADLINE_MS);
        const beforePivot = await lastCounter(t!.tiny);

        await t!.dom.blockJobAbort('vda', virDomainBlockJobAbortFlags.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT);
        await waitFor(events, isCopy(VIR_DOMAIN_BLOCK_JOB_COMPLETED), JOB_DEADLINE_MS);
        expect(await vdaSource(t!.dom)).toBe(copy);
        expect((await qemuImgInfo(copy))['backing-filename']).toBeUndefined(); // a full copy of the chain
        await waitForCounterAbove(t!.tiny, beforePivot + 1);
        expect(await diskCounter(copy, 'qcow2', image('copy.raw'))).toBeGreaterThanOrEqual(beforePivot);
        await expectStillCounting(t!);
      } finally {
        await sub.dispose();
      }
    });
  });
});
