import { describe, expect, it } from 'vitest';
import { VmRequestSchema } from '../../../preload/api/provisioning';
import { deviceLines } from './deviceSummary';

const hardware = (hw: object) => VmRequestSchema.parse({ os: { osinfoId: 'winxp' }, hardware: { vcpus: 1, memoryMiB: 512, disks: [{ sizeGiB: 10 }], ...hw } }).hardware;

describe('deviceLines', () => {
  it("says a template's chipset, disk bus and NIC models come from the template", () => {
    const xp = hardware({ machine: 'pc', disks: [{ sizeGiB: 10, bus: 'ide' }], nics: [{ network: 'default', model: 'e1000' }, { network: 'lab', model: 'rtl8139' }] });
    expect(deviceLines(xp, [], xp).map((l) => `${l.label}: ${l.value}`)).toEqual([
      'Chipset: i440fx (from the template)',
      'Firmware: BIOS (from the template)',
      'Disk bus: IDE (from the template)',
      'NIC model: e1000, rtl8139 (from the template)',
    ]);
  });

  it("names the best match where it changed a device, and the deploy's choice when no chipset is named", () => {
    const hw = hardware({ firmware: 'uefi', secureBoot: true, disks: [{ sizeGiB: 10, bus: 'sata' }, { sizeGiB: 5 }] });
    expect(deviceLines(hw, ['hardware.disks.0.bus', 'hardware.memoryMiB']).map((l) => `${l.label}: ${l.value}`)).toEqual([
      'Chipset: chosen by the deploy (q35, or i440fx for an OS without it)',
      'Firmware: UEFI with Secure Boot',
      'Disk bus: SATA, virtio (the best match)',
    ]);
  });

  it('does not credit the template with what the user changed after choosing it', () => {
    const template = hardware({ machine: 'q35', disks: [{ sizeGiB: 10, bus: 'sata' }] });
    const edited = hardware({ machine: 'pc', disks: [{ sizeGiB: 10, bus: 'ide' }] });
    expect(deviceLines(edited, [], template).map((l) => `${l.label}: ${l.value}`)).toEqual(['Chipset: i440fx', 'Firmware: BIOS (from the template)', 'Disk bus: IDE']);
  });
});
