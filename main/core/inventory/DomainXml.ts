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
  readonly?: boolean;
}
export interface DomainNic {
  type: string;
  mac?: string;
  source?: string;
  model?: string;
  linkState?: 'up' | 'down';
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

  /** The vCPUs the VM boots with (`<vcpu current=...>`, else all of them). */
  get vcpuCurrent(): number {
    return this.vcpus;
  }
  /** The most vCPUs it can have (the `<vcpu>` text): the ceiling for hot-plug. */
  get vcpuMax(): number {
    return Number(this.root.value('vcpu') ?? 0);
  }
  /** Sets both counts; `current` is written only when it differs from `max`, as libvirt itself does. */
  setVcpus(current: number, max: number): void {
    const vcpu = this.root.ensure('vcpu');
    vcpu.node.textContent = String(max);
    if (current === max) vcpu.node.removeAttribute('current');
    else vcpu.setAttribute('current', String(current));
  }

  set currentMemoryKiB(kib: number) {
    const current = this.root.ensure('currentMemory');
    current.node.textContent = String(Math.round(kib));
    current.setAttribute('unit', 'KiB');
  }

  /** The boot devices of `<os><boot dev=.../>`, in order. */
  get bootOrder(): string[] {
    return this.root.elements('os/boot').map((b) => b.value('@dev') ?? '');
  }
  set bootOrder(devices: string[]) {
    const os = this.root.ensure('os');
    const existing = os.elements('boot');
    // New entries go where the old ones were (before whatever followed them), else at the end of <os>.
    const anchor = existing.at(-1)?.node.nextSibling ?? null;
    for (const boot of existing) os.node.removeChild(boot.node);
    for (const dev of devices) {
      const boot = os.node.ownerDocument!.createElement('boot');
      boot.setAttribute('dev', dev);
      os.node.insertBefore(boot, anchor);
    }
  }

  /** Whether any device carries its own `<boot order=...>` (libvirt refuses it together with `<os><boot>`). */
  get usesPerDeviceBoot(): boolean {
    return this.root.elements('devices/*/boot').length > 0;
  }

  /** The live element of a disk, by target, to edit or to send to attach/detach/update calls. */
  disk(target: string): XmlNode | undefined {
    return this.root.elements('devices/disk').find((d) => d.value('target/@dev') === target);
  }

  nic(mac: string): XmlNode | undefined {
    const wanted = mac.toLowerCase();
    return this.root.elements('devices/interface').find((n) => n.value('mac/@address')?.toLowerCase() === wanted);
  }

  /** Removes a device element (a disk or NIC view of this document). */
  removeDevice(device: XmlNode): void {
    device.node.parentNode?.removeChild(device.node);
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
  set machine(value: string) {
    this.root.ensure('os/type').setAttribute('machine', value);
  }

  get disks(): DomainDisk[] {
    return this.root.elements('devices/disk').map((disk) =>
      compact<DomainDisk>({
        device: disk.value('@device') ?? 'disk',
        target: disk.value('target/@dev') ?? '',
        bus: disk.value('target/@bus'),
        source: disk.value('source/@file') ?? disk.value('source/@dev') ?? disk.value('source/@name') ?? disk.value('source/@volume'),
        format: disk.value('driver/@type'),
        readonly: disk.element('readonly') ? true : undefined,
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
        linkState: nic.value('link/@state') === 'down' ? 'down' : 'up',
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
