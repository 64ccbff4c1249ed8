/**
 * Reads a VM's hardware as a typed model and applies edits: every change validated first (nothing changes
 * when any field is wrong), then the definition saved once (one define of the edited inactive XML, which
 * libvirt checks whole), then the live parts applied one by one. Each field reports where it took effect:
 * 'live' (the running VM now), 'next-boot' (the definition), or 'both'. A live change libvirt refuses
 * (no balloon driver, a device that cannot be hot-unplugged, ...) leaves it 'next-boot' with the reason. A
 * device removal counts on the running VM only once the guest released the device (libvirt's detach often
 * returns before): unconfirmed, it is 'next-boot', "removal requested from the running VM, pending the guest".
 */
import type { Applied, FieldResult, HardwareChanges, VmHardware } from '../../../preload/contract';
import { InvalidInputError, TandemError, type TandemErrorOptions } from '../errors';
import type { XmlNode } from '../xml/XmlDocument';
import { DomainXml } from './DomainXml';
import { validateHardwareChanges, type FieldErrors } from './hardwareRules';

/** What the editor needs from a host, per VM (implemented in drivers/libvirt/LibvirtVmHardware.ts). */
export interface VmHardwarePort {
  state(uuid: string): Promise<{ active: boolean; persistent: boolean }>;
  /** The definition for the next boot, secure fields included (so a define keeps e.g. VNC passwords). */
  configXml(uuid: string): Promise<string>;
  liveXml(uuid: string): Promise<string>;
  autostart(uuid: string): Promise<boolean>;
  hostLimits(): Promise<{ cpus: number; memoryKiB: number }>;
  define(xml: string): Promise<void>;
  setVcpusLive(uuid: string, count: number): Promise<void>;
  setMemoryLive(uuid: string, kib: number): Promise<void>;
  /**
   * Asks the running VM to release a device. libvirt's detach often returns before the guest has let go
   * (an unplug is a request to the guest): resolves `removed: true` only once libvirt reports the device
   * removed (its device-removed event for `alias`), after a bounded wait.
   */
  detachDeviceLive(uuid: string, deviceXml: string, alias: string | undefined): Promise<{ removed: boolean }>;
  updateDeviceLive(uuid: string, deviceXml: string): Promise<void>;
  setAutostart(uuid: string, autostart: boolean): Promise<void>;
}

interface PlannedField {
  field: string;
  /** Edits the definition document (persistent VMs). */
  config?: (doc: DomainXml) => void;
  /** Applies to the running VM; `pending`: requested, not (yet) in effect there. */
  live?: () => Promise<void | { pending: string }>;
  /** Why there is no live part although the VM runs. */
  notLive?: string;
  /** Applied immediately on the host, outside the definition (autostart). */
  host?: () => Promise<void>;
}

export class HardwareEditor {
  constructor(private readonly portFor: (hostId: string) => VmHardwarePort) {}

  async read(hostId: string, uuid: string): Promise<VmHardware> {
    const port = this.portFor(hostId);
    const { active, persistent } = await port.state(uuid);
    const [configXml, liveXml, autostart, limits] = await Promise.all([
      persistent ? port.configXml(uuid) : port.liveXml(uuid),
      active ? port.liveXml(uuid) : Promise.resolve(undefined),
      port.autostart(uuid),
      port.hostLimits(),
    ]);
    const config = DomainXml.parse(configXml);
    const shown = liveXml !== undefined ? DomainXml.parse(liveXml) : config;
    return {
      hostId,
      uuid,
      active,
      persistent,
      vcpus: { current: shown.vcpuCurrent, max: shown.vcpuMax },
      memory: { currentKiB: Math.min(shown.currentMemoryKiB, shown.memoryKiB), maxKiB: shown.memoryKiB },
      disks: shown.disks.map((d) => ({ ...d, readonly: d.readonly ?? false })),
      nics: shown.nics.filter((n) => n.mac).map((n) => ({ ...n, mac: n.mac!, linkState: n.linkState ?? 'up' })),
      bootOrder: config.bootOrder.filter(isBootDevice),
      autostart,
      limits: { hostCpus: limits.cpus, hostMemoryKiB: limits.memoryKiB },
      pendingNextBoot: liveXml !== undefined && persistent ? pendingDifferences(config, shown) : [],
    };
  }

