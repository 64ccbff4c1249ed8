/**
 * The host page's data: capabilities parsed from libvirt's XML (KVM only where the host's KVM probe started
 * a KVM guest, else TCG with the probe's reason), node resources, storage pools, and the VMs running there
 * (from the inventory, which events keep current). Reads go through a port the libvirt driver implements, so
 * this stays plain TypeScript.
 */
import type { HostDetails } from '../../../preload/contract';
import { UnsupportedError } from '../errors';
import type { Inventory } from '../inventory/Inventory';
import { parseDomainCapabilities, parseHostCapabilities, type DomainCapabilities } from './HostCapabilities';
import type { KvmVerdict } from './KvmProbe';

export interface StoragePoolReading {
  name: string;
  state: string;
  capacityBytes: number;
  allocationBytes: number;
  availableBytes: number;
}

/** What the driver reads for the host page (one connected host at a time). */
export interface HostDetailsReader {
  capabilitiesXml(hostId: string): Promise<string>;
  /** Throws UnsupportedError when the host's driver has no domain capabilities. */
  domainCapabilitiesXml(hostId: string, query: { arch: string; domainType: string; machine?: string }): Promise<string>;
  /** freeMemoryKiB null: the host gives no figure (libvirt's test driver, i.e. the demo host). */
  node(hostId: string): Promise<{ cpus: number; memoryKiB: number; freeMemoryKiB: number | null }>;
  storagePools(hostId: string): Promise<StoragePoolReading[]>;
}

export class HostDetailsService {
  constructor(
    private readonly reader: HostDetailsReader,
    private readonly inventory: Pick<Inventory, 'list'>,
    /** The host's KVM probe (KvmProbe.verdict): asked only where the capabilities list kvm. */
    private readonly kvm: (hostId: string, arch: string) => Promise<KvmVerdict>,
  ) {}

  async details(hostId: string): Promise<HostDetails> {
    const caps = parseHostCapabilities(await this.reader.capabilitiesXml(hostId));
    // q35 is the machine with Secure Boot firmware; pc (i440fx) offers fewer loaders.
    const machine = caps.machines.includes('q35') ? 'q35' : undefined;
    const [{ kvm, domainCaps }, node, pools] = await Promise.all([
      // The firmware and features shown are those of the domain type guests will get.
      (async () => {
        const kvm = caps.domainTypes.includes('kvm') ? await this.kvm(hostId, caps.arch) : undefined;
        const domainType = kvm?.usable ? 'kvm' : (caps.domainTypes.find((t) => t !== 'kvm') ?? 'qemu');
        return { kvm, domainCaps: await this.domainCapabilities(hostId, { arch: caps.arch, domainType, ...(machine ? { machine } : {}) }) };
      })(),
      this.reader.node(hostId),
      this.reader.storagePools(hostId),
    ]);
    const active = this.inventory.list(hostId).filter((vm) => vm.state === 'running' || vm.state === 'paused' || vm.state === 'blocked');
    // A host without a free-memory figure (the demo host): what its active VMs leave of the total.
    const freeMemoryKiB = node.freeMemoryKiB ?? Math.max(0, node.memoryKiB - active.reduce((sum, vm) => sum + vm.memoryKiB, 0));
    return {
      hostId,
      arch: caps.arch,
      ...(caps.cpuModel ? { cpuModel: caps.cpuModel } : {}),
      ...(caps.cpuVendor ? { cpuVendor: caps.cpuVendor } : {}),
      acceleration: kvm?.usable ? 'kvm' : 'tcg',
      ...(kvm && !kvm.usable ? { kvmUnusable: kvm.reason } : {}),
      domainTypes: caps.domainTypes,
      ...(domainCaps
        ? {
            firmware: { efi: domainCaps.efi, paths: domainCaps.firmwarePaths, secureBoot: domainCaps.secureBoot },
            confidential: { sev: domainCaps.sev, sgx: domainCaps.sgx, tdx: domainCaps.tdx },
          }
        : {}),
      ...node,
      freeMemoryKiB,
      pools,
      runningVms: active.map(({ uuid, name }) => ({ uuid, name })),
    };
  }

  private async domainCapabilities(hostId: string, query: { arch: string; domainType: string; machine?: string }): Promise<DomainCapabilities | undefined> {
    try {
      return parseDomainCapabilities(await this.reader.domainCapabilitiesXml(hostId, query));
    } catch (error) {
      if (error instanceof UnsupportedError) return undefined;
      throw error;
    }
  }
}
