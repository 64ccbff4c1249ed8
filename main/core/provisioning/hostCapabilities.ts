/**
 * A host's offer from what libvirt says about it: the capabilities XML (guest arches and their domain types,
 * https://libvirt.org/formatcaps.html) and the domain capabilities XML of one emulator/arch/machine
 * (firmware, Secure Boot, TPM backends, graphics, https://libvirt.org/formatdomaincaps.html).
 * Pure parsing; the driver fetches the XML (virConnectGetCapabilities, virConnectGetDomainCapabilities with
 * machine "q35" for x86: Secure Boot needs its SMM, so "pc" always reports `secure` as no).
 */
import { InvalidInputError } from '../errors';
import { XmlDocument, XmlNode } from '../xml/XmlDocument';
import type { HostImage, HostIsoVolume, HostNetwork, HostOffer, HostPool } from './HostOffer';
import { ARCHES, ArchSchema, chipsetOfMachine, type Arch, type Chipset } from './schemas';

export type DomainType = 'kvm' | 'qemu' | 'test';

export interface GuestArch {
  arch: Arch;
  domainTypes: DomainType[];
}

/**
 * The hvm guest arches Tandem provisions, with their domain types: kvm, qemu, and "test" (libvirt's test
 * driver, the demo host); other arches and types are ignored.
 */
export function guestArchesOf(capabilitiesXml: string): GuestArch[] {
  const root = capabilitiesRoot(capabilitiesXml, 'capabilities', 'capabilities XML');
  const found = new Map<Arch, Set<DomainType>>();
  for (const arch of root.elements("guest[os_type='hvm']/arch")) {
    const parsed = ArchSchema.safeParse(arch.value('@name'));
    if (!parsed.success) continue;
    const types = found.get(parsed.data) ?? new Set();
    for (const domain of arch.elements('domain')) {
      const type = domain.value('@type');
      if (type === 'kvm' || type === 'qemu' || type === 'test') types.add(type);
    }
    if (types.size > 0) found.set(parsed.data, types);
  }
  return [...found].map(([arch, types]) => ({ arch, domainTypes: [...types].sort() }));
}

/**
 * The x86 chipsets of each hvm guest arch that lists machine types (per arch and per domain type), e.g.
 * x86_64: q35 and pc on a stock QEMU; an arch whose machines are none of them gets an empty list.
 */
export function chipsetsOf(capabilitiesXml: string): Partial<Record<Arch, Chipset[]>> {
  const root = capabilitiesRoot(capabilitiesXml, 'capabilities', 'capabilities XML');
  const found: Partial<Record<Arch, Set<Chipset>>> = {};
  for (const arch of root.elements("guest[os_type='hvm']/arch")) {
    const parsed = ArchSchema.safeParse(arch.value('@name'));
    const machines = [...arch.elements('machine'), ...arch.elements('domain/machine')];
    if (!parsed.success || machines.length === 0) continue;
    const chipsets = (found[parsed.data] ??= new Set());
    for (const machine of machines) {
      const chipset = chipsetOfMachine(machine.node.textContent?.trim() ?? '');
      if (chipset) chipsets.add(chipset);
    }
  }
  return Object.fromEntries(Object.entries(found).map(([arch, chipsets]) => [arch, [...chipsets].sort()]));
}

export interface DomainFeatures {
  arch: string;
  domainType: string;
  machine?: string;
  maxVcpus?: number;
  /** A UEFI firmware is installed for this emulator (OVMF/AAVMF). */
  uefi: boolean;
  /** ...and it comes in a Secure Boot build this machine type can run. */
  secureBoot: boolean;
  /** swtpm is there (libvirt lists the "emulator" TPM backend only when it finds it). */
  tpmEmulator: boolean;
  graphics: Array<'vnc' | 'spice'>;
}