  async edit(hostId: string, uuid: string, changes: HardwareChanges): Promise<{ results: FieldResult[]; hardware: VmHardware }> {
    const port = this.portFor(hostId);
    const { active, persistent } = await port.state(uuid);
    const [configXml, liveXml, limits] = await Promise.all([
      persistent ? port.configXml(uuid) : port.liveXml(uuid),
      active ? port.liveXml(uuid) : Promise.resolve(undefined),
      port.hostLimits(),
    ]);
    const config = DomainXml.parse(configXml);
    const live = liveXml !== undefined ? DomainXml.parse(liveXml) : undefined;
    const { errors, sizes } = validateHardwareChanges(changes, {
      config,
      live,
      persistent,
      hostCpus: limits.cpus,
      hostMemoryKiB: limits.memoryKiB,
    });
    if (Object.keys(errors).length > 0) throw hardwareInvalid(errors);

    const plan = planChanges(changes, sizes, port, uuid, live);
    const results: FieldResult[] = [];
    const configFields = persistent ? plan.filter((p) => p.config) : [];
    let saved: string[] = [];
    if (configFields.length > 0) {
      for (const p of configFields) p.config!(config);
      await port.define(config.toString());
      saved = configFields.map((p) => p.field);
    }
    for (const p of plan.filter((p) => p.host)) {
      try {
        await p.host!();
      } catch (error) {
        throw partlyApplied(error, p.field, saved, results);
      }
      results.push({ field: p.field, applied: 'live', note: 'a host setting: in effect now, whether the VM runs or not' });
    }
    for (const p of plan.filter((p) => !p.host)) {
      const saved = persistent && !!p.config;
      if (!p.live) {
        results.push(compactResult(p.field, 'next-boot', active ? p.notLive : undefined));
        continue;
      }
      try {
        const outcome = await p.live();
        if (outcome) {
          // Not confirmed on the running VM: the definition has it (next boot); a transient VM has only
          // the running side, where the request stands.
          results.push({ field: p.field, applied: saved ? 'next-boot' : 'live', note: outcome.pending });
        } else {
          results.push({ field: p.field, applied: saved ? 'both' : 'live' });
        }
      } catch (error) {
        if (!(error instanceof TandemError)) throw error;
        // The definition already holds the change: the VM gets it at its next boot. A transient VM has no
        // definition, so there the failure is the answer.
        if (!saved) throw partlyApplied(error, p.field, [], results);
        results.push({ field: p.field, applied: 'next-boot', note: `not applied to the running VM: ${error.message}` });
      }
    }
    return { results, hardware: await this.read(hostId, uuid) };
  }
}

function planChanges(
  changes: HardwareChanges,
  sizes: ReturnType<typeof validateHardwareChanges>['sizes'],
  port: VmHardwarePort,
  uuid: string,
  live: DomainXml | undefined,
): PlannedField[] {
  const plan: PlannedField[] = [];
  const vcpusChanged = changes.vcpus?.current !== undefined || changes.vcpus?.max !== undefined;
  if (vcpusChanged) {
    const setConfig = (doc: DomainXml) => doc.setVcpus(sizes.vcpuCurrent, sizes.vcpuMax);
    if (changes.vcpus?.max !== undefined) {
      plan.push({ field: 'vcpus.max', config: setConfig, notLive: 'the maximum is fixed while the VM runs' });
    }
    if (changes.vcpus?.current !== undefined) {
      const fits = live !== undefined && sizes.vcpuCurrent <= live.vcpuMax;
      plan.push({
        field: 'vcpus.current',
        config: setConfig,
        ...(live && fits && sizes.vcpuCurrent !== live.vcpuCurrent
          ? { live: () => port.setVcpusLive(uuid, sizes.vcpuCurrent) }
          : live && !fits
            ? { notLive: `the running VM can have at most ${live.vcpuMax} vCPUs until it restarts` }
            : {}),
      });
    }
  }
  if (changes.memory?.max) {
    plan.push({
      field: 'memory.max',
      config: (doc) => {
        doc.memoryKiB = sizes.memoryMaxKiB;
        doc.currentMemoryKiB = sizes.memoryCurrentKiB;
      },
      notLive: 'the maximum memory is fixed while the VM runs',
    });
  }
  if (changes.memory?.current) {
    const fits = live !== undefined && sizes.memoryCurrentKiB <= live.memoryKiB;
    plan.push({
      field: 'memory.current',
      config: (doc) => {
        doc.memoryKiB = sizes.memoryMaxKiB;
        doc.currentMemoryKiB = sizes.memoryCurrentKiB;
      },
      ...(live && fits
        ? { live: () => port.setMemoryLive(uuid, sizes.memoryCurrentKiB) }
        : live
          ? { notLive: 'more than the running VM’s maximum memory' }
          : {}),
    });
  }
  if (changes.bootOrder) {
    const order = changes.bootOrder;
    plan.push({ field: 'bootOrder', config: (doc) => (doc.bootOrder = order), notLive: 'the boot order is read when the VM boots' });
  }
  if (changes.autostart !== undefined) {
    const autostart = changes.autostart;
    plan.push({ field: 'autostart', host: () => port.setAutostart(uuid, autostart) });
  }
  for (const change of changes.disks ?? []) {
    const liveDisk = live?.disk(change.target);
    const field = `disks.${change.target}`;
    if (change.remove) {
      plan.push({
        field,
        config: (doc) => doc.removeDevice(doc.disk(change.target)!),
        ...(liveDisk ? { live: () => detachConfirmed(port, uuid, liveDisk, (doc) => doc.disk(change.target)) } : {}),
      });
    } else {
      const source = change.source ?? '';
      plan.push({
        field,
        config: (doc) => setDiskSource(doc.disk(change.target)!, source),
        ...(liveDisk
          ? {
              live: () => {
                const updated = liveDisk.clone();
                setDiskSource(updated, source);
                return port.updateDeviceLive(uuid, updated.toXml());
              },
            }
          : {}),
      });
    }
  }
  for (const change of changes.nics ?? []) {
    const liveNic = live?.nic(change.mac);
    const field = `nics.${change.mac.toLowerCase()}`;
    if (change.remove) {
      plan.push({
        field,
        config: (doc) => doc.removeDevice(doc.nic(change.mac)!),
        ...(liveNic ? { live: () => detachConfirmed(port, uuid, liveNic, (doc) => doc.nic(change.mac)) } : {}),
      });
    } else {
      const state = change.linkState!;
      plan.push({
        field,
        config: (doc) => doc.nic(change.mac)!.ensure('link').setAttribute('state', state),
        ...(liveNic
          ? {
              live: () => {
                const updated = liveNic.clone();
                updated.ensure('link').setAttribute('state', state);
                return port.updateDeviceLive(uuid, updated.toXml());
              },
            }
          : {}),
      });
    }
  }
  return plan;
}

