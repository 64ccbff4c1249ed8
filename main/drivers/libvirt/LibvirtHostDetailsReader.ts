/** HostDetailsReader on the binding: capabilities XML, node info and storage pools of a connected host. */
import { virStoragePoolState } from '../../../native-helpers/libvirt/lib/index';
import type { HostManager } from '../../core/hosts/HostManager';
import type { HostDetailsReader, StoragePoolReading } from '../../core/hosts/HostDetailsService';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapped } from './mapLibvirtError';

const POOL_STATES = new Map<number, string>(
  Object.entries(virStoragePoolState).map(([name, value]) => [value, name.replace('VIR_STORAGE_POOL_', '').toLowerCase()]),
);

export class LibvirtHostDetailsReader implements HostDetailsReader {
  constructor(private readonly hosts: Pick<HostManager, 'session'>) {}

  capabilitiesXml(hostId: string): Promise<string> {
    return mapped(() => this.conn(hostId).getCapabilities(), { hostId });
  }

  domainCapabilitiesXml(hostId: string, query: { arch: string; domainType: string; machine?: string }): Promise<string> {
    return mapped(() => this.conn(hostId).getDomainCapabilities(null, query.arch, query.machine ?? null, query.domainType), { hostId });
  }

  async node(hostId: string): Promise<{ cpus: number; memoryKiB: number; freeMemoryKiB: number | null }> {
    const conn = this.conn(hostId);
    const [info, type] = await mapped(() => Promise.all([conn.getNodeInfo(), conn.getType()]), { hostId });
    // libvirt's test driver on a custom XML file (the demo host) has no NUMA cells: virNodeGetFreeMemory
    // fails there with no cause, so it is not asked.
    if (type === 'TEST') return { cpus: info.cpus, memoryKiB: info.memoryKiB, freeMemoryKiB: null };
    const freeBytes = await mapped(() => conn.getFreeMemory(), { hostId });
    return { cpus: info.cpus, memoryKiB: info.memoryKiB, freeMemoryKiB: Math.floor(freeBytes / 1024) };
  }

  async storagePools(hostId: string): Promise<StoragePoolReading[]> {
    const pools = await mapped(() => this.conn(hostId).listAllStoragePools(), { hostId });
    try {
      return await mapped(
        () =>
          Promise.all(
            pools.map(async (pool) => {
              const info = await pool.getInfo();
              return {
                name: pool.getName(),
                state: POOL_STATES.get(info.state) ?? `state-${info.state}`,
                capacityBytes: info.capacity,
                allocationBytes: info.allocation,
                availableBytes: info.available,
              };
            }),
          ),
        { hostId },
      );
    } finally {
      for (const pool of pools) pool.free();
    }
  }

  private conn(hostId: string) {
    return libvirtConnectionOf(this.hosts.session(hostId));
  }
}
