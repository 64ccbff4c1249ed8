/**
 * Host (node) calls (src/node.cc), added to Connection by module augmentation. Arguments that libvirt
 * accepts as NULL ("the default") are optional and may be null.
 */
export {};

declare module './types' {
  interface Connection {
    /** virConnectGetDomainCapabilities: domain capabilities XML for one emulator / arch / machine / virt type. */
    getDomainCapabilities(
      emulatorbin?: string | null,
      arch?: string | null,
      machine?: string | null,
      virttype?: string | null,
      flags?: number,
    ): Promise<string>;
    /** virConnectGetSysinfo: the host's SMBIOS data as XML. */
    getSysinfo(flags?: number): Promise<string>;
    /** virNodeGetCPUStats: cumulative ns per field (user, system, idle, iowait, ...). cpuNum -1 (default): all CPUs. */
    getNodeCPUStats(cpuNum?: number, flags?: number): Promise<Record<string, number>>;
    /** virNodeGetMemoryStats: KiB per field (total, free, buffers, cached). cellNum -1 (default): all cells. */
    getNodeMemoryStats(cellNum?: number, flags?: number): Promise<Record<string, number>>;
    /** virNodeGetFreeMemory: free bytes on the host. */
    getFreeMemory(): Promise<number>;
    /** virNodeGetCellsFreeMemory: free bytes of up to maxCells NUMA cells from startCell. */
    getCellsFreeMemory(startCell: number, maxCells: number): Promise<number[]>;
    /** virConnectCompareCPU: a virCPUCompareResult. flags: virConnectCompareCPUFlags */
    compareCPU(xml: string, flags?: number): Promise<number>;
    /** virConnectCompareHypervisorCPU: a virCPUCompareResult against what the hypervisor can provide. */
    compareHypervisorCPU(
      emulatorbin: string | null | undefined,
      arch: string | null | undefined,
      machine: string | null | undefined,
      virttype: string | null | undefined,
      xml: string,
      flags?: number,
    ): Promise<number>;
    /** virConnectBaselineCPU: the CPU XML every given host CPU can run. flags: virConnectBaselineCPUFlags */
    baselineCPU(xmlCPUs: string[], flags?: number): Promise<string>;
    /** virConnectBaselineHypervisorCPU: the same, limited to what the hypervisor can provide. */
    baselineHypervisorCPU(
      emulatorbin: string | null | undefined,
      arch: string | null | undefined,
      machine: string | null | undefined,
      virttype: string | null | undefined,
      xmlCPUs: string[],
      flags?: number,
    ): Promise<string>;
    /** virConnectGetMaxVcpus: the hypervisor's vCPU limit per guest (type e.g. "kvm"; default the driver's). */
    getMaxVcpus(type?: string | null): Promise<number>;
  }
}
