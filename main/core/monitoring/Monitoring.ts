/**
 * Monitoring of every connected host: one HostSampler per host (started when the host connects, stopped when
 * it is not connected or removed), samples computed from counter deltas (rates.ts), history in fixed-size
 * ring buffers per host and per VM, one `ticked` event per host per tick, and the persisted interval.
 */
import {
  HOST_SAMPLE_FIELDS,
  MONITORING_INTERVAL_MAX_S,
  MONITORING_INTERVAL_MIN_S,
  VM_SAMPLE_FIELDS,
  type HostSummary,
  type MonitoringHistory,
  type MonitoringSettings,
  type MonitoringTick,
  type VmRef,
} from '../../../preload/contract';
import { systemClock, type Clock } from '../Clock';
import { Emitter } from '../Emitter';
import { InvalidInputError, NotFoundError } from '../errors';
import type { Disposable } from '../hosts/HostDriver';
import { HostSampler, type HostReading } from './HostSampler';
import type { MonitoringPort, RawHostCounters, RawVmCounters } from './MonitoringPort';
import { DEFAULT_MONITORING_SETTINGS, type MonitoringSettingsStore } from './MonitoringSettingsStore';
import { hostSample, toWire, vmSample, type HostSampleRow } from './rates';
import { SeriesRing, type SeriesSnapshot } from './SeriesRing';

/** One hour at the default 2 s interval (at the 1 s minimum: 30 minutes). About 50 KiB per VM series. */
export const HISTORY_CAPACITY = 1800;

/** The parts of HostManager and Inventory that monitoring follows. */
export interface MonitoredHosts {
  has(hostId: string): boolean;
  list(): HostSummary[];
  hostChanged: { on(listener: (host: HostSummary) => void): Disposable };
  hostRemoved: { on(listener: (hostId: string) => void): Disposable };
}
export interface MonitoredVms {
  vmRemoved: { on(listener: (ref: VmRef) => void): Disposable };
}

export interface MonitoringOptions {
  hosts: MonitoredHosts;
  vms?: MonitoredVms;
  port: MonitoringPort;
  clock?: Clock;
  /** Where the interval is persisted; omitted in tests that don't need it. */
  store?: MonitoringSettingsStore;
  settings?: MonitoringSettings;
  historyCapacity?: number;
}

export interface HostSampled {
  hostId: string;
  at: number;
  /** HOST_SAMPLE_FIELDS order, NaN = unknown. */
  row: HostSampleRow;
}

interface HostState {
  sampler: HostSampler;
  previous: { at: number; counters: RawHostCounters; vms: Map<string, RawVmCounters> } | undefined;
  /** VMs removed since the last reading, with when: a read that started before that still lists them. */
  removedAt: Map<string, number>;
}

export class Monitoring {
  readonly ticked = new Emitter<MonitoringTick>();
  readonly hostSampled = new Emitter<HostSampled>();
  readonly settingsChanged = new Emitter<MonitoringSettings>();

  private readonly clock: Clock;
  private readonly capacity: number;
  private settings: MonitoringSettings;
  private readonly active = new Map<string, HostState>();
  private readonly hostHistory = new Map<string, SeriesRing>();
  /** Per host, per VM UUID. */
  private readonly vmHistory = new Map<string, Map<string, SeriesRing>>();
  private readonly subscriptions: Disposable[];
  private disposed = false;

  constructor(private readonly options: MonitoringOptions) {
    this.clock = options.clock ?? systemClock;
    this.capacity = options.historyCapacity ?? HISTORY_CAPACITY;
    this.settings = options.settings ?? { ...DEFAULT_MONITORING_SETTINGS };
    this.subscriptions = [
      options.hosts.hostChanged.on((host) => this.follow(host)),
      options.hosts.hostRemoved.on((hostId) => {
        this.stopSampling(hostId);
        this.hostHistory.delete(hostId);
        this.vmHistory.delete(hostId);
      }),
      ...(options.vms ? [options.vms.vmRemoved.on((ref) => this.forgetVm(ref))] : []),
    ];
    for (const host of options.hosts.list()) this.follow(host);
  }

  /** Builds a Monitoring with the interval saved in the data folder. */
  static async create(options: Omit<MonitoringOptions, 'settings'> & { store: MonitoringSettingsStore }): Promise<Monitoring> {
    return new Monitoring({ ...options, settings: await options.store.load() });
  }

  getSettings(): MonitoringSettings {
    return { ...this.settings };
  }

