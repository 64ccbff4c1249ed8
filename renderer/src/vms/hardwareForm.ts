/**
 * The hardware editor's form model: what the inputs hold (strings, as typed), and the contract changes
 * they amount to compared with the VM's current hardware. Pure, so it is unit-tested without a browser.
 */
import type { BootDevice, HardwareChanges, MemoryUnit, VmHardware } from '../../../preload/contract';

export const BOOT_DEVICES: readonly BootDevice[] = ['hd', 'cdrom', 'network', 'fd'];
export const BOOT_DEVICE_LABELS: Record<BootDevice, string> = { hd: 'Hard disk', cdrom: 'CD-ROM', network: 'Network (PXE)', fd: 'Floppy' };
export const MEMORY_UNITS: readonly MemoryUnit[] = ['MiB', 'GiB'];

export interface HardwareForm {
  vcpuCurrent: string;
  vcpuMax: string;
  memoryCurrent: string;
  memoryCurrentUnit: MemoryUnit;
  memoryMax: string;
  memoryMaxUnit: MemoryUnit;
  /** Devices in boot order, each on or off. */
  boot: Array<{ dev: BootDevice; on: boolean }>;
  autostart: boolean;
  disks: Record<string, { remove: boolean; source: string }>;
  nics: Record<string, { remove: boolean; linkState: 'up' | 'down' }>;
}

/** Memory shown in the largest unit that keeps it whole (GiB, else MiB). */
function splitMemory(kib: number): { value: string; unit: MemoryUnit } {
  if (kib % (1024 * 1024) === 0) return { value: String(kib / (1024 * 1024)), unit: 'GiB' };
  return { value: String(Math.round((kib / 1024) * 100) / 100), unit: 'MiB' };
}

export function formFromHardware(hw: VmHardware): HardwareForm {
  const current = splitMemory(hw.memory.currentKiB);
  const max = splitMemory(hw.memory.maxKiB);
  return {
    vcpuCurrent: String(hw.vcpus.current),
    vcpuMax: String(hw.vcpus.max),
    memoryCurrent: current.value,
    memoryCurrentUnit: current.unit,
    memoryMax: max.value,
    memoryMaxUnit: max.unit,
    boot: [...hw.bootOrder.map((dev) => ({ dev, on: true })), ...BOOT_DEVICES.filter((d) => !hw.bootOrder.includes(d)).map((dev) => ({ dev, on: false }))],
    autostart: hw.autostart,
    disks: Object.fromEntries(hw.disks.map((d) => [d.target, { remove: false, source: d.source ?? '' }])),
    nics: Object.fromEntries(hw.nics.map((n) => [n.mac, { remove: false, linkState: n.linkState }])),
  };
}

/**
 * The changes the form makes, or field errors for inputs that are not numbers at all (the rest, ranges and
 * rules, is main's job: it answers with field errors the form shows the same way).
 */
export function changesFromForm(form: HardwareForm, hw: VmHardware): { changes: HardwareChanges; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const changes: HardwareChanges = {};
  const int = (text: string, field: string): number | undefined => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(value)) {
      errors[field] = 'a whole number';
      return undefined;
    }
    return value;
  };
  const num = (text: string, field: string): number | undefined => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) {
      errors[field] = 'a number';
      return undefined;
    }
    return value;
  };

  const vcpuCurrent = int(form.vcpuCurrent, 'vcpus.current');
  const vcpuMax = int(form.vcpuMax, 'vcpus.max');
  const vcpus: NonNullable<HardwareChanges['vcpus']> = {};
  if (vcpuCurrent !== undefined && vcpuCurrent !== hw.vcpus.current) vcpus.current = vcpuCurrent;
  if (vcpuMax !== undefined && vcpuMax !== hw.vcpus.max) vcpus.max = vcpuMax;
  if (Object.keys(vcpus).length > 0) changes.vcpus = vcpus;

  const initial = formFromHardware(hw);
  const memory: NonNullable<HardwareChanges['memory']> = {};
  const currentValue = num(form.memoryCurrent, 'memory.current');
  const maxValue = num(form.memoryMax, 'memory.max');
  if (currentValue !== undefined && (form.memoryCurrent !== initial.memoryCurrent || form.memoryCurrentUnit !== initial.memoryCurrentUnit)) {
    memory.current = { value: currentValue, unit: form.memoryCurrentUnit };
  }
  if (maxValue !== undefined && (form.memoryMax !== initial.memoryMax || form.memoryMaxUnit !== initial.memoryMaxUnit)) {
    memory.max = { value: maxValue, unit: form.memoryMaxUnit };
  }
  if (Object.keys(memory).length > 0) changes.memory = memory;

  const order = form.boot.filter((b) => b.on).map((b) => b.dev);
  if (order.join() !== hw.bootOrder.join()) changes.bootOrder = order;
  if (form.autostart !== hw.autostart) changes.autostart = form.autostart;

  const disks = hw.disks.flatMap((d): NonNullable<HardwareChanges['disks']> => {
    const edit = form.disks[d.target];
    if (!edit) return [];
    if (edit.remove) return [{ target: d.target, remove: true as const }];
    if (edit.source.trim() !== (d.source ?? '')) return [{ target: d.target, source: edit.source.trim() }];
    return [];
  });
  if (disks.length > 0) changes.disks = disks;

  const nics = hw.nics.flatMap((n): NonNullable<HardwareChanges['nics']> => {
    const edit = form.nics[n.mac];
    if (!edit) return [];
    if (edit.remove) return [{ mac: n.mac, remove: true as const }];
    if (edit.linkState !== n.linkState) return [{ mac: n.mac, linkState: edit.linkState }];
    return [];
  });
  if (nics.length > 0) changes.nics = nics;

  return { changes, errors };
}

/** Readable names for the fields of a result or an error. */
export function fieldLabel(field: string): string {
  const fixed: Record<string, string> = {
    'vcpus.current': 'vCPUs',
    'vcpus.max': 'Maximum vCPUs',
    'memory.current': 'Memory',
    'memory.max': 'Maximum memory',
    bootOrder: 'Boot order',
    autostart: 'Autostart',
  };
  if (fixed[field]) return fixed[field];
  if (field.startsWith('disks.')) return `Disk ${field.slice(6)}`;
  if (field.startsWith('nics.')) return `Interface ${field.slice(5)}`;
  return field;
}

export const APPLIED_LABELS = { live: 'applied now', 'next-boot': 'saved for the next boot', both: 'applied now and saved' } as const;
