/**
 * The request an existing VM would be made from, read from its domain XML (for "save as template"): vCPUs,
 * memory, firmware, Secure Boot, TPM, disks (sizes given by the caller, who reads the volumes), NICs on
 * libvirt networks, graphics, sound, and the OS when the VM's libosinfo metadata names one (virt-install and
 * virt-manager write it).
 */
import { InvalidInputError } from '../errors';
import { XmlDocument, XmlNode } from '../xml/XmlDocument';
import { ARCHES, type Arch, type DiskSpec, type NicSpec, type VmRequest } from './schemas';

export interface DomainDisk {
  target: string;
  source?: string;
}

export interface RequestFromDomain {
  name: string;
  request: Omit<VmRequest, 'os'> & { os?: VmRequest['os'] };
}

/** The disks (device="disk") of a domain, in order: the caller reads their sizes. */
export function domainDisks(xml: string): DomainDisk[] {
  const root = new XmlNode(XmlDocument.parse(xml, 'domain XML').root);
  return root.elements("devices/disk[@device='disk']").map((d) => {
    const source = d.value('source/@file') ?? d.value('source/@dev');
    return { target: d.value('target/@dev') ?? '', ...(source ? { source } : {}) };
  });
}

const KIB_PER = { KiB: 1, k: 1, MiB: 1024, M: 1024, GiB: 1024 * 1024, G: 1024 * 1024, b: 1 / 1024, bytes: 1 / 1024 } as Record<string, number>;

export function requestFromDomain(xml: string, diskSizeBytes: (disk: DomainDisk) => number | undefined): RequestFromDomain {
  const root = new XmlNode(XmlDocument.parse(xml, 'domain XML').root);
  const name = root.value('name') ?? '';
  const fail = (message: string) => new InvalidInputError('provisioning.vm-unreadable', `${name}: ${message}`, { details: { field: 'fromVm' } });

  const memoryKiB = Number(root.value('memory')) * (KIB_PER[root.value('memory/@unit') ?? 'KiB'] ?? Number.NaN);
  if (!Number.isFinite(memoryKiB) || memoryKiB <= 0) throw fail('its memory size is not readable');
  const vcpus = Number(root.value('vcpu'));
  if (!Number.isInteger(vcpus) || vcpus < 1) throw fail('its vCPU count is not readable');
  const archValue = root.value('os/type/@arch') ?? 'x86_64';
  if (!(ARCHES as readonly string[]).includes(archValue)) throw fail(`its architecture ${archValue} is not one Tandem provisions`);

  const disks: DiskSpec[] = domainDisks(xml).map((disk, i) => {
    const bytes = diskSizeBytes(disk);
    if (bytes === undefined) throw fail(`the size of disk ${disk.target || i + 1} could not be read (is it in a storage pool?)`);
    const bus = root.value(`devices/disk[@device='disk'][${i + 1}]/target/@bus`);
    return { sizeGiB: Math.max(1, Math.ceil(bytes / 1024 ** 3)), bus: bus === 'sata' || bus === 'scsi' ? bus : 'virtio' };
  });
  if (disks.length === 0) throw fail('it has no disk');
  const nics: NicSpec[] = root
    .elements("devices/interface[@type='network']")
    .map((n) => ({ network: n.value('source/@network') ?? 'default', model: n.value('model/@type') === 'e1000e' ? 'e1000e' : 'virtio' }));
  const firmware = root.value('os/@firmware') === 'efi' || root.value('os/loader/@type') === 'pflash' ? 'uefi' : 'bios';
  const graphicsType = root.value('devices/graphics/@type');
  const osinfoId = root.value("metadata/*[local-name()='libosinfo']/*[local-name()='os']/@id");

  return {
    name,
    request: {
      ...(osinfoId ? { os: { osinfoId, source: 'cloud-image' as const } } : {}),
      hardware: {
        arch: archValue as Arch,
        vcpus,
        memoryMiB: Math.max(128, Math.round(memoryKiB / 1024)),
        firmware,
        secureBoot: firmware === 'uefi' && root.value('os/loader/@secure') === 'yes',
        tpm: root.element('devices/tpm') !== undefined,
        disks,
        nics: nics.slice(0, 8),
        graphics: graphicsType === 'spice' ? 'spice' : graphicsType === 'vnc' ? 'vnc' : 'none',
        sound: root.element('devices/sound') !== undefined,
      },
      apps: [],
    },
  };
}
