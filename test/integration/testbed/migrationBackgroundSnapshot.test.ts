/**
 * A live migration of a VM whose QEMU has the `background-snapshot` migration capability on (as a checkpoint
 * take interrupted between its "on" and "off" would leave it, set here through the QEMU monitor). Tandem
 * switches it off before it starts the migration: the job succeeds, the source is gone from host1, and the
 * guest's counter goes on once, from the destination only. Measured without that switch-off: libvirt 9.0's
 * peer-to-peer live migration fails here ("Background-snapshot is not compatible with return-path": libvirt
 * asks QEMU for return-path, which QEMU refuses next to it), so the VM stays on host1, but the job fails for a
 * reason the user cannot act on; a migration without return-path (a QEMU-level `migrate`, libvirt's own live
 * snapshot, which is a migration to a file) would run as a background snapshot and leave the source running.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, type Connection, type Domain } from '../../../native-helpers/libvirt/lib/index';
import type { Job } from '../../../preload/api/jobs';
import type { HostSummary, VmSummary } from '../../../preload/contract';
import { startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function backgroundSnapshotOn(dom: Domain): Promise<boolean | undefined> {
  const caps = JSON.parse(await dom.qemuMonitorCommand('{"execute":"query-migrate-capabilities"}')) as { return: Array<{ capability: string; state: boolean }> };
  return caps.return.find((c) => c.capability === 'background-snapshot')?.state;
}

function counters(log: string): number[] {
  return [...log.matchAll(/^tandem-counter (\d+)\r?$/gm)].map((m) => Number(m[1]));
}

describe.skipIf(!env)('live migration of a VM whose background-snapshot capability was left on', () => {
  let t: InProcessTandem;
  let host1: HostSummary;
  let host2: HostSummary;
  let conn1: Connection;
  let conn2: Connection;
  let guest: TinyGuest;
  let vm: VmSummary;

  async function jobEnd(jobId: string): Promise<Job> {
    const current = (await t.client.call('jobs.list', {})).find((j) => j.id === jobId);
    if (current && ['succeeded', 'failed', 'cancelled'].includes(current.state)) return current;
    return t.nextEvent('jobs.changed', (j) => j.id === jobId && ['succeeded', 'failed', 'cancelled'].includes(j.state), 180_000);
  }

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host1 = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
    host2 = await t.client.call('hosts.add', { uri: env!.host2Uri, name: 'testbed host2' });
    conn1 = await openConnection(env!.host1Uri);
    conn2 = await openConnection(env!.host2Uri);
    guest = await createTinyGuest(env!, { name: `mig-bgsnap-${process.pid}` });
    vm = await t.client.call('vms.defineXml', { hostId: host1.id, xml: guest.xml });
    await t.client.call('vms.start', { hostId: host1.id, uuid: vm.uuid });
    await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 30_000);
  });

  afterAll(async () => {
    for (const [h, c] of [
      [host1, conn1],
      [host2, conn2],
    ] as const) {
      if (!h || !c) continue;
      const dom = await c.lookupDomainByUUIDString(guest.uuid).catch(() => undefined);
      if (!dom) continue;
      await dom.destroy().catch(() => undefined);
      await dom.undefine().catch(() => undefined);
      dom.free();
    }
    await conn1?.close().catch(() => undefined);
    await conn2?.close().catch(() => undefined);
    if (guest) await removeTinyGuest(guest);
    await t?.stop();
  });

  it('switches the capability off first: the source is gone after the migration, the guest counts on from the destination only', async () => {
    const source = await conn1.lookupDomainByUUIDString(guest.uuid);
    try {
      await source.qemuMonitorCommand(JSON.stringify({ execute: 'migrate-set-capabilities', arguments: { capabilities: [{ capability: 'background-snapshot', state: true }] } }));
      expect(await backgroundSnapshotOn(source)).toBe(true);
    } finally {
      source.free();
    }
    const before = counters(await readFile(guest.serialLogPath, 'utf8')).at(-1)!;

    const { job } = await t.client.call('migration.start', { hostId: host1.id, uuid: vm.uuid, options: { destinationHostId: host2.id, allowUnsafe: true } });
    const ended = await jobEnd(job.id);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');

    // host1 no longer has it (undefined there, as a completed peer-to-peer migration leaves it), host2 runs it.
    await expect(conn1.lookupDomainByUUIDString(guest.uuid)).rejects.toMatchObject({ codeName: 'VIR_ERR_NO_DOMAIN' });
    const moved = await conn2.lookupDomainByUUIDString(guest.uuid);
    try {
      expect(await moved.isActive()).toBe(true);
      expect(await backgroundSnapshotOn(moved)).toBe(false);
    } finally {
      moved.free();
    }
    // Counting on, once: two QEMUs running the guest would print each value twice (or garble the log).
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${before + 5}$`, 'm'), 60_000);
    await sleep(2_000);
    const after = counters(await readFile(guest.serialLogPath, 'utf8')).filter((n) => n > before);
    expect(after.length).toBeGreaterThanOrEqual(5);
    expect(after).toEqual(after.map((_, i) => after[0]! + i));
  });
});
