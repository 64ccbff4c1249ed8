/**
 * Alert rules over what core already knows: host status (HostManager), VM state and reason (Inventory,
 * refreshed on libvirt's lifecycle events) and host samples (Monitoring). Each condition raises its alert
 * once, and clears it when the condition ends; a dismissed alert stays hidden until its condition has ended.
 *
 * Rules:
 * - host-unreachable: the host's status is `unreachable`; ends when it is connected again (or removed).
 * - vm-io-error: the VM is paused with reason `ioerror` (libvirt paused it on a disk error); ends when it
 *   leaves that state.
 * - vm-crashed: the VM is `crashed`, or shut off with reason `crashed` (QEMU died under it); ends when it
 *   runs again or is removed. A crash stays in the CrashRecord (alerts.json) until then, so a VM still shut
 *   off by a crash that an earlier run of Tandem alerted is not alerted again at start; the record drops a
 *   VM its host's first listing no longer has, and every VM of a removed host, so it does not grow forever.
 * - host-memory-pressure: used memory (total - free - buffers - cache) reaches MEMORY_PRESSURE_RAISE of
 *   the total; ends below MEMORY_PRESSURE_CLEAR (the gap keeps a host hovering at the threshold from
 *   raising it on every tick), or when the host is no longer connected (no samples come to say either way:
 *   its host-unreachable alert says what is known; the next sample after a reconnect decides again).
 */
import type { Alert, HostSummary, VmRef, VmSummary } from '../../../preload/contract';
import { systemClock, type Clock } from '../Clock';
import { Emitter } from '../Emitter';
import { NotFoundError } from '../errors';
import type { Disposable } from '../hosts/HostDriver';
import type { CrashRecord } from './AlertedCrashes';
import type { HostSampled } from './Monitoring';

export const MEMORY_PRESSURE_RAISE = 0.9;
export const MEMORY_PRESSURE_CLEAR = 0.85;

export interface AlertSources {
  hosts: {
    list(): HostSummary[];
    hostChanged: { on(listener: (host: HostSummary) => void): Disposable };
    hostRemoved: { on(listener: (hostId: string) => void): Disposable };
  };
  vms: {
    list(): VmSummary[];
    vmChanged: { on(listener: (vm: VmSummary) => void): Disposable };
    vmRemoved: { on(listener: (ref: VmRef) => void): Disposable };
    /** A host's full listing; without it the record keeps VMs removed while Tandem was closed. */
    hostListed?: { on(listener: (listed: { hostId: string; uuids: ReadonlySet<string> }) => void): Disposable };
  };
  samples?: { on(listener: (sample: HostSampled) => void): Disposable };
  /** Crashes alerted by earlier runs (AlertedCrashes); without it every run alerts the crashes it finds. */
  crashes?: CrashRecord;
  clock?: Clock;
}

export interface AlertsChanged {
  alerts: Alert[];
  raised: Alert[];
}

interface Condition {
  alert: Alert;
  dismissed: boolean;
}

export class AlertCenter {
  readonly changed = new Emitter<AlertsChanged>();
  private readonly conditions = new Map<string, Condition>();
  private readonly hostNames = new Map<string, string>();
  private readonly clock: Clock;
  private readonly crashes: CrashRecord | undefined;
  private readonly subscriptions: Disposable[];

  constructor(sources: AlertSources) {
    this.clock = sources.clock ?? systemClock;
    this.crashes = sources.crashes;
    this.subscriptions = [
      sources.hosts.hostChanged.on((host) => this.onHost(host)),
      sources.hosts.hostRemoved.on((hostId) => {
        this.crashes?.deleteWhere((key) => hostOfKey(key) === hostId);
        this.clearWhere((a) => a.hostId === hostId);
      }),
      sources.vms.vmChanged.on((vm) => this.onVm(vm)),
      sources.vms.vmRemoved.on((ref) => {
        this.crashes?.delete(vmKey(ref));
        this.clearWhere((a) => a.hostId === ref.hostId && a.uuid === ref.uuid);
      }),
      ...(sources.vms.hostListed
        ? [
            sources.vms.hostListed.on(({ hostId, uuids }) =>
              this.crashes?.deleteWhere((key) => hostOfKey(key) === hostId && !uuids.has(key.slice(hostId.length + 1))),
            ),
          ]
        : []),
      ...(sources.samples ? [sources.samples.on((sample) => this.onSample(sample))] : []),
    ];
    for (const host of sources.hosts.list()) this.onHost(host);
    for (const vm of sources.vms.list()) this.onVm(vm);
  }

  /** Active alerts that were not dismissed, oldest first. */
  list(): Alert[] {
    return [...this.conditions.values()].filter((c) => !c.dismissed).map((c) => c.alert);
  }

