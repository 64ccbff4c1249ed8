/**
 * The request an existing VM would be made from, read from its domain XML (for "save as template"): vCPUs,
 * memory, firmware, Secure Boot, TPM, disks (sizes given by the caller, who reads the volumes), NICs,
 * graphics, sound, and the OS when the VM's libosinfo metadata names one (virt-install and virt-manager
 * write it). A NIC not on a libvirt network (a host bridge, macvtap, user networking) keeps its place and
 * model but goes on libvirt's "default" network: a template may be deployed on any host, where that bridge
 * need not exist; `notes` says so, as it says what else the template could not keep. The devices its OS boots through are kept as they are (chipset, disk bus, NIC
 * model): an OS installed on IDE + e1000 (Windows XP) has no driver for virtio and would not boot on it. A
 * bus or model the request cannot express is refused, rather than silently swapped for one the OS may lack.
 */
import { InvalidInputError } from '../errors';
import { XmlDocument, XmlNode } from '../xml/XmlDocument';
import { ARCHES, DiskSpecSchema, NicSpecSchema, chipsetOfMachine, type Arch, type DiskSpec, type HardwareSpec, type NicSpec, type VmRequest } from './schemas';

export interface DomainDisk {
  target: string;
  /** A file or block device path (`<disk type='file'|'block'>`). */
  source?: string;
  /** A volume named by its pool (`<disk type='volume'>`, as Tandem's deploy and virt-manager define disks). */
  volume?: { pool: string; volume: string };
}

export interface RequestFromDomain {
  name: string;
  request: Omit<VmRequest, 'os'> & { os?: VmRequest['os'] };
  /** What the request could not keep as the VM has it, in the user's words (empty when nothing). */
  notes: string[];
}

const MAX_NICS = 8;

/** The disks (device="disk") of a domain, in order: the caller reads their sizes. */
export function domainDisks(xml: string): DomainDisk[] {
  const root = new XmlNode(XmlDocument.parse(xml, 'domain XML').root);
  return root.elements("devices/disk[@device='disk']").map((d) => {
    const source = d.value('source/@file') ?? d.value('source/@dev');
    const pool = d.value('source/@pool');
    const volume = d.value('source/@volume');
    return { target: d.value('target/@dev') ?? '', ...(source ? { source } : {}), ...(pool && volume ? { volume: { pool, volume } } : {}) };
  });
}

const KIB_PER = { KiB: 1, k: 1, MiB: 1024, M: 1024, GiB: 1024 * 1024, G: 1024 * 1024, b: 1 / 1024, bytes: 1 / 1024 } as Record<string, number>;

/**
 * `diskSizeBytes`: each disk's capacity, or why it could not be read (a stopped pool, a deleted volume), or
 * undefined when no pool holds it.
 */
export function requestFromDomain(xml: string, diskSizeBytes: (disk: DomainDisk) => number | string | undefined): RequestFromDomain {
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
    const label = disk.target || String(i + 1);
    if (typeof bytes === 'string') throw fail(`the size of disk ${label} could not be read: ${bytes}`);
    if (bytes === undefined) throw fail(`the size of disk ${label} could not be read (is it in a storage pool?)`);
    const bus = diskBusOf(root.value(`devices/disk[@device='disk'][${i + 1}]/target/@bus`), disk.target);
    if (!bus) throw fail(`disk ${label} is on a bus Tandem does not provision (virtio, SATA, SCSI or IDE)`);
    return { sizeGiB: Math.max(1, Math.ceil(bytes / 1024 ** 3)), bus };
  });
  if (disks.length === 0) throw fail('it has no disk');
  const x86 = archValue === 'x86_64' || archValue === 'i686';
  const notes: string[] = [];
  const nics: NicSpec[] = root.elements('devices/interface').map((n, i) => {
    // A NIC defined without a model gets libvirt's default: rtl8139 on x86 (virtio elsewhere).
    const modelValue = n.value('model/@type') ?? (x86 ? 'rtl8139' : 'virtio');
    const model = NicSpecSchema.shape.model.unwrap().safeParse(modelValue);
    if (!model.success) throw fail(`NIC ${i + 1} is a ${modelValue}, a model Tandem does not provision (virtio, e1000e, e1000 or rtl8139)`);
    const type = n.value('@type');
    if (type === 'network') return { network: n.value('source/@network') ?? 'default', model: model.data };
    const attached = n.value('source/@bridge') ?? n.value('source/@dev');
    notes.push(`NIC ${i + 1} (${type ?? 'unknown type'}${attached ? ` ${attached}` : ''}) goes on the "default" network: a template names libvirt networks only`);
    return { network: 'default', model: model.data };
  });
  if (nics.length > MAX_NICS) notes.push(`only the first ${MAX_NICS} of its ${nics.length} NICs are kept`);
  const machineValue = root.value('os/type/@machine');
  // Other architectures have one machine type here (aarch64 "virt"): the request names x86 chipsets only.
  const machine = x86 ? machineOf(machineValue) : undefined;
  if (machine === null) throw fail(`its machine type ${machineValue} is neither q35 nor i440fx ("pc")`);
  const firmware = root.value('os/@firmware') === 'efi' || root.value('os/loader/@type') === 'pflash' ? 'uefi' : 'bios';
  // Secure Boot as written by hand (<loader secure>) or by libvirt's firmware auto-selection (<firmware><feature>).
  const secureBoot = root.value('os/loader/@secure') === 'yes' || root.value("os/firmware/feature[@name='secure-boot']/@enabled") === 'yes';
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
        ...(machine ? { machine } : {}),
        secureBoot: firmware === 'uefi' && secureBoot,
        tpm: root.element('devices/tpm') !== undefined,
        disks,
        nics: nics.slice(0, MAX_NICS),
        graphics: graphicsType === 'spice' ? 'spice' : graphicsType === 'vnc' ? 'vnc' : 'none',
        sound: root.element('devices/sound') !== undefined,
      },
      apps: [],
    },
    notes,
  };
}

/** A disk's bus as the request has it; libvirt always writes one, a hand-written domain may leave it to the target name. */
function diskBusOf(bus: string | undefined, target: string): DiskSpec['bus'] | undefined {
  const parsed = DiskSpecSchema.shape.bus.unwrap().safeParse(bus ?? (target.startsWith('vd') ? 'virtio' : target.startsWith('hd') ? 'ide' : undefined));
  return parsed.success ? parsed.data : undefined;
}

/** The chipset of the domain's machine type; undefined when it names none (the deploy's choice then), null for another one. */
function machineOf(machine: string | undefined): HardwareSpec['machine'] | null {
  if (machine === undefined) return undefined;
  return chipsetOfMachine(machine) ?? null;
}
