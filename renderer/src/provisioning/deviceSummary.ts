/**
 * The review's lines for the devices a guest's OS boots through (chipset, firmware, disk bus, NIC model), each
 * saying where it comes from: the template (a VM saved as one keeps what its OS was installed on), the best
 * match's change, or the deploy's own choice when the request names no chipset.
 */
import { CHIPSET_NAMES, type VmRequest } from '../../../preload/api/provisioning';

type Hardware = VmRequest['hardware'];
type DeviceKey = 'machine' | 'firmware' | 'diskBus' | 'nicModel';

export interface DeviceLine {
  key: DeviceKey;
  label: string;
  value: string;
}

const BUS = { virtio: 'virtio', sata: 'SATA', scsi: 'SCSI', ide: 'IDE' } as const;
const LABELS: Record<DeviceKey, string> = { machine: 'Chipset', firmware: 'Firmware', diskBus: 'Disk bus', nicModel: 'NIC model' };
const DEPLOYS_CHOICE = 'chosen by the deploy (q35, or i440fx for an OS without it)';
const CHANGED_BY: Record<DeviceKey, (field: string) => boolean> = {
  machine: (f) => f === 'hardware.machine',
  firmware: (f) => f === 'hardware.firmware' || f === 'hardware.secureBoot',
  diskBus: (f) => /^hardware\.disks\.\d+\.bus$/.test(f),
  nicModel: (f) => /^hardware\.nics\.\d+\.model$/.test(f),
};

function valuesOf(hw: Hardware): Partial<Record<DeviceKey, string>> {
  const unique = <T>(values: T[]) => [...new Set(values)];
  return {
    machine: hw.machine ? CHIPSET_NAMES[hw.machine] : undefined,
    firmware: hw.firmware === 'uefi' ? `UEFI${hw.secureBoot ? ' with Secure Boot' : ''}` : 'BIOS',
    diskBus: unique(hw.disks.map((d) => BUS[d.bus])).join(', '),
    ...(hw.nics.length > 0 ? { nicModel: unique(hw.nics.map((n) => n.model)).join(', ') } : {}),
  };
}

/**
 * `hardware`: what will be created (the proposal's configuration); `changedFields`: the fields the proposal
 * changes; `template`: the hardware of the template the draft started from, if any.
 */
export function deviceLines(hardware: Hardware, changedFields: readonly string[], template?: Hardware): DeviceLine[] {
  const values = valuesOf(hardware);
  const fromTemplate = template ? valuesOf(template) : {};
  return (Object.keys(LABELS) as DeviceKey[]).flatMap((key) => {
    const value = values[key];
    if (value === undefined) return key === 'machine' ? [{ key, label: LABELS[key], value: DEPLOYS_CHOICE }] : [];
    const origin = changedFields.some(CHANGED_BY[key]) ? ' (the best match)' : fromTemplate[key] === value ? ' (from the template)' : '';
    return [{ key, label: LABELS[key], value: value + origin }];
  });
}
