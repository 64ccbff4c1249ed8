/**
 * Typed views of libvirt's host capabilities (`virConnectGetCapabilities`) and domain capabilities
 * (`virConnectGetDomainCapabilities`) XML: what the host page shows and what placement and the VM editor
 * can check against (architecture, CPU, KVM or plain emulation, firmware, confidential computing).
 */
import { XmlDocument, XmlNode } from '../xml/XmlDocument';

export interface HostCapabilities {
  arch: string;
  cpuModel?: string;
  cpuVendor?: string;
  /** Domain types offered for the host's own architecture: "kvm" means hardware acceleration. */
  domainTypes: string[];
  /** Machine types for the host's architecture (canonical names and aliases). */
  machines: string[];
}

export interface DomainCapabilities {
  domainType: string;
  machine?: string;
  /** UEFI: libvirt can pick EFI firmware automatically, or lists loader images. */
  efi: boolean;
  /** Firmware images (OVMF paths) the host offers. */
  firmwarePaths: string[];
  secureBoot: boolean;
  sev: boolean;
  sgx: boolean;
  tdx: boolean;
  /** The CPU model `host-model` expands to, when offered. */
  hostCpuModel?: string;
}

export function parseHostCapabilities(xml: string): HostCapabilities {
  const root = new XmlNode(XmlDocument.parse(xml, 'host capabilities').root);
  const arch = root.value('host/cpu/arch') ?? 'unknown';
  const guestArch = root.elements('guest').find((g) => g.value('os_type') === 'hvm' && g.value('arch/@name') === arch);
  const unique = (values: Array<string | undefined>) => [...new Set(values.filter((v): v is string => !!v))];
  return {
    arch,
    ...optional('cpuModel', root.value('host/cpu/model')),
    ...optional('cpuVendor', root.value('host/cpu/vendor')),
    domainTypes: unique(guestArch?.elements('arch/domain').map((d) => d.value('@type')) ?? []),
    machines: unique(guestArch?.elements('arch/machine').map((m) => m.value('.')) ?? []),
  };
}

export function parseDomainCapabilities(xml: string): DomainCapabilities {
  const root = new XmlNode(XmlDocument.parse(xml, 'domain capabilities').root);
  const enumValues = (path: string) => root.elements(`${path}/value`).map((v) => v.value('.') ?? '');
  const supported = (feature: string) => root.value(`features/${feature}/@supported`) === 'yes';
  const loaderSupported = root.value('os/loader/@supported') === 'yes';
  return {
    domainType: root.value('domain') ?? 'unknown',
    ...optional('machine', root.value('machine')),
    efi: enumValues("os/enum[@name='firmware']").includes('efi'),
    firmwarePaths: loaderSupported ? root.elements('os/loader/value').map((v) => v.value('.') ?? '') : [],
    secureBoot: loaderSupported && enumValues("os/loader/enum[@name='secure']").includes('yes'),
    sev: supported('sev'),
    sgx: supported('sgx'),
    tdx: supported('tdx'),
    ...optional('hostCpuModel', root.value("cpu/mode[@name='host-model'][@supported='yes']/model")),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
