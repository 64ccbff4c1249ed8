/**
 * Validation of hardware changes against the schema's domain rules (vCPUs within the maximum and the host's
 * CPUs, memory in whole KiB within the host's memory, boot devices that exist, disks and NICs that exist,
 * what a transient VM cannot do). Pure: it reads the VM's definition and live models and returns one
 * message per field, so the UI can show each next to its input and nothing is changed when any fails.
 */
import type { BootDevice, HardwareChanges, MemorySize, MemoryUnit } from '../../../preload/contract';
import type { DomainXml } from './DomainXml';

/** Below this no OS we know boots; it also catches a unit mistake (512 KiB meant as MiB). */
export const MIN_MEMORY_KIB = 16 * 1024;

const UNIT_KIB: Record<MemoryUnit, number> = { KiB: 1, MiB: 1024, GiB: 1024 ** 2, TiB: 1024 ** 3 };

export interface HardwareContext {
  /** The definition (what the next boot uses); for a transient VM, its live XML. */
  config: DomainXml;
  /** The running VM's XML, when it runs. */
  live: DomainXml | undefined;
  persistent: boolean;
  hostCpus: number;
  hostMemoryKiB: number;
}

export type FieldErrors = Record<string, string>;

/** KiB from a typed size, or a message saying why it is not a valid size. */
export function memorySizeToKiB(size: MemorySize): number | string {
  const kib = size.value * UNIT_KIB[size.unit];
  if (!Number.isFinite(kib) || kib <= 0) return 'memory must be a positive size';
  if (!Number.isInteger(Math.round(kib * 1e6) / 1e6)) return `${size.value} ${size.unit} is not a whole number of KiB`;
  return Math.round(kib);
}

export function formatKiB(kib: number): string {
  if (kib % UNIT_KIB.GiB === 0) return `${kib / UNIT_KIB.GiB} GiB`;
  if (kib % UNIT_KIB.MiB === 0) return `${kib / UNIT_KIB.MiB} MiB`;
  return `${kib} KiB`;
}

/** The vCPU and memory values the VM will have once the changes are applied (for the checks and the plan). */
export interface ResolvedSizes {
  vcpuCurrent: number;
  vcpuMax: number;
  memoryCurrentKiB: number;
  memoryMaxKiB: number;
}

