/**
 * The typed model of a libvirt domain definition, as a view over its XML (see xml/XmlDocument.ts).
 * Reads follow libvirt's schema (https://libvirt.org/formatdomain.html); writes edit the live document.
 */
import { InvalidInputError } from '../errors';
import { XmlDocument, XmlNode } from '../xml/XmlDocument';

export interface DomainDisk {
  device: string;
  target: string;
  bus?: string;
  source?: string;
  format?: string;
}
export interface DomainNic {
  type: string;
  mac?: string;
  source?: string;
  model?: string;
}
export interface DomainGraphics {
  type: string;
  port?: number;
  listen?: string;
}

/** Multipliers to KiB for libvirt's memory units. */
const UNIT_TO_KIB: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  kb: 1000 / 1024,
  k: 1,
  kib: 1,
  mb: 1_000_000 / 1024,
  m: 1024,
  mib: 1024,
  gb: 1_000_000_000 / 1024,
  g: 1024 ** 2,
  gib: 1024 ** 2,
  tb: 1e12 / 1024,
  t: 1024 ** 3,
  tib: 1024 ** 3,
};

export class DomainXml {
  private readonly root: XmlNode;

  private constructor(private readonly document: XmlDocument) {
    this.root = new XmlNode(document.root);
  }

  static parse(xml: string): DomainXml {
    const document = XmlDocument.parse(xml, 'domain XML');
    if (document.root.nodeName !== 'domain') {
      throw new InvalidInputError('xml.not-a-domain', `Expected a <domain> element, found <${document.root.nodeName}>`, {
        details: { field: 'xml' },
      });
    }
    return new DomainXml(document);
  }

  get name(): string {
    return this.root.value('name') ?? '';
  }
  set name(value: string) {
    this.root.setText('name', value);
  }

  get uuid(): string | undefined {
    return this.root.value('uuid');
  }

  /** kvm, qemu, test ... */
  get domainType(): string {
    return this.root.value('@type') ?? '';
  }

  get memoryKiB(): number {
    return toKiB(this.root.value('memory'), this.root.value('memory/@unit'));
  }
  set memoryKiB(kib: number) {
    const memory = this.root.ensure('memory');
    memory.node.textContent = String(Math.round(kib));
    memory.setAttribute('unit', 'KiB');
  }

  get currentMemoryKiB(): number {
    const text = this.root.value('currentMemory');
    return text === undefined ? this.memoryKiB : toKiB(text, this.root.value('currentMemory/@unit'));
  }

  get vcpus(): number {
    const current = this.root.value('vcpu/@current');
    return Number(current ?? this.root.value('vcpu') ?? 0);
  }
  set vcpus(count: number) {
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidInputError('vm.vcpus-invalid', `vCPUs must be a whole number of at least 1, not ${count}`);
    }
    const vcpu = this.root.ensure('vcpu');
    vcpu.node.textContent = String(count);
    vcpu.node.removeAttribute('current');
  }

  get osType(): string {
    return this.root.value('os/type') ?? '';
  }
  get arch(): string | undefined {
    return this.root.value('os/type/@arch');
  }
  get machine(): string | undefined {
    return this.root.value('os/type/@machine');
  }

  get disks(): DomainDisk[] {
    return this.root.elements('devices/disk').map((disk) =>
      compact({
        device: disk.value('@device') ?? 'disk',
        target: disk.value('target/@dev') ?? '',
        bus: disk.value('target/@bus'),
        source: disk.value('source/@file') ?? disk.value('source/@dev') ?? disk.value('source/@name') ?? disk.value('source/@volume'),
        format: disk.value('driver/@type'),
      }),
    );
  }

  get nics(): DomainNic[] {
    return this.root.elements('devices/interface').map((nic) =>
      compact({
        type: nic.value('@type') ?? '',
        mac: nic.value('mac/@address'),
        source: nic.value('source/@network') ?? nic.value('source/@bridge') ?? nic.value('source/@dev'),
        model: nic.value('model/@type'),
      }),
    );
  }

  get graphics(): DomainGraphics[] {
    return this.root.elements('devices/graphics').map((g) => {
      const port = Number(g.value('@port'));
      return compact({
        type: g.value('@type') ?? '',
        port: Number.isInteger(port) && port > 0 ? port : undefined,
        listen: g.value('@listen') ?? g.value('listen/@address'),
      });
    });
  }

  toString(): string {
    return this.document.toString();
  }
}

function toKiB(text: string | undefined, unit: string | undefined): number {
  if (text === undefined) return 0;
  const factor = UNIT_TO_KIB[(unit ?? 'KiB').toLowerCase()];
  if (factor === undefined) throw new InvalidInputError('xml.unit-unknown', `Unknown memory unit "${unit}"`);
  return Math.round(Number(text) * factor);
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
