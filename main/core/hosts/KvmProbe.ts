/**
 * Whether a host's KVM can start guests. libvirt lists `kvm` in a host's capabilities when /dev/kvm is
 * there, which is not the same thing: under nested virtualization that lacks MSRs QEMU sets, every KVM guest
 * with Tandem's CPU (`host-model`) aborts at start ("failed to set MSR 0x10a"). So where the capabilities
 * list kvm, Tandem starts a minimal transient domain of type kvm with that CPU (a few MiB, no disks),
 * paused, and destroys it: QEMU sets up the vCPUs, MSRs included, before a paused start returns, so the
 * failure shows (checked on the test bed). It goes through libvirt, so it works the same on remote hosts.
 *
 * Probed once per connection (a reconnect may reach another daemon, or a host rebooted with other KVM
 * settings), shared by concurrent askers; a probe that fails for another reason than a verdict (the host
 * dropped) is not kept.
 *
 * The probe domain has a recognisable name. A connection that drops mid-probe can leave it on the host (the
 * domain started, the reply lost), so each new connection first destroys the probe domains it finds, and
 * its probe waits for that. The inventory never lists them (isKvmProbeDomain). (Two Tandems connecting to
 * the same host at the same instant could destroy each other's probe domain; the one disturbed then reports
 * libvirt's reason for its failed start until it reconnects.)
 */
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import type { Disposable, HostSession } from './HostDriver';
import type { HostSessionOpened } from './HostManager';
import { createLogger } from '../logging';
import { KVM_GUEST_CPU_MODE } from '../provisioning/deploy/domainDefinition';
import { XmlDocument } from '../xml/XmlDocument';

const log = createLogger('kvm-probe');

export const KVM_PROBE_NAME_PREFIX = 'tandem-kvm-probe-';

/** A probe domain (hidden from the inventory; removed when found at connect). */
export function isKvmProbeDomain(name: string): boolean {
  return name.startsWith(KVM_PROBE_NAME_PREFIX);
}

export type KvmVerdict = { usable: true } | { usable: false; reason: string };

export type ProbeStart = { started: true } | { started: false; reason: string } | { denied: string };

/** What the probe needs from a host's driver (libvirt: main/drivers/libvirt/LibvirtKvmProbePort.ts). */
export interface KvmProbePort {
  /**
   * Creates the transient domain paused, then destroys it. `started: false` carries the hypervisor's reason;
   * `denied`, libvirt's refusal to let this connection create domains at all (read-only, or access control);
   * a failure of the connection itself (not of the start) is thrown as HostUnreachableError.
   */
  startPausedAndDestroy(session: HostSession, domainXml: string): Promise<ProbeStart>;
  /** Destroys every transient domain whose name starts with `prefix`; returns their names. */
  destroyTransientDomainsNamed(session: HostSession, prefix: string): Promise<string[]>;
}

export interface KvmProbeSources {
  hosts: {
    session(hostId: string): HostSession;
    sessionOpened: { on(listener: (opened: HostSessionOpened) => void): Disposable };
  };
  port: KvmProbePort;
  /** Makes each probe domain's name unique (random by default). */
  nameSuffix?: () => string;
}

export class KvmProbe {
  private readonly verdicts = new WeakMap<HostSession, Map<string, Promise<KvmVerdict>>>();
  /** The leftover clean-up of each session, which its probe waits for (it never rejects). */
  private readonly cleanups = new WeakMap<HostSession, Promise<void>>();
  private readonly subscription: Disposable;
  private readonly nameSuffix: () => string;

  constructor(private readonly sources: KvmProbeSources) {
    this.nameSuffix = sources.nameSuffix ?? (() => randomBytes(6).toString('hex'));
    this.subscription = sources.hosts.sessionOpened.on(({ hostId, session }) => {
      this.cleanups.set(session, this.removeLeftovers(hostId, session));
    });
  }

  /**
   * Whether KVM guests of `arch` can start on this connected host; call it only where the capabilities list
   * kvm. Throws HostUnreachableError when the host is not connected or dropped during the probe.
   */
  verdict(hostId: string, arch: string): Promise<KvmVerdict> {
    const session = this.sources.hosts.session(hostId);
    let perArch = this.verdicts.get(session);
    if (!perArch) this.verdicts.set(session, (perArch = new Map()));
    const known = perArch.get(arch);
    if (known) return known;
    const probing = this.probe(hostId, session, arch);
    perArch.set(arch, probing);
    probing.catch(() => {
      if (perArch.get(arch) === probing) perArch.delete(arch);
    });
    return probing;
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private async probe(hostId: string, session: HostSession, arch: string): Promise<KvmVerdict> {
    await this.cleanups.get(session);
    const name = `${KVM_PROBE_NAME_PREFIX}${this.nameSuffix()}`;
    const result = await this.sources.port.startPausedAndDestroy(session, kvmProbeDomainXml(name, arch));
    if ('denied' in result) {
      // This connection may not start any guest, so nothing was learned about KVM: the capabilities' word stands.
      log.info(`${hostId}: KVM not probed (${result.denied}); taking the capabilities' word for it`);
      return { usable: true };
    }
    if (result.started) {
      log.info(`${hostId}: KVM starts ${arch} guests`);
      return { usable: true };
    }
    const reason = readableReason(result.reason);
    log.warn(`${hostId}: KVM listed but unusable for ${arch} guests: ${reason}`);
    return { usable: false, reason };
  }

  private async removeLeftovers(hostId: string, session: HostSession): Promise<void> {
    try {
      const removed = await this.sources.port.destroyTransientDomainsNamed(session, KVM_PROBE_NAME_PREFIX);
      if (removed.length > 0) log.info(`${hostId}: removed KVM probe domains left by an earlier connection: ${removed.join(', ')}`);
    } catch (error) {
      // The probe still runs: a leftover costs a few MiB until the next connection, and the next one retries.
      log.warn(`${hostId}: could not look for leftover KVM probe domains`, error);
    }
  }
}

/**
 * The smallest domain that makes QEMU set up a KVM vCPU the way Tandem's guests have it (the same CPU mode
 * as a deployed VM): 16 MiB, one vCPU, no disks, no balloon, no USB. libvirt picks the emulator for kvm and
 * the arch from its capabilities.
 */
export function kvmProbeDomainXml(name: string, arch: string): string {
  const document = XmlDocument.parse("<domain type='kvm'/>", 'KVM probe domain XML');
  const root = document.root;
  const add = (parent: Element, tag: string, attrs: Record<string, string> = {}, text?: string): Element => {
    const el = document.doc.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
    if (text !== undefined) el.appendChild(document.doc.createTextNode(text));
    parent.appendChild(el);
    return el;
  };
  add(root, 'name', {}, name);
  add(root, 'memory', { unit: 'MiB' }, '16');
  add(root, 'vcpu', {}, '1');
  add(add(root, 'os'), 'type', { arch }, 'hvm');
  add(root, 'cpu', { mode: KVM_GUEST_CPU_MODE });
  const devices = add(root, 'devices');
  add(devices, 'controller', { type: 'usb', model: 'none' });
  add(devices, 'memballoon', { model: 'none' });
  return document.toString();
}

/**
 * libvirt's message, on one line and without QEMU's per-line timestamps ("qemu unexpectedly closed the
 * monitor: 2026-11-26T03:45:43.368987Z qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n..."),
 * which only make the same reason look different on each connection.
 */
export function readableReason(message: string): string {
  return message
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\s*/g, '')
    .split(/\s*\n\s*/)
    .filter(Boolean)
    .join('; ')
    .trim();
}
