/**
 * The libvirt binding's snapshots against a real QEMU guest on the test bed (host1): an internal snapshot
 * of the running guest and a revert that sends it back in time (its counter restarts lower), external
 * live disk+memory and disk-only snapshots whose files appear on disk while the guest keeps running, and
 * the error of a name that exists.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  virDomainSnapshotCreateFlags,
  virDomainSnapshotListFlags,
  virDomainState,
} from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, serialLogSize, waitForSerial } from '../../testbed/tinyGuest';
import { lastCounter, qemuImgInfo, removeGuest, startGuest, waitForCounterAbove, type RunningGuest } from './snapshotTestbed';

const env = testbedOrFail();
const NAME = `sn-${process.pid}-snap`;
const file = (suffix: string) => join(env!.images, `${NAME}.${suffix}`);
const MEMORY = file('ext1.mem');
const OVERLAY = file('ext1.qcow2');
const OVERLAY2 = file('ext2.qcow2');

const externalSnapshotXml = (name: string, overlay: string, memory?: string) =>
  `<domainsnapshot><name>${name}</name>
    ${memory ? `<memory snapshot='external' file='${memory}'/>` : ''}
    <disks><disk name='vda' snapshot='external' type='file'><driver type='qcow2'/><source file='${overlay}'/></disk></disks>
  </domainsnapshot>`;

describe.skipIf(!env)('binding: snapshots of a real QEMU guest', () => {
  let g: RunningGuest;

  beforeAll(async () => {
    g = await startGuest(env!, NAME);
  });

  afterAll(async () => {
    await removeGuest(g, [MEMORY, OVERLAY, OVERLAY2]);
  });

  it('takes an internal snapshot of the running guest and reverts to it: the guest goes back in time', async () => {
    await waitForCounterAbove(g.guest, 1);
    const snap = await g.dom.snapshotCreateXML(`<domainsnapshot><name>int1</name></domainsnapshot>`);
    const atSnapshot = await lastCounter(g.guest);
    expect(await snap.isCurrent()).toBe(true);
    expect(await snap.getXMLDesc()).toMatch(/<state>running<\/state>/);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);

    await waitForCounterAbove(g.guest, atSnapshot + 3);
    const beforeRevert = await lastCounter(g.guest);
    const offset = await serialLogSize(g.guest.serialLogPath);
    await g.dom.revertToSnapshot(snap);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    const next = Number((await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]);
    expect(next).toBeLessThanOrEqual(atSnapshot + 1);
    expect(next).toBeLessThan(beforeRevert);

    await snap.delete();
    expect(await g.dom.listAllSnapshots()).toEqual([]);
  });

  it('rejects a snapshot whose name exists with a LibvirtError and leaves the guest running', async () => {
    const snap = await g.dom.snapshotCreateXML(`<domainsnapshot><name>dup</name></domainsnapshot>`);
    const error = await g.dom.snapshotCreateXML(`<domainsnapshot><name>dup</name></domainsnapshot>`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toBe('VIR_ERR_OPERATION_FAILED');
    expect((error as LibvirtError).function).toBe('virDomainSnapshotCreateXML');
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    await waitForCounterAbove(g.guest, await lastCounter(g.guest));
    await snap.delete();
  });

  it('takes an external live disk+memory snapshot: overlay and memory files appear, the guest runs on', async () => {
    const { VIR_DOMAIN_SNAPSHOT_CREATE_LIVE, VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC } = virDomainSnapshotCreateFlags;
    const snap = await g.dom.snapshotCreateXML(
      externalSnapshotXml('ext1', OVERLAY, MEMORY),
      VIR_DOMAIN_SNAPSHOT_CREATE_LIVE | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC,
    );
    expect(snap.getName()).toBe('ext1');

    const overlay = await qemuImgInfo(OVERLAY);
    expect(overlay.format).toBe('qcow2');
    expect(overlay['backing-filename']).toBe(g.guest.diskPath);
    expect((await stat(MEMORY)).size).toBeGreaterThan(0);
    expect(await g.dom.getXMLDesc()).toContain(`<source file='${OVERLAY}'`);
    expect(await snap.getXMLDesc()).toMatch(/<memory snapshot='external' file='[^']*ext1\.mem'/);
    const external = await g.dom.listAllSnapshots(virDomainSnapshotListFlags.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL);
    expect(external.map((s) => s.getName())).toEqual(['ext1']);

    // LIVE keeps the guest running through the memory dump: it keeps counting on the new overlay.
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    await waitForCounterAbove(g.guest, await lastCounter(g.guest));
  });

  it('takes a disk-only snapshot without metadata: the overlay appears, libvirt lists no snapshot for it', async () => {
    const { VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY, VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA, VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC } =
      virDomainSnapshotCreateFlags;
    const snap = await g.dom.snapshotCreateXML(
      externalSnapshotXml('ext2', OVERLAY2),
      VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC,
    );
    expect(snap.getName()).toBe('ext2');
    expect((await qemuImgInfo(OVERLAY2))['backing-filename']).toBe(OVERLAY);
    expect((await g.dom.listAllSnapshots()).map((s) => s.getName())).toEqual(['ext1']);
    expect(await g.dom.getXMLDesc()).toContain(`<source file='${OVERLAY2}'`);
    await waitForCounterAbove(g.guest, await lastCounter(g.guest));
  });
});