  dismiss(id: string): void {
    const condition = this.conditions.get(id);
    if (!condition || condition.dismissed) {
      throw new NotFoundError('alert.not-found', `No active alert "${id}" (its condition may have ended)`, { details: { id } });
    }
    condition.dismissed = true;
    this.changed.emit({ alerts: this.list(), raised: [] });
  }

  dispose(): void {
    for (const sub of this.subscriptions) sub.dispose();
  }

  // -------------------------------------------------------------------------------------------------------

  private onHost(host: HostSummary): void {
    this.hostNames.set(host.id, host.name);
    const id = `host-unreachable:${host.id}`;
    if (host.status === 'unreachable') {
      this.raise({
        id,
        kind: 'host-unreachable',
        severity: 'critical',
        hostId: host.id,
        title: `${host.name} is unreachable`,
        message: host.statusReason ?? 'The connection to the host was lost; Tandem keeps trying to reconnect.',
      });
    } else if (host.status === 'connected') {
      this.clear(id);
    }
    // 'connecting' between retries says nothing new: the alert stays until the host is back.
    // No samples come from a host that is not connected: its memory figure is unknown, not high.
    if (host.status !== 'connected') this.clear(`host-memory-pressure:${host.id}`);
  }

  private onVm(vm: VmSummary): void {
    const key = vmKey(vm);
    const on = this.hostNames.get(vm.hostId) ?? vm.hostId;
    const ioError = vm.state === 'paused' && vm.stateReason === 'ioerror';
    this.toggle(ioError, {
      id: `vm-io-error:${key}`,
      kind: 'vm-io-error',
      severity: 'critical',
      hostId: vm.hostId,
      uuid: vm.uuid,
      title: `${vm.name} paused on an I/O error`,
      message: `libvirt paused ${vm.name} on ${on} because a disk operation failed (disk full or storage gone?). Fix the storage, then resume it.`,
    });
    const crashed = vm.state === 'crashed' || (vm.state === 'shutoff' && vm.stateReason === 'crashed');
    const crashId = `vm-crashed:${key}`;
    if (!crashed) this.crashes?.delete(key);
    else if (!this.conditions.has(crashId)) {
      // Not alerted in this run yet (Tandem just started, or the host just connected): an earlier run may have.
      if (this.crashes?.has(key)) return;
      this.crashes?.add(key);
    }
    this.toggle(crashed, {
      id: crashId,
      kind: 'vm-crashed',
      severity: 'critical',
      hostId: vm.hostId,
      uuid: vm.uuid,
      title: `${vm.name} crashed`,
      message: `${vm.name} on ${on} stopped unexpectedly (its emulator died or the guest crashed).`,
    });
  }

  private onSample({ hostId, row }: HostSampled): void {
    const total = row[1]!;
    const used = row[2]!;
    if (!(total > 0) || Number.isNaN(used)) return; // no memory figures from this host: no verdict
    const share = used / total;
    const id = `host-memory-pressure:${hostId}`;
    if (share >= MEMORY_PRESSURE_RAISE) {
      const name = this.hostNames.get(hostId) ?? hostId;
      this.raise({
        id,
        kind: 'host-memory-pressure',
        severity: 'warning',
        hostId,
        title: `${name} is low on memory`,
        message: `${Math.round(share * 100)} % of ${name}'s memory is in use (alert at ${MEMORY_PRESSURE_RAISE * 100} %, cleared below ${MEMORY_PRESSURE_CLEAR * 100} %).`,
      });
    } else if (share < MEMORY_PRESSURE_CLEAR) {
      this.clear(id);
    }
  }

  private toggle(active: boolean, alert: Omit<Alert, 'raisedAt'>): void {
    if (active) this.raise(alert);
    else this.clear(alert.id);
  }

  private raise(alert: Omit<Alert, 'raisedAt'>): void {
    if (this.conditions.has(alert.id)) return; // raised once per occurrence
    const full: Alert = { ...alert, raisedAt: this.clock.now() };
    this.conditions.set(alert.id, { alert: full, dismissed: false });
    this.changed.emit({ alerts: this.list(), raised: [full] });
  }

  private clear(id: string): void {
    const condition = this.conditions.get(id);
    if (!condition) return;
    this.conditions.delete(id);
    if (!condition.dismissed) this.changed.emit({ alerts: this.list(), raised: [] });
  }

  private clearWhere(match: (alert: Alert) => boolean): void {
    for (const [id, condition] of this.conditions) if (match(condition.alert)) this.clear(id);
  }
}

const vmKey = (vm: VmRef) => `${vm.hostId}/${vm.uuid}`;
/** The key's host part: everything before the last slash (a uuid has none). */
const hostOfKey = (key: string) => key.slice(0, key.lastIndexOf('/'));
