/**
 * A connected libvirt host's offer for the best match (core/provisioning/HostOffer.ts): capabilities and
 * domain capabilities (q35 on x86, where Secure Boot lives), node info and free memory, active pools with
 * what they can spare, networks with their forward mode, and the images in the pools that the osinfo
 * database identifies by file name. KVM counts only where the host's KVM probe started a KVM guest (libvirt
 * lists kvm wherever /dev/kvm exists, usable or not). Every object the binding hands out is freed here.
 */
import type { HostManager } from '../../core/hosts/HostManager';
import type { KvmVerdict } from '../../core/hosts/KvmProbe';
import type { HostImage, HostIsoVolume, HostNetwork, HostOffer, HostOfferReader, HostPool } from '../../core/provisioning/HostOffer';
import { guestArchesOf, hostOfferFrom } from '../../core/provisioning/hostCapabilities';
import type { IdentifiedImage } from '../../core/provisioning/osinfo/identifyImage';
import { createLogger } from '../../core/logging';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import { LibvirtError, virErrorNumber, virStoragePoolState, type Connection } from '../../../native-helpers/libvirt/lib';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { isoVolumesOf } from './LibvirtInstallMedia';
import { mapLibvirtError } from './mapLibvirtError';

const log = createLogger('host-offer');

/** The machine type whose domain capabilities we ask for, per arch: the one Tandem defines VMs with. */
const MACHINE: Record<string, string> = { x86_64: 'q35', i686: 'q35', aarch64: 'virt' };

export type ImageIdentifier = (fileName: string) => IdentifiedImage | undefined;

/** Whether KVM guests of the arch start on the host (asked only where the capabilities list kvm). */
export type KvmVerdictOf = (arch: string) => Promise<KvmVerdict>;

export class LibvirtHostOfferReader implements HostOfferReader {
  constructor(
    private readonly hosts: Pick<HostManager, 'session' | 'get'>,
    /** Resolved per use: the osinfo database loads lazily. */
    private readonly identifier: () => Promise<ImageIdentifier>,
    /** The host's KVM probe (core/hosts/KvmProbe.ts), once per connection. */
    private readonly kvm: (hostId: string, arch: string) => Promise<KvmVerdict>,
  ) {}

  async offer(hostId: string): Promise<HostOffer> {
    const session = this.hosts.session(hostId);
    try {
      return await readHostOffer(
        libvirtConnectionOf(session),
        { hostId, hostName: this.hosts.get(hostId).name },
        await this.identifier(),
        (arch) => this.kvm(hostId, arch),
      );
    } catch (error) {
      throw mapLibvirtError(error, { details: { hostId } });
    }
  }
}

export async function readHostOffer(
  conn: Connection,
  host: { hostId: string; hostName: string },
  identify: ImageIdentifier,
  kvmVerdict: KvmVerdictOf,
): Promise<HostOffer> {
  const capabilitiesXml = await conn.getCapabilities();
  const hostArch = new XmlNode(XmlDocument.parse(capabilitiesXml, 'capabilities XML').root).value('host/cpu/arch');
  const arches = guestArchesOf(capabilitiesXml);
  const simulated = arches.length > 0 && arches.every((a) => a.domainTypes.every((t) => t === 'test'));
  // KVM runs guests of the host's own arch (and i686 on x86_64) on the same /dev/kvm: one probe decides.
  const kvmListed = hostArch !== undefined && arches.some((a) => a.domainTypes.includes('kvm'));
  const kvm = kvmListed ? await kvmVerdict(hostArch) : undefined;
  const domainCapabilitiesXml: string[] = [];
  for (const { arch, domainTypes } of arches.filter((a) => a.arch === hostArch)) {
    const xml = await domainCapabilities(conn, arch, domainTypes.includes('kvm') && kvm?.usable ? 'kvm' : 'qemu');
    if (xml) domainCapabilitiesXml.push(xml);
  }
  const [nodeInfo, freeMemoryBytes, { pools, images, isoVolumes }, networks] = await Promise.all([
    conn.getNodeInfo(),
    // The test driver's answer is ignored (hostOfferFrom uses its total) and, on a custom XML file like the
    // demo host's, virNodeGetFreeMemory fails outright: don't ask a simulated host.
    simulated ? Promise.resolve(0) : conn.getFreeMemory(),
    readPools(conn, identify),
    readNetworks(conn),
  ]);
  return hostOfferFrom({
    ...host,
    capabilitiesXml,
    domainCapabilitiesXml,
    cpus: nodeInfo.cpus,
    totalMemoryBytes: nodeInfo.memoryKiB * 1024,
    freeMemoryBytes,
    pools,
    networks,
    images,
    isoVolumes,
    ...(kvm && !kvm.usable ? { kvmUnusable: kvm.reason } : {}),
  });
}

