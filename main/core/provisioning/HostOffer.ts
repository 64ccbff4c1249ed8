/**
 * What a host can offer a new VM, as the best match and placement need it: plain data, so core stays pure.
 * The libvirt driver builds it (to come) from the host's capabilities and domain capabilities XML (guest
 * arches, kvm/qemu domain types, the firmware list with its Secure Boot builds, the TPM emulator backend),
 * `virNodeGetFreeMemory`/`virNodeGetInfo`, the storage pools and their volumes (images), and the networks.
 */
import type { Arch, Chipset } from './schemas';

export interface HostPool {
  name: string;
  active: boolean;
  capacityBytes: number;
  freeBytes: number;
}

export interface HostNetwork {
  name: string;
  active: boolean;
  /** libvirt's forward mode: nat, route, open, bridge, ...; "isolated" when there is none. */
  forward: string;
}

/** A disk image or installer ISO found in one of the host's pools, identified by its osinfo OS. */
export interface HostImage {
  /** osinfo short id or URL id of the OS on it. */
  osinfoId: string;
  arch: Arch;
  kind: 'cloud-image' | 'install-media';
  /** qcow2, raw, iso, ... */
  format: string;
  cloudInit: boolean;
  pool: string;
  volume: string;
  /** The virtual size of a disk image: the system disk made from it can't be smaller. */
  virtualSizeBytes?: number;
}

/**
 * An installer ISO the host holds: every volume of its active pools that libvirt reads as ISO 9660 (format
 * "iso", found by content) or, where the pool type does not probe content, whose name ends in ".iso"; or a file
 * outside any pool that a path named (then no pool and volume). Whether the osinfo database knows it does not
 * matter: the user says which OS it installs.
 */
export interface HostIsoVolume {
  pool?: string;
  volume?: string;
  path: string;
  sizeBytes: number;
  /** The OS osinfo identifies by the file name, when it does. */
  osinfoId?: string;
}

export interface HostOffer {
  hostId: string;
  hostName: string;
  /** Guest architectures the host can run (with KVM or by emulation). */
  guestArches: Arch[];
  /** The subset that has KVM; the others run under QEMU's emulation (TCG). */
  kvmArches: Arch[];
  /**
   * libvirt lists KVM but a KVM guest cannot start there (the host's KVM probe failed): libvirt's reason.
   * `kvmArches` is then empty.
   */
  kvmUnusable?: string;
  /** libvirt's test driver (the demo host): guests are simulated, nothing runs, so nothing is emulated. */
  simulated?: boolean;
  /**
   * The x86 chipsets the host's QEMU offers per guest arch (its capabilities' machine types: q35, i440fx "pc");
   * an arch without an entry (libvirt's test driver lists no machines) is not known, so not judged.
   */
  chipsets?: Partial<Record<Arch, Chipset[]>>;
  /** Logical CPUs of the host. */
  cpus: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  pools: HostPool[];
  networks: HostNetwork[];
  /** UEFI firmware (OVMF/AAVMF) installed, and a Secure Boot build of it. */
  firmware: { uefi: boolean; secureBoot: boolean };
  /** An emulated TPM backend (swtpm) is available. */
  tpmEmulator: boolean;
  graphics: Array<'vnc' | 'spice'>;
  images: HostImage[];
  /** Every installer ISO in its active pools (the wizard's ISO picker, and install media named by the request). */
  isoVolumes: HostIsoVolume[];
}

/** The port a driver implements to describe a connected host. */
export interface HostOfferReader {
  offer(hostId: string): Promise<HostOffer>;
}
