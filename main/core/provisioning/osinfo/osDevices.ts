/**
 * What the osinfo database says an OS has drivers for, as the defaults of a VM that installs it: the same
 * device ids virt-install checks (virtinst/osdict.py: supports_virtionet, supports_virtiodisk,
 * supports_virtioscsi, supports_chipset_q35), each in its legacy and its virtio 1.0 form. An installer can only
 * install onto a disk it sees and fetch packages through a NIC it drives: Windows' setup has no virtio driver
 * of its own, so it needs a SATA disk and an e1000e NIC.
 */
import type { OsDatabase, OsEntry } from './OsDatabase';

const DEVICE_IDS = {
  virtioNet: ['http://pcisig.com/pci/1af4/1000', 'http://pcisig.com/pci/1af4/1041'],
  virtioBlock: ['http://pcisig.com/pci/1af4/1001', 'http://pcisig.com/pci/1af4/1042'],
  virtioScsi: ['http://pcisig.com/pci/1af4/1004', 'http://pcisig.com/pci/1af4/1048'],
  /** virtio 1.0 net, virt-install's proxy for virtio 1.0 (modern-only devices) as a whole. */
  virtio1: ['http://pcisig.com/pci/1af4/1041'],
  q35: ['http://qemu.org/chipset/x86/q35'],
} as const;

export interface OsDeviceSupport {
  /**
   * false: the database lists no device for this OS (or what it derives from); everything below is then false,
   * as virt-install reads it: an installer is given the devices every x86 OS drives (i440fx, IDE, e1000), since
   * one that cannot see its disk cannot install (MS-DOS, Windows NT 4, FreeBSD 4, CentOS 5 are such OSes).
   */
  stated: boolean;
  virtioBlock: boolean;
  virtioNet: boolean;
  virtioScsi: boolean;
  /** virtio 1.0: the only virtio q35's PCIe slots give (legacy virtio needs conventional PCI: i440fx). */
  virtio1: boolean;
  /** The q35 (PCIe, AHCI) chipset; without it, i440fx ("pc") with IDE. */
  q35: boolean;
}

export function deviceSupportOf(db: OsDatabase, os: OsEntry): OsDeviceSupport {
  const { stated, supported } = db.devicesOf(os);
  const has = (ids: readonly string[]) => ids.some((id) => supported.has(id));
  return {
    stated,
    virtioBlock: has(DEVICE_IDS.virtioBlock),
    virtioNet: has(DEVICE_IDS.virtioNet),
    virtioScsi: has(DEVICE_IDS.virtioScsi),
    virtio1: has(DEVICE_IDS.virtio1),
    q35: has(DEVICE_IDS.q35),
  };
}

/**
 * The machine type to install the OS on, as virt-install's supports_chipset_q35: q35 when the database lists
 * it, unless the OS drives virtio only in its legacy form (RHEL/CentOS 6: q35's PCIe slots give virtio 1.0
 * only, which their installer could not see its disk through), then i440fx.
 */
export function installerMachine(support: OsDeviceSupport): 'q35' | 'pc' {
  if (support.virtioNet && !support.virtio1) return 'pc';
  return support.q35 ? 'q35' : 'pc';
}
