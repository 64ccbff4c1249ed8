import { describe, expect, it } from 'vitest';
import type { VmHardware } from '../../../preload/contract';
import { changesFromForm, formFromHardware } from './hardwareForm';

const hw: VmHardware = {
  hostId: 'demo',
  uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001',
  active: true,
  persistent: true,
  vcpus: { current: 2, max: 4 },
  memory: { currentKiB: 1536 * 1024, maxKiB: 2 * 1024 * 1024 },
  disks: [
    { target: 'vda', device: 'disk', source: '/img/a.qcow2', readonly: false },
    { target: 'sda', device: 'cdrom', source: '/iso/a.iso', readonly: true },
  ],
  nics: [{ mac: '52:54:00:10:00:01', type: 'network', source: 'lab', linkState: 'up' }],
  bootOrder: ['hd'],
  autostart: false,
  limits: { hostCpus: 16, hostMemoryKiB: 64 * 1024 * 1024 },
  pendingNextBoot: [],
};

describe('the hardware form', () => {
  it('shows memory in the largest whole unit, and the boot devices in order', () => {
    const form = formFromHardware(hw);
    expect([form.memoryCurrent, form.memoryCurrentUnit, form.memoryMax, form.memoryMaxUnit]).toEqual(['1536', 'MiB', '2', 'GiB']);
    expect(form.boot).toEqual([
      { dev: 'hd', on: true },
      { dev: 'cdrom', on: false },
      { dev: 'network', on: false },
      { dev: 'fd', on: false },
    ]);
  });

  it('sends nothing when nothing changed, and only the fields that did', () => {
    const form = formFromHardware(hw);
    expect(changesFromForm(form, hw)).toEqual({ changes: {}, errors: {} });
    const edited = {
      ...form,
      vcpuCurrent: '3',
      memoryMax: '4',
      boot: [{ dev: 'cdrom' as const, on: true }, ...form.boot],
      disks: { ...form.disks, sda: { remove: false, source: '' } },
      nics: { '52:54:00:10:00:01': { remove: true, linkState: 'up' as const } },
    };
    expect(changesFromForm(edited, hw)).toEqual({
      changes: {
        vcpus: { current: 3 },
        memory: { max: { value: 4, unit: 'GiB' } },
        bootOrder: ['cdrom', 'hd'],
        disks: [{ target: 'sda', source: '' }],
        nics: [{ mac: '52:54:00:10:00:01', remove: true }],
      },
      errors: {},
    });
  });

  it('flags inputs that are not numbers; ranges are main’s to check', () => {
    const form = { ...formFromHardware(hw), vcpuCurrent: '1.5', memoryCurrent: 'lots' };
    expect(changesFromForm(form, hw).errors).toEqual({ 'vcpus.current': 'a whole number', 'memory.current': 'a number' });
    expect(changesFromForm({ ...form, vcpuCurrent: '0', memoryCurrent: '1536' }, hw).changes).toEqual({ vcpus: { current: 0 } });
  });
});