/**
 * What a call gives, or `absent` where the connection's driver does not implement it (libvirt's test driver
 * has no domain capabilities, the embedded QEMU driver no storage or network driver): the offer then lacks
 * that part. Any other failure is thrown.
 */
async function unlessUnsupported<T>(what: string, call: () => Promise<T>, absent: T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LibvirtError && error.code === virErrorNumber.VIR_ERR_NO_SUPPORT) {
      log.debug(`no ${what} on this host: ${error.message}`);
      return absent;
    }
    throw error;
  }
}

const domainCapabilities = (conn: Connection, arch: string, virtType: string) =>
  unlessUnsupported(
    `domain capabilities for ${arch}/${virtType}`,
    () => conn.getDomainCapabilities(null, arch, MACHINE[arch] ?? null, virtType),
    undefined,
  );

async function readPools(conn: Connection, identify: ImageIdentifier): Promise<{ pools: HostPool[]; images: HostImage[]; isoVolumes: HostIsoVolume[] }> {
  const found = await unlessUnsupported('storage driver', () => conn.listAllStoragePools(), []);
  const pools: HostPool[] = [];
  const images: HostImage[] = [];
  const isoVolumes: HostIsoVolume[] = [];
  try {
    for (const pool of found) {
      const info = await pool.getInfo();
      const active = info.state === virStoragePoolState.VIR_STORAGE_POOL_RUNNING;
      pools.push({ name: pool.getName(), active, capacityBytes: info.capacity, freeBytes: info.available });
      if (!active) continue;
      isoVolumes.push(...(await isoVolumesOf(pool, identify)));
      const volumes = await pool.listAllVolumes();
      try {
        for (const volume of volumes) {
          const identified = identify(volume.getName());
          if (!identified) continue;
          const { capacity } = await volume.getInfo();
          images.push({
            osinfoId: identified.os.shortId,
            arch: identified.arch,
            kind: identified.kind,
            format: identified.format,
            cloudInit: identified.cloudInit,
            pool: pool.getName(),
            volume: volume.getName(),
            ...(identified.kind === 'cloud-image' ? { virtualSizeBytes: capacity } : {}),
          });
        }
      } finally {
        for (const volume of volumes) volume.free();
      }
    }
  } finally {
    for (const pool of found) pool.free();
  }
  return { pools, images, isoVolumes };
}

async function readNetworks(conn: Connection): Promise<HostNetwork[]> {
  const found = await unlessUnsupported('network driver', () => conn.listAllNetworks(), []);
  try {
    return await Promise.all(
      found.map(async (network) => {
        const [active, xml] = await Promise.all([network.isActive(), network.getXMLDesc()]);
        const forward = new XmlNode(XmlDocument.parse(xml, 'network XML').root).element('forward');
        // No <forward>: an isolated network; <forward> without a mode is NAT (libvirt's default).
        return { name: network.getName(), active, forward: forward ? (forward.value('@mode') ?? 'nat') : 'isolated' };
      }),
    );
  } finally {
    for (const network of found) network.free();
  }
}