  async setSettings(settings: MonitoringSettings): Promise<MonitoringSettings> {
    const { intervalSeconds } = settings;
    if (!Number.isInteger(intervalSeconds) || intervalSeconds < MONITORING_INTERVAL_MIN_S || intervalSeconds > MONITORING_INTERVAL_MAX_S) {
      throw new InvalidInputError(
        'monitoring.interval-out-of-range',
        `The sampling interval must be a whole number of seconds from ${MONITORING_INTERVAL_MIN_S} to ${MONITORING_INTERVAL_MAX_S}`,
        { details: { field: 'intervalSeconds', intervalSeconds } },
      );
    }
    // Saved first: a setting that could not be saved is not applied either (nothing half-done).
    await this.options.store?.save({ intervalSeconds });
    this.settings = { intervalSeconds };
    for (const state of this.active.values()) state.sampler.reschedule();
    this.settingsChanged.emit(this.getSettings());
    return this.getSettings();
  }

  /** The hosts being sampled now. */
  sampledHosts(): string[] {
    return [...this.active.keys()];
  }

  vmHistorySince(ref: VmRef, sinceMs?: number): MonitoringHistory {
    this.requireHost(ref.hostId);
    const ring = this.vmHistory.get(ref.hostId)?.get(ref.uuid);
    // A VM that has not run since Tandem started has no history yet: empty, not an error.
    return this.toHistory(ring?.snapshot(sinceMs), VM_SAMPLE_FIELDS.length);
  }

  hostHistorySince(hostId: string, sinceMs?: number): MonitoringHistory {
    this.requireHost(hostId);
    return this.toHistory(this.hostHistory.get(hostId)?.snapshot(sinceMs), HOST_SAMPLE_FIELDS.length);
  }

  dispose(): void {
    this.disposed = true;
    for (const sub of this.subscriptions) sub.dispose();
    for (const hostId of [...this.active.keys()]) this.stopSampling(hostId);
  }

  // -------------------------------------------------------------------------------------------------------

  private requireHost(hostId: string): void {
    if (!this.options.hosts.has(hostId)) {
      throw new NotFoundError('host.not-found', `No host with id "${hostId}"`, { details: { hostId } });
    }
  }

  private toHistory(snapshot: SeriesSnapshot | undefined, fields: number): MonitoringHistory {
    const values = snapshot ? snapshot.values.map((column) => toWire(column)) : Array.from({ length: fields }, () => []);
    return { intervalSeconds: this.settings.intervalSeconds, t: snapshot?.t ?? [], values };
  }

  /** Sampling runs exactly while the host is connected; a reconnect starts a fresh sampler (new session). */
  private follow(host: HostSummary): void {
    if (this.disposed) return;
    if (host.status === 'connected') {
      // HostManager reports 'connected' again on each new session: restart, so deltas never span sessions.
      this.stopSampling(host.id);
      const sampler = new HostSampler(
        host.id,
        this.options.port,
        this.clock,
        () => this.settings.intervalSeconds * 1000,
        (reading) => this.onReading(reading),
      );
      this.active.set(host.id, { sampler, previous: undefined, removedAt: new Map() });
      sampler.start();
    } else {
      this.stopSampling(host.id);
    }
  }

  private forgetVm({ hostId, uuid }: VmRef): void {
    this.vmHistory.get(hostId)?.delete(uuid);
    this.active.get(hostId)?.removedAt.set(uuid, this.clock.now());
  }

  private stopSampling(hostId: string): void {
    const state = this.active.get(hostId);
    if (!state) return;
    state.sampler.stop();
    this.active.delete(hostId);
  }

  private onReading({ hostId, at, counters }: HostReading): void {
    const state = this.active.get(hostId);
    if (!state) return;
    const previous = state.previous;
    const elapsedS = previous ? (at - previous.at) / 1000 : 0;

    const hostRow = hostSample(previous?.counters, counters);
    let hostRing = this.hostHistory.get(hostId);
    if (!hostRing) this.hostHistory.set(hostId, (hostRing = new SeriesRing(this.capacity, HOST_SAMPLE_FIELDS.length)));
    hostRing.push(at, hostRow);

    let rings = this.vmHistory.get(hostId);
    if (!rings) this.vmHistory.set(hostId, (rings = new Map()));
    const vms: MonitoringTick['vms'] = [];
    const current = new Map<string, RawVmCounters>();
    for (const vm of counters.vms) {
      if ((state.removedAt.get(vm.uuid) ?? -Infinity) >= at) continue; // gone since this read started
      current.set(vm.uuid, vm);
      const row = vmSample(previous?.vms.get(vm.uuid), vm, elapsedS);
      let ring = rings.get(vm.uuid);
      if (!ring) rings.set(vm.uuid, (ring = new SeriesRing(this.capacity, VM_SAMPLE_FIELDS.length)));
      ring.push(at, row);
      vms.push({ uuid: vm.uuid, values: toWire(row) });
    }
    state.previous = { at, counters, vms: current };
    state.removedAt.clear(); // later reads start after these removals: a VM they list is back

    this.hostSampled.emit({ hostId, at, row: hostRow });
    this.ticked.emit({ hostId, t: at, host: toWire(hostRow), vms });
  }
}
