/**
 * More domain operations (src/domain_ops.cc), added to Domain (and restore() to Connection) by module
 * augmentation. libvirt's *Flags variants are used; names drop the "Flags" suffix as in types.ts.
 */
import type { TypedParams } from './stats';

/** One guest interface from virDomainInterfaceAddresses. */
export interface DomainInterface {
  name: string;
  /** MAC address ("" when the source does not report one). */
  hwaddr: string;
  addrs: Array<{
    /** virIPAddrType: 0 IPv4, 1 IPv6 */
    type: number;
    addr: string;
    prefix: number;
  }>;
}

export interface SchedulerParameters {
  /** Scheduler name, e.g. "posix" (QEMU) or "fair" (test driver). */
  type: string;
  /** libvirt's VIR_DOMAIN_SCHEDULER_* fields: cpu_shares, vcpu_period, vcpu_quota, weight, ... */
  params: TypedParams;
}

declare module './types' {
  interface Domain {
    /** virDomainSetVcpusFlags; flags: virDomainVcpuFlags | virDomainModificationImpact */
    setVcpus(count: number, flags?: number): Promise<void>;
    /** virDomainGetVcpusFlags; flags: virDomainVcpuFlags (VIR_DOMAIN_VCPU_MAXIMUM for the maximum) */
    getVcpusCount(flags?: number): Promise<number>;
    /** virDomainSetMemoryFlags; flags: virDomainMemoryModFlags */
    setMemory(memoryKiB: number, flags?: number): Promise<void>;
    /** virDomainSetMaxMemory */
    setMaxMemory(memoryKiB: number): Promise<void>;
    /** virDomainGetMaxMemory, KiB */
    getMaxMemory(): Promise<number>;
    /** virDomainAttachDeviceFlags; flags: virDomainDeviceModifyFlags */
    attachDevice(xml: string, flags?: number): Promise<void>;
    /** virDomainDetachDeviceFlags; flags: virDomainDeviceModifyFlags */
    detachDevice(xml: string, flags?: number): Promise<void>;
    /** virDomainUpdateDeviceFlags; flags: virDomainDeviceModifyFlags */
    updateDevice(xml: string, flags?: number): Promise<void>;
    /** virDomainSaveFlags: saves the running domain's memory to `to` and stops it. flags: virDomainSaveRestoreFlags */
    save(to: string, dxml?: string | null, flags?: number): Promise<void>;
    /** virDomainManagedSave; the next create() restores the image. */
    managedSave(flags?: number): Promise<void>;
    /** virDomainHasManagedSaveImage */
    hasManagedSaveImage(flags?: number): Promise<boolean>;
    /** virDomainManagedSaveRemove */
    managedSaveRemove(flags?: number): Promise<void>;
    /** virDomainBlockResize: size in KiB, or bytes with VIR_DOMAIN_BLOCK_RESIZE_BYTES. */
    blockResize(disk: string, size: number, flags?: number): Promise<void>;
    /** virDomainInterfaceAddresses; source: virDomainInterfaceAddressesSource (lease, agent, arp) */
    interfaceAddresses(source: number, flags?: number): Promise<DomainInterface[]>;
    /** virDomainFSFreeze (guest agent): the number of filesystems frozen. No mountpoints: all of them. */
    fsFreeze(mountpoints?: string[] | null, flags?: number): Promise<number>;
    /** virDomainFSThaw (guest agent): the number of filesystems thawed. */
    fsThaw(mountpoints?: string[] | null, flags?: number): Promise<number>;
    /** virDomainStartDirtyRateCalc; read the result with the VIR_DOMAIN_STATS_DIRTYRATE stats group. */
    startDirtyRateCalc(seconds: number, flags?: number): Promise<void>;
    /** virDomainGetSchedulerType + virDomainGetSchedulerParametersFlags; flags: virDomainModificationImpact */
    getSchedulerParameters(flags?: number): Promise<SchedulerParameters>;
    /** virDomainSetSchedulerParametersFlags: unknown fields or wrongly typed values are TypeErrors. */
    setSchedulerParameters(params: Record<string, number>, flags?: number): Promise<void>;
  }
  interface Connection {
    /** virDomainRestoreFlags: starts the domain saved in `from` (dxml: an adjusted domain XML). */
    restore(from: string, dxml?: string | null, flags?: number): Promise<void>;
  }
}