export function validateHardwareChanges(changes: HardwareChanges, ctx: HardwareContext): { errors: FieldErrors; sizes: ResolvedSizes } {
  const errors: FieldErrors = {};
  const { config } = ctx;
  const transient = !ctx.persistent;
  const nextBootOnly = (field: string, what: string) => {
    if (transient) errors[field] = `${what} only takes effect at the next boot, and a transient VM has none: make it persistent first`;
  };

  // vCPUs -------------------------------------------------------------------------------------------------
  const vcpuMax = changes.vcpus?.max ?? config.vcpuMax;
  const vcpuCurrent = changes.vcpus?.current ?? Math.min(config.vcpuCurrent, vcpuMax);
  if (changes.vcpus?.max !== undefined) {
    if (vcpuMax < 1) errors['vcpus.max'] = 'the maximum must be at least 1 vCPU';
    else if (vcpuMax > ctx.hostCpus) errors['vcpus.max'] = `at most the host's ${ctx.hostCpus} CPUs`;
    else if (vcpuMax !== config.vcpuMax) nextBootOnly('vcpus.max', 'the maximum vCPU count');
  }
  if (changes.vcpus?.current !== undefined) {
    if (vcpuCurrent < 1) errors['vcpus.current'] = 'a VM needs at least 1 vCPU';
    else if (vcpuCurrent > vcpuMax) errors['vcpus.current'] = `at most the maximum of ${vcpuMax} vCPUs`;
    else if (vcpuCurrent > ctx.hostCpus) errors['vcpus.current'] = `at most the host's ${ctx.hostCpus} CPUs`;
    else if (transient && ctx.live && vcpuCurrent > ctx.live.vcpuMax) {
      errors['vcpus.current'] = `at most the running VM's maximum of ${ctx.live.vcpuMax} vCPUs`;
    }
  }

  // Memory ------------------------------------------------------------------------------------------------
  let memoryMaxKiB = config.memoryKiB;
  let memoryCurrentKiB = Math.min(config.currentMemoryKiB, config.memoryKiB);
  if (changes.memory?.max) {
    const kib = memorySizeToKiB(changes.memory.max);
    if (typeof kib === 'string') errors['memory.max'] = kib;
    else if (kib < MIN_MEMORY_KIB) errors['memory.max'] = `at least ${formatKiB(MIN_MEMORY_KIB)}`;
    else if (kib > ctx.hostMemoryKiB) errors['memory.max'] = `at most the host's ${formatKiB(ctx.hostMemoryKiB)}`;
    else {
      memoryMaxKiB = kib;
      if (kib !== config.memoryKiB) nextBootOnly('memory.max', 'the maximum memory');
    }
    if (!changes.memory.current) memoryCurrentKiB = Math.min(memoryCurrentKiB, memoryMaxKiB);
  }
  if (changes.memory?.current) {
    const kib = memorySizeToKiB(changes.memory.current);
    if (typeof kib === 'string') errors['memory.current'] = kib;
    else if (kib < MIN_MEMORY_KIB) errors['memory.current'] = `at least ${formatKiB(MIN_MEMORY_KIB)}`;
    else if (kib > memoryMaxKiB) errors['memory.current'] = `at most the maximum of ${formatKiB(memoryMaxKiB)}`;
    else memoryCurrentKiB = kib;
  }

  // Boot order --------------------------------------------------------------------------------------------
  if (changes.bootOrder) {
    const order = changes.bootOrder;
    const devices = config.disks.map((d) => d.device);
    const exists: Record<BootDevice, boolean> = {
      hd: devices.some((d) => d === 'disk' || d === 'lun'),
      cdrom: devices.includes('cdrom'),
      fd: devices.includes('floppy'),
      network: config.nics.length > 0,
    };
    const missing = order.filter((dev) => !exists[dev]);
    if (order.length === 0) errors.bootOrder = 'choose at least one boot device';
    else if (new Set(order).size !== order.length) errors.bootOrder = 'each boot device at most once';
    else if (missing.length > 0) errors.bootOrder = `the VM has no ${missing.map(bootDeviceName).join(' or ')} to boot from`;
    else if (config.usesPerDeviceBoot) errors.bootOrder = 'this VM sets its boot order per device (<boot order=...>); edit it in the XML';
    else nextBootOnly('bootOrder', 'the boot order');
  }

  // Autostart ---------------------------------------------------------------------------------------------
  if (changes.autostart !== undefined && transient) errors.autostart = 'only a persistent VM can start with its host';

  // Disks -------------------------------------------------------------------------------------------------
  const seenDisks = new Set<string>();
  for (const change of changes.disks ?? []) {
    const field = `disks.${change.target}`;
    const disk = config.disk(change.target);
    const device = disk?.value('@device') ?? 'disk';
    if (seenDisks.has(change.target)) errors[field] = `disk ${change.target} is listed twice`;
    else if (!disk) errors[field] = `the VM has no disk ${change.target}`;
    else if (change.remove && change.source !== undefined) errors[field] = 'remove the disk or change its medium, not both';
    else if (!change.remove && change.source === undefined) errors[field] = 'nothing to change on this disk';
    else if (change.source !== undefined && device !== 'cdrom' && device !== 'floppy') {
      errors[field] = `only the medium of a CD-ROM or floppy can change, and ${change.target} is a ${device}`;
    } else if (change.source !== undefined && change.source !== '' && !change.source.startsWith('/')) {
      errors[field] = 'the medium is an absolute path on the host (or empty to eject)';
    }
    seenDisks.add(change.target);
  }

  // NICs --------------------------------------------------------------------------------------------------
  const seenNics = new Set<string>();
  for (const change of changes.nics ?? []) {
    const mac = change.mac.toLowerCase();
    const field = `nics.${mac}`;
    if (seenNics.has(mac)) errors[field] = `NIC ${mac} is listed twice`;
    else if (!config.nic(mac)) errors[field] = `the VM has no network interface ${mac}`;
    else if (change.remove && change.linkState) errors[field] = 'remove the interface or set its link, not both';
    else if (!change.remove && !change.linkState) errors[field] = 'nothing to change on this interface';
    seenNics.add(mac);
  }

  return { errors, sizes: { vcpuCurrent, vcpuMax, memoryCurrentKiB, memoryMaxKiB } };
}

function bootDeviceName(dev: BootDevice): string {
  return { hd: 'hard disk', cdrom: 'CD-ROM', fd: 'floppy', network: 'network interface' }[dev];
}