export function domainFeaturesOf(domainCapabilitiesXml: string): DomainFeatures {
  const root = capabilitiesRoot(domainCapabilitiesXml, 'domainCapabilities', 'domain capabilities XML');
  const os = root.element("os[@supported='yes']");
  const values = (node: XmlNode | undefined, path: string) => node?.elements(path).map((v) => v.node.textContent?.trim() ?? '') ?? [];
  // libvirt ≥ 8 lists firmware "efi" when it found a descriptor; older ones only list loader paths.
  const uefi =
    Boolean(os) && (values(os, "enum[@name='firmware']/value").includes('efi') || values(os, "loader[@supported='yes']/value").length > 0);
  const secureBoot = uefi && values(os, "loader[@supported='yes']/enum[@name='secure']/value").includes('yes');
  const tpm = root.element("devices/tpm[@supported='yes']");
  const graphics = values(root.element("devices/graphics[@supported='yes']"), "enum[@name='type']/value").filter(
    (g): g is 'vnc' | 'spice' => g === 'vnc' || g === 'spice',
  );
  const maxVcpus = Number(root.value('vcpu/@max'));
  return {
    arch: root.value('arch') ?? '',
    domainType: root.value('domain') ?? '',
    machine: root.value('machine'),
    ...(Number.isFinite(maxVcpus) && maxVcpus > 0 ? { maxVcpus } : {}),
    uefi,
    secureBoot,
    tpmEmulator: values(tpm, "enum[@name='backendModel']/value").includes('emulator'),
    graphics,
  };
}

export interface HostFacts {
  hostId: string;
  hostName: string;
  capabilitiesXml: string;
  /** Domain capabilities of the arches to offer (at least the host's own arch). */
  domainCapabilitiesXml: string[];
  cpus: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  pools: HostPool[];
  networks: HostNetwork[];
  images: HostImage[];
  isoVolumes: HostIsoVolume[];
  /** The capabilities list kvm, but the host's KVM probe could not start a KVM guest: libvirt's reason. */
  kvmUnusable?: string;
}

/** Everything the best match needs about one host, from libvirt's answers. */
export function hostOfferFrom(facts: HostFacts): HostOffer {
  const arches = guestArchesOf(facts.capabilitiesXml);
  const features = facts.domainCapabilitiesXml.map(domainFeaturesOf);
  // Host-wide, from the best-equipped emulator: the VM will be defined for it. (Per-arch firmware, e.g.
  // AAVMF for emulated aarch64 guests, is a refinement for when Tandem offers several arches per host.)
  const any = (pick: (f: DomainFeatures) => boolean) => features.some(pick);
  const simulated = arches.length > 0 && arches.every((a) => a.domainTypes.every((t) => t === 'test'));
  return {
    hostId: facts.hostId,
    hostName: facts.hostName,
    // The test driver lists only i686 in its capabilities, yet defines guests of any arch (checked with
    // libvirt 9.0): a simulated host offers them all.
    guestArches: simulated ? [...ARCHES] : arches.map((a) => a.arch),
    kvmArches: facts.kvmUnusable ? [] : arches.filter((a) => a.domainTypes.includes('kvm')).map((a) => a.arch),
    ...(simulated ? {} : { chipsets: chipsetsOf(facts.capabilitiesXml) }),
    ...(facts.kvmUnusable ? { kvmUnusable: facts.kvmUnusable } : {}),
    ...(simulated ? { simulated } : {}),
    cpus: facts.cpus,
    totalMemoryBytes: facts.totalMemoryBytes,
    // The test driver reports a fixed, fictional free memory (6 MiB on test:///default); its guests use none.
    freeMemoryBytes: simulated ? facts.totalMemoryBytes : facts.freeMemoryBytes,
    pools: facts.pools,
    networks: facts.networks,
    firmware: { uefi: any((f) => f.uefi), secureBoot: any((f) => f.secureBoot) },
    tpmEmulator: any((f) => f.tpmEmulator),
    graphics: [...new Set(features.flatMap((f) => f.graphics))],
    images: facts.images,
    isoVolumes: facts.isoVolumes,
  };
}

function capabilitiesRoot(xml: string, element: string, what: string): XmlNode {
  const document = XmlDocument.parse(xml, what);
  if (document.root.nodeName !== element) {
    throw new InvalidInputError('xml.unexpected-root', `The ${what} has <${document.root.nodeName}> at its root, not <${element}>`, {
      details: { field: 'xml' },
    });
  }
  return new XmlNode(document.root);
}
