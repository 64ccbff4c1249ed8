/**
 * The review's lines for the devices a guest's OS boots through (chipset, firmware, disk bus, NIC model), each
 * saying where it comes from: the template (a VM saved as one keeps what its OS was installed on), the best
 * match's change, or the deploy's own choice when the request names none.
 */
import type { VmRequest } from '../../../preload/api/provisioning';

export interface DeviceLine {
  key: 'machine' | 'firmware' | 'diskBus' | 'nicModel';
  label: string;
  value: string;
}

const BUS = { virtio: 'virtio', sata: 'SATA', scsi: 'SCSI', ide: 'IDE' } as const;
const MACHINE = { q35: 'q35', pc: 'i440fx' } as const;

/**
 * `hardware`: what will be created (the proposal's configuration); `changedFields`: the fields the proposal
 * changes; `fromTemplate`: the draft started from a template.
 */
export function deviceLines(hardware: VmRequest['hardware'], changedFields: readonly string[], fromTemplate: boolean): DeviceLine[] {
  const origin = (matches: (field: string) => boolean) =>
    changedFields.some(matches) ? ' (the best match)' : fromTemplate ? ' (from the template)' : '';
  const unique = <T>(values: T[]) => [...new Set(values)];
  const lines: DeviceLine[] = [
    {
      key: 'machine',
      label: 'Chipset',
      value: hardware.machine
        ? MACHINE[hardware.machine] + origin((f) => f === 'hardware.machine')
        : 'chosen by the deploy (q35, or i440fx for an OS without it)',
    },
    {
      key: 'firmware',
      label: 'Firmware',
      value:
        (hardware.firmware === 'uefi' ? `UEFI${hardware.secureBoot ? ' with Secure Boot' : ''}` : 'BIOS') +
        origin((f) => f === 'hardware.firmware' || f === 'hardware.secureBoot'),
    },
    {
      key: 'diskBus',
      label: 'Disk bus',
      value: unique(hardware.disks.map((d) => BUS[d.bus])).join(', ') + origin((f) => /^hardware\.disks\.\d+\.bus$/.test(f)),
    },
  ];
  if (hardware.nics.length > 0) {
    lines.push({
      key: 'nicModel',
      label: 'NIC model',
      value: unique(hardware.nics.map((n) => n.model)).join(', ') + origin((f) => /^hardware\.nics\.\d+\.model$/.test(f)),
    });
  }
  return lines;
}
