/**
 * VM editing on a real QEMU guest (TCG) of the test bed, through the contract: a vCPU hot-plug into the
 * running guest is reported 'both' and the running VM has it; a new maximum memory is 'next-boot' and the
 * running VM keeps its own; autostart and boot order; bad input gets field errors and the XML (re-read)
 * is unchanged.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSummary } from '../../../preload/contract';
import { DomainXml } from '../../../main/core/inventory/DomainXml';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const run = promisify(execFile);

/** A small ISO for a CD-ROM medium (xorriso is a test-bed package); the guest reads its user-data at boot. */
async function makeIso(path: string, label: string): Promise<void> {
  const dir = await mkdtemp(join(env!.images, 'iso-src-'));
  try {
    await writeFile(join(dir, 'user-data'), `${label}\n`);
    await run('xorriso', ['-as', 'mkisofs', '-quiet', '-V', label, '-o', path, dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The tiny guest's own machine type, and q35 (PCIe), the default of new VMs elsewhere: vCPU hot-plug under
// TCG works on both.
describe.skipIf(!env).each(['pc', 'q35'])('editing the hardware of a running tiny guest (machine %s)', (machine) => {
  let t: InProcessTandem;
  let host: HostSummary;
  let guest: TinyGuest;
  let uuid: string;
  const ref = () => ({ hostId: host.id, uuid });
  // The pc guest also gets an IDE CD-ROM (q35 has no IDE bus) to change media live.
  const isoA = env ? join(env.images, `it-hw-a-${process.pid}.iso`) : '';
  const isoB = env ? join(env.images, `it-hw-b-${process.pid}.iso`) : '';

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
    if (machine === 'pc') await Promise.all([makeIso(isoA, 'MEDIUM_A'), makeIso(isoB, 'MEDIUM_B')]);
    guest = await createTinyGuest(env!, {
      name: `it-hw-${machine}-${process.pid}`,
      id: `hw-${machine}-${process.pid}`,
      ...(machine === 'pc' ? { seedIso: isoA } : {}),
    });
    // One vCPU online, room for a second: what vCPU hot-plug needs.
    const xml = DomainXml.parse(guest.xml);
    xml.setVcpus(1, 2);
    xml.machine = machine;
    uuid = (await t.client.call('vms.defineXml', { hostId: host.id, xml: xml.toString() })).uuid;
    await t.client.call('vms.start', ref());
    await waitForSerial(guest.serialLogPath, machine === 'pc' ? /^tandem-seed: MEDIUM_A$/m : SERIAL.ready, 60_000);
  }, 120_000);

  afterAll(async () => {
    if (uuid) {
      await t.client.call('vms.destroy', ref()).catch(() => undefined);
      await t.client.call('vms.undefine', ref()).catch(() => undefined);
    }
    if (guest) await removeTinyGuest(guest);
    if (machine === 'pc') await Promise.all([rm(isoA, { force: true }), rm(isoB, { force: true })]);
    await t?.stop();
  });

  it('reads the running guest: 1 of 2 vCPUs, 128 MiB, its virtio disk', async () => {
    const hw = await t.client.call('vms.hardware', ref());
    expect(hw).toMatchObject({ active: true, persistent: true, vcpus: { current: 1, max: 2 }, memory: { maxKiB: 128 * 1024 } });
    expect(hw.disks.map((d) => d.target)).toContain('vda');
  });

  it('hot-plugs the second vCPU into the running guest: reported both, and the live XML has it', async () => {
    const { results, hardware } = await t.client.call('vms.editHardware', { ...ref(), changes: { vcpus: { current: 2 } } });
    expect(results).toEqual([{ field: 'vcpus.current', applied: 'both' }]);
    expect(hardware.vcpus).toEqual({ current: 2, max: 2 });
    const live = DomainXml.parse(await t.tandem.hosts.session(host.id).getVmXml(uuid));
    expect(live.vcpuCurrent).toBe(2);
    // The guest keeps running through it.
    const counter = await waitForSerial(guest.serialLogPath, SERIAL.counter, 10_000);
    expect(Number(counter[1])).toBeGreaterThan(0);
  });

  it('saves a bigger maximum memory for the next boot; the running guest keeps 128 MiB', async () => {
    const { results, hardware } = await t.client.call('vms.editHardware', {
      ...ref(),
      changes: { memory: { max: { value: 192, unit: 'MiB' } }, bootOrder: ['hd'], autostart: true },
    });
    expect(results).toEqual([
      { field: 'autostart', applied: 'live', note: expect.any(String) },
      { field: 'memory.max', applied: 'next-boot', note: 'the maximum memory is fixed while the VM runs' },
      { field: 'bootOrder', applied: 'next-boot', note: 'the boot order is read when the VM boots' },
    ]);
    expect(hardware).toMatchObject({ memory: { maxKiB: 128 * 1024 }, autostart: true, bootOrder: ['hd'] });
    expect(hardware.pendingNextBoot).toContain('memory.max');
    await t.client.call('vms.editHardware', { ...ref(), changes: { autostart: false } });
  });

  it.runIf(machine === 'pc')('changes and ejects the CD-ROM medium of the running guest: both, and the live XML follows', async () => {
    const session = t.tandem.hosts.session(host.id);
    const changed = await t.client.call('vms.editHardware', { ...ref(), changes: { disks: [{ target: 'hdc', source: isoB }], bootOrder: ['cdrom', 'hd'] } });
    expect(changed.results).toEqual([
      { field: 'bootOrder', applied: 'next-boot', note: expect.any(String) },
      { field: 'disks.hdc', applied: 'both' },
    ]);
    expect(DomainXml.parse(await session.getVmXml(uuid)).disks.find((d) => d.target === 'hdc')?.source).toBe(isoB);
    const ejected = await t.client.call('vms.editHardware', { ...ref(), changes: { disks: [{ target: 'hdc', source: '' }] } });
    expect(ejected.results).toEqual([{ field: 'disks.hdc', applied: 'both' }]);
    expect(DomainXml.parse(await session.getVmXml(uuid)).disks.find((d) => d.target === 'hdc')?.source).toBeUndefined();
    expect(ejected.hardware.bootOrder).toEqual(['cdrom', 'hd']);
  });

  it.each([
    ['0 vCPUs', { vcpus: { current: 0 } }, 'vcpus.current'],
    ['more vCPUs than the maximum', { vcpus: { current: 3 } }, 'vcpus.current'],
    ['a maximum above the host CPUs', { vcpus: { max: 64 } }, 'vcpus.max'],
    ['memory out of range', { memory: { current: { value: 4, unit: 'MiB' } } }, 'memory.current'],
    ['an unknown disk', { disks: [{ target: 'vdq', remove: true }] }, 'disks.vdq'],
  ] as const)('refuses %s with a field error; the XML is unchanged', async (_what, changes, field) => {
    const session = t.tandem.hosts.session(host.id);
    const before = await session.getVmXml(uuid);
    const error = await callError(t.client.call('vms.editHardware', { ...ref(), changes: changes as never }));
    expect(error).toMatchObject({ errorName: 'InvalidInput', code: 'vm.hardware-invalid' });
    expect(Object.keys((error as unknown as { details: { fieldErrors: object } }).details.fieldErrors)).toEqual([field]);
    expect(await session.getVmXml(uuid)).toBe(before);
  });
});
