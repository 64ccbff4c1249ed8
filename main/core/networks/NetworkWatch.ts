/**
 * Keeps the UI's network lists live: while a host is connected, libvirt's network lifecycle events (defined,
 * started, stopped, undefined) and domain definitions (which change who is attached) make the host's networks
 * be listed again and sent as one `changed` value. Events that come close together (a lab defines a network
 * and several domains) are read as one listing after `settleMs`; one listing per host runs at a time and a
 * change seen during it gets a listing of its own after it, so the last value sent is never older than the
 * last change. Nothing is listed while nobody changes anything: the first list of a host is the UI's
 * `networks.list`.
 */
import { systemClock, type Clock } from '../Clock';
import { Emitter } from '../Emitter';
import type { Disposable, HostSession } from '../hosts/HostDriver';
import type { HostManager } from '../hosts/HostManager';
import { createLogger } from '../logging';
import type { NetworkEventsPort } from './NetworkPort';
import type { NetworksChanged, NetworkSummary } from './networkSchemas';

const log = createLogger('networks');

export interface NetworkWatchDeps {
  hosts: Pick<HostManager, 'sessionOpened' | 'sessionClosed'>;
  events: NetworkEventsPort;
  list(hostId: string): Promise<NetworkSummary[]>;
  clock?: Clock;
  /** How long to wait for more events before listing (default 150 ms). */
  settleMs?: number;
}

interface HostWatch {
  session: HostSession;
  subscription?: Disposable;
  timer?: Disposable;
  listing: boolean;
  again: boolean;
  closed: boolean;
}

export class NetworkWatch {
  readonly changed = new Emitter<NetworksChanged>();
  private readonly watches = new Map<string, HostWatch>();
  private readonly subscriptions: Disposable[];
  private readonly clock: Clock;
  private readonly settleMs: number;

  constructor(private readonly deps: NetworkWatchDeps) {
    this.clock = deps.clock ?? systemClock;
    this.settleMs = deps.settleMs ?? 150;
    this.subscriptions = [
      deps.hosts.sessionOpened.on(({ hostId, session }) => this.attach(hostId, session)),
      deps.hosts.sessionClosed.on((hostId) => this.detach(hostId)),
    ];
  }

  /** Lists the host's networks again soon and sends them (after a change libvirt sends no event for). */
  refresh(hostId: string): void {
    const watch = this.watches.get(hostId);
    if (!watch || watch.timer) return;
    watch.timer = this.clock.setTimeout(() => {
      watch.timer = undefined;
      void this.list(hostId, watch);
    }, this.settleMs);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const hostId of [...this.watches.keys()]) this.detach(hostId);
  }

  private attach(hostId: string, session: HostSession): void {
    this.detach(hostId);
    const watch: HostWatch = { session, listing: false, again: false, closed: false };
    this.watches.set(hostId, watch);
    this.deps.events.watch(session, () => this.refresh(hostId)).then(
      (subscription) => {
        if (watch.closed) subscription.dispose();
        else watch.subscription = subscription;
      },
      (error: unknown) => {
        if (!watch.closed) log.warn(`changes to the networks of host ${hostId} are not followed live: ${(error as Error).message}`);
      },
    );
  }

  private detach(hostId: string): void {
    const watch = this.watches.get(hostId);
    if (!watch) return;
    watch.closed = true;
    watch.timer?.dispose();
    watch.subscription?.dispose();
    this.watches.delete(hostId);
  }

  private async list(hostId: string, watch: HostWatch): Promise<void> {
    if (watch.listing) {
      watch.again = true;
      return;
    }
    watch.listing = true;
    try {
      const networks = await this.deps.list(hostId);
      if (!watch.closed) this.changed.emit({ hostId, networks });
    } catch (error) {
      // The host dropped meanwhile (its reconnect lists anew) or refused the read: the UI keeps the last list.
      if (!watch.closed) log.warn(`could not list the networks of host ${hostId} after a change: ${(error as Error).message}`);
    } finally {
      watch.listing = false;
      if (watch.again && !watch.closed) {
        watch.again = false;
        this.refresh(hostId);
      }
    }
  }
}