export const REMOVAL_PENDING_NOTE = 'removal requested from the running VM, pending the guest';

/**
 * Detaches a device from the running VM and says whether it is gone: confirmed by libvirt's device-removed
 * event, else by the live definition no longer listing it (the event may predate our wait, or the host may
 * not send it). Still listed: the guest has not released it (yet).
 */
async function detachConfirmed(
  port: VmHardwarePort,
  uuid: string,
  device: XmlNode,
  find: (live: DomainXml) => XmlNode | undefined,
): Promise<void | { pending: string }> {
  const { removed } = await port.detachDeviceLive(uuid, device.toXml(), device.value('alias/@name'));
  if (removed) return;
  if (find(DomainXml.parse(await port.liveXml(uuid))) === undefined) return;
  return { pending: REMOVAL_PENDING_NOTE };
}

/** A CD-ROM or floppy's medium: a file path, or '' for an empty drive. */
function setDiskSource(disk: XmlNode, source: string): void {
  const existing = disk.element('source');
  if (existing) disk.node.removeChild(existing.node);
  if (source === '') return;
  const type = disk.value('@type') ?? 'file';
  const el = disk.node.ownerDocument!.createElement('source');
  el.setAttribute(type === 'block' ? 'dev' : 'file', source);
  // libvirt's schema wants <source> before <target>; keep that order for readers of the XML.
  disk.node.insertBefore(el, disk.element('target')?.node ?? null);
}

/**
 * A step failed after others took effect (the definition saved, a live part applied): the caller must not
 * read the failure as "nothing changed". Same kind and code as the cause; the message and details.applied
 * say what is in effect (saved fields not yet reported are in the definition: next boot).
 */
function partlyApplied(error: unknown, field: string, saved: string[], results: FieldResult[]): unknown {
  if (!(error instanceof TandemError)) return error;
  const reported = new Set(results.map((r) => r.field));
  const applied = [...results, ...saved.filter((f) => !reported.has(f)).map((f): FieldResult => ({ field: f, applied: 'next-boot' }))];
  if (applied.length === 0) return error;
  const Kind = error.constructor as new (code: string, message: string, options: TandemErrorOptions) => TandemError;
  const done = applied.map((r) => `${r.field} (${r.applied})`).join(', ');
  return new Kind(error.code, `${field} failed: ${error.message}. Already in effect: ${done}`, {
    details: { ...error.details, failedField: field, applied },
    ...(error.libvirt ? { libvirt: error.libvirt } : {}),
    cause: error,
  });
}

function compactResult(field: string, applied: Applied, note: string | undefined): FieldResult {
  return note ? { field, applied, note } : { field, applied };
}

function hardwareInvalid(errors: FieldErrors): InvalidInputError {
  const summary = Object.entries(errors)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');
  return new InvalidInputError('vm.hardware-invalid', `Nothing was changed: ${summary}`, { details: { fieldErrors: errors } });
}

function isBootDevice(dev: string): dev is VmHardware['bootOrder'][number] {
  return dev === 'hd' || dev === 'cdrom' || dev === 'network' || dev === 'fd';
}

/** Fields whose saved value differs from the running VM: they change at the next boot. */
function pendingDifferences(config: DomainXml, live: DomainXml): string[] {
  const pending: string[] = [];
  if (config.vcpuCurrent !== live.vcpuCurrent) pending.push('vcpus.current');
  if (config.vcpuMax !== live.vcpuMax) pending.push('vcpus.max');
  if (config.memoryKiB !== live.memoryKiB) pending.push('memory.max');
  if (config.bootOrder.join() !== live.bootOrder.join()) pending.push('bootOrder');
  const targets = (d: DomainXml) => d.disks.map((x) => x.target).join();
  if (targets(config) !== targets(live)) pending.push('disks');
  const macs = (d: DomainXml) => d.nics.map((x) => x.mac).join();
  if (macs(config) !== macs(live)) pending.push('nics');
  return pending;
}
