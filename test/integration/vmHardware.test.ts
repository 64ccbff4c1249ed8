/**
 * VM editing and tags through the contract on the demo host (libvirt's test driver): the typed hardware,
 * edits reported per field as live / next-boot / both, bad input refused with field errors and the
 * definition left exactly as it was, and tags stored in the VM's own XML.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError, startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

const WEB_FRONTEND = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001'; // running, 2 vCPUs, 2 GiB
const DB_REPLICA = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100003'; // shut off, 4 vCPUs, 8 GiB

describe('VM hardware and tags on the demo host', () => {
  let t: InProcessTandem;
  beforeAll(async () => {
    t = await startInProcessTandem();
  });
  afterAll(async () => {
    await t.stop();
  });

  const ref = (uuid: string) => ({ hostId: 'demo', uuid });

  it('reads the typed hardware of a VM', async () => {
    const hw = await t.client.call('vms.hardware', ref(WEB_FRONTEND));
    expect(hw).toMatchObject({
      active: true,
      persistent: true,
      vcpus: { current: 2, max: 2 },
      memory: { currentKiB: 2048 * 1024, maxKiB: 2048 * 1024 },
      disks: [{ target: 'vda', device: 'disk', bus: 'virtio', readonly: false }],
      nics: [{ mac: '52:54:00:10:00:01', type: 'network', source: 'lab-net', linkState: 'up' }],
      bootOrder: ['hd'],
      autostart: false,
      limits: { hostCpus: 16 },
      pendingNextBoot: [],
    });
  });

  it('lowers the vCPUs of a running VM live and in its definition, and the summary follows', async () => {
    const changed = t.nextEvent('vms.changed', (vm) => vm.uuid === WEB_FRONTEND && vm.vcpus === 1);
    const { results, hardware } = await t.client.call('vms.editHardware', { ...ref(WEB_FRONTEND), changes: { vcpus: { current: 1 } } });
    expect(results).toEqual([{ field: 'vcpus.current', applied: 'both' }]);
    expect(hardware.vcpus).toEqual({ current: 1, max: 2 });
    await changed;
  });

  it('saves a new maximum memory and boot order for the next boot of a running VM, and says so', async () => {
    const { results, hardware } = await t.client.call('vms.editHardware', {
      ...ref(WEB_FRONTEND),
      changes: { memory: { max: { value: 3, unit: 'GiB' } }, bootOrder: ['network', 'hd'], autostart: true },
    });
    expect(results).toEqual([
      { field: 'autostart', applied: 'live', note: expect.any(String) },
      { field: 'memory.max', applied: 'next-boot', note: 'the maximum memory is fixed while the VM runs' },
      { field: 'bootOrder', applied: 'next-boot', note: 'the boot order is read when the VM boots' },
    ]);
    expect(hardware.memory.maxKiB).toBe(2048 * 1024); // the running VM keeps its maximum
    expect(hardware.pendingNextBoot).toEqual(expect.arrayContaining(['memory.max', 'bootOrder']));
    expect(hardware.autostart).toBe(true);
    const detail = await t.client.call('vms.get', ref(WEB_FRONTEND));
    expect(detail.autostart).toBe(true);
  });

  it('edits a shut-off VM for its next boot', async () => {
    const { results, hardware } = await t.client.call('vms.editHardware', {
      ...ref(DB_REPLICA),
      changes: { vcpus: { current: 2, max: 6 }, memory: { current: { value: 4096, unit: 'MiB' } }, nics: [{ mac: '52:54:00:10:00:03', linkState: 'down' }] },
    });
    expect(results.map((r) => [r.field, r.applied])).toEqual([
      ['vcpus.max', 'next-boot'],
      ['vcpus.current', 'next-boot'],
      ['memory.current', 'next-boot'],
      ['nics.52:54:00:10:00:03', 'next-boot'],
    ]);
    expect(hardware).toMatchObject({ vcpus: { current: 2, max: 6 }, memory: { currentKiB: 4096 * 1024, maxKiB: 8192 * 1024 }, nics: [{ linkState: 'down' }] });
  });

  it.each([
    ['0 vCPUs', { vcpus: { current: 0 } }, 'vcpus.current', /at least 1/],
    ['more vCPUs than the maximum', { vcpus: { current: 3 } }, 'vcpus.current', /at most the maximum of 2/],
    ['a maximum above the host CPUs', { vcpus: { max: 17 } }, 'vcpus.max', /host's 16 CPUs/],
    ['memory below the floor', { memory: { current: { value: 512, unit: 'KiB' } } }, 'memory.current', /at least 16 MiB/],
    ['memory above the host', { memory: { max: { value: 65, unit: 'GiB' } } }, 'memory.max', /at most the host's 64 GiB/],
    ['a fraction of a KiB', { memory: { max: { value: 0.3, unit: 'KiB' } } }, 'memory.max', /whole number of KiB/],
    ['booting from a missing CD-ROM', { bootOrder: ['cdrom'] }, 'bootOrder', /no CD-ROM/],
    ['an unknown disk', { disks: [{ target: 'vdz', remove: true }] }, 'disks.vdz', /no disk vdz/],
    ['a new medium for a hard disk', { disks: [{ target: 'vda', source: '/x.iso' }] }, 'disks.vda', /only the medium of a CD-ROM/],
    ['an unknown NIC', { nics: [{ mac: '52:54:00:99:99:99', remove: true }] }, 'nics.52:54:00:99:99:99', /no network interface/],
  ] as const)('refuses %s with a field error and changes nothing', async (_what, changes, field, message) => {
    const before = await t.tandem.hosts.session('demo').getVmXml(WEB_FRONTEND);
    const beforeHw = await t.client.call('vms.hardware', ref(WEB_FRONTEND));
    const error = await callError(
      t.client.call('vms.editHardware', { ...ref(WEB_FRONTEND), changes: { ...changes, autostart: false } as never }),
    );
    expect(error).toMatchObject({ errorName: 'InvalidInput', code: 'vm.hardware-invalid' });
    const fieldErrors = (error as unknown as { details: { fieldErrors: Record<string, string> } }).details.fieldErrors;
    expect(Object.keys(fieldErrors)).toEqual([field]);
    expect(fieldErrors[field]).toMatch(message);
    // Re-read: the XML (live and saved) and autostart are as before.
    expect(await t.tandem.hosts.session('demo').getVmXml(WEB_FRONTEND)).toBe(before);
    expect(await t.client.call('vms.hardware', ref(WEB_FRONTEND))).toEqual(beforeHw);
  });

  it('stores tags in the VM’s own XML metadata and lists them in the summary', async () => {
    const changed = t.nextEvent('vms.changed', (vm) => vm.uuid === DB_REPLICA && (vm.tags ?? []).length === 2);
    expect(await t.client.call('vms.setTags', { ...ref(DB_REPLICA), tags: ['prod', ' db ', 'PROD'] })).toEqual(['db', 'prod']);
    await changed;
    const detail = await t.client.call('vms.get', ref(DB_REPLICA));
    expect(detail.xml.replace(/\s+/g, '')).toContain(
      '<metadata><tandem:tagsxmlns:tandem="https://tandem.dev/xmlns/vm-tags/1"><tandem:tag>db</tandem:tag><tandem:tag>prod</tandem:tag></tandem:tags></metadata>',
    );
    expect((await t.client.call('vms.list', {})).find((vm) => vm.uuid === DB_REPLICA)?.tags).toEqual(['db', 'prod']);
    expect(await callError(t.client.call('vms.setTags', { ...ref(DB_REPLICA), tags: ['no spaces'] }))).toMatchObject({ errorName: 'InvalidInput' });
    expect(await t.client.call('vms.setTags', { ...ref(DB_REPLICA), tags: [] })).toEqual([]);
    expect((await t.client.call('vms.get', ref(DB_REPLICA))).xml).not.toContain('tandem:tags');
  });
});
