/**
 * The installer's first reboot, as virt-install handles it: a VM deployed from install media is defined on
 * its final configuration (boots its disk) and runs once on the installer's (boots the ISO; `on_reboot`
 * destroy, so the installer's reboot stops it). When that run stops because the guest reset itself, this
 * watch starts the VM once more, on its final configuration; when it stops for any other reason (the user
 * shut it down or forced it off, it crashed), the VM stays off. Either way the watch of that VM ends.
 *
 * What tells the two apart, measured on libvirt 9.0 / QEMU 7.2 (test/integration/testbed/
 * binding-qemuMonitorEvents.test.ts): libvirt's lifecycle events do not. A guest reset under on_reboot
 * destroy, a guest power-off and an ACPI shutdown (virsh shutdown, Tandem's "Shut down") all arrive as
 * "shutdown, finished after guest request" then "stopped, shutdown"; the domain's state reason is "shutdown"
 * for all three. Only QEMU's own SHUTDOWN event says why, through libvirt-qemu's monitor events: reason
 * `guest-reset` (the guest rebooted), `guest-shutdown` (powered off, ACPI included), `host-signal` (force off;
 * libvirt's lifecycle says "destroyed" too). So a stop restarts the VM when it is "stopped, shutdown" and
 * QEMU's first SHUTDOWN of that run gave a reset reason (the guest's, or one asked of QEMU from the host).
 *
 * Which VMs: those whose definition carries Tandem's installer mark (installerMarker.ts), so the watch
 * survives a restart of Tandem and a reconnect. The mark is removed before the restart (a VM is restarted at
 * most once). A marked VM found shut off when Tandem (re)connects stopped while nobody watched: why is
 * unknown, so it is not restarted (its next start, by the user, boots the final configuration anyway).
 */
import { systemClock, type Clock } from '../../Clock';
import { Emitter } from '../../Emitter';
import { NotFoundError } from '../../errors';
import type { Disposable } from '../../hosts/HostDriver';
import { createLogger } from '../../logging';

const log = createLogger('installer-reboot');

/** How libvirt says a domain stopped (its STOPPED lifecycle detail). */
export type DomainStop = 'shutdown' | 'destroyed' | 'crashed' | 'failed' | 'other';

export interface InstallerSignals {
  /** QEMU's SHUTDOWN event of a running domain, with QEMU's reason ("guest-reset", "guest-shutdown", ...). */
  guestShutdown(uuid: string, reason: string): void;
  stopped(uuid: string, how: DomainStop): void;
}

export interface InstallerRebootPort {
  /** Delivers a connected host's signals until disposed; resolves once subscribed. */
  follow(hostId: string, signals: InstallerSignals): Promise<Disposable>;
  /** The host's domains whose definition carries the installer mark. */
  marked(hostId: string): Promise<Array<{ uuid: string; name: string; active: boolean }>>;
  isMarked(hostId: string, uuid: string): Promise<boolean>;
  /** Removes the mark from the domain's definition. */
  unmark(hostId: string, uuid: string): Promise<void>;
  /** Starts the domain on its definition. */
  start(hostId: string, uuid: string): Promise<void>;
}

export interface InstallerRebootHosts {
  list(): Array<{ id: string; status: string }>;
  hostChanged: { on(listener: (host: { id: string; status: string }) => void): Disposable };
  hostRemoved: { on(listener: (hostId: string) => void): Disposable };
}

/** What the watch did with a marked VM that stopped. */
export interface InstallerOutcome {
  hostId: string;
  uuid: string;
  outcome: 'restarted' | 'left-off' | 'restart-failed';
  /** Why, in words ("the installer rebooted (QEMU: guest-reset)", "shut down (QEMU: guest-shutdown)", ...). */
  why: string;
}

/** QEMU's SHUTDOWN reasons that are a reboot: the guest's reset, or a reset asked of QEMU (virsh reset). */
const RESET_REASONS: ReadonlySet<string> = new Set(['guest-reset', 'host-qmp-system-reset']);

/** How long a stop waits for QEMU's SHUTDOWN reason when it came first (two event streams, no order between them). */
export const REASON_GRACE_MS = 2_000;

interface Followed {
  subscription?: Disposable;
  /** Settles once the host's signals are subscribed (or that failed). */
  subscribed: Promise<void>;
  /** The first QEMU SHUTDOWN reason of each domain's current run. */
  reasons: Map<string, string>;
  /** Domains seen stopping since the host was followed (a reconcile leaves them to the event). */
  stops: Set<string>;
  /** One decision at a time per domain. */
  queues: Map<string, Promise<void>>;
  waiters: Map<string, () => void>;
  disposed: boolean;
}

export class InstallerRebootWatch {
  readonly decided = new Emitter<InstallerOutcome>();
  private readonly followed = new Map<string, Followed>();
  private readonly subscriptions: Disposable[];
  private readonly clock: Clock;
  private readonly graceMs: number;

  constructor(private readonly deps: { hosts: InstallerRebootHosts; port: InstallerRebootPort; clock?: Clock; reasonGraceMs?: number }) {
    this.clock = deps.clock ?? systemClock;
    this.graceMs = deps.reasonGraceMs ?? REASON_GRACE_MS;
    this.subscriptions = [deps.hosts.hostChanged.on((host) => this.onHost(host)), deps.hosts.hostRemoved.on((hostId) => this.unfollow(hostId))];
    for (const host of deps.hosts.list()) this.onHost(host);
  }

  /** Resolves once a connected host's signals are subscribed: a stop from then on is seen. */
  async whenFollowing(hostId: string): Promise<void> {
    const followed = this.followed.get(hostId);
    if (!followed) throw new Error(`host ${hostId} is not followed (not connected)`);
    await followed.subscribed;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const hostId of [...this.followed.keys()]) this.unfollow(hostId);
  }

  private onHost(host: { id: string; status: string }): void {
    const following = this.followed.has(host.id);
    if (host.status === 'connected' && !following) this.follow(host.id);
    // Leaving "connected" ends the session: its next connection is followed afresh.
    if (host.status !== 'connected' && following) this.unfollow(host.id);
  }

  private unfollow(hostId: string): void {
    const followed = this.followed.get(hostId);
    if (!followed) return;
    followed.disposed = true;
    followed.subscription?.dispose();
    for (const wake of followed.waiters.values()) wake();
    this.followed.delete(hostId);
  }

  private follow(hostId: string): void {
    let subscribed!: () => void;
    const followed: Followed = {
      subscribed: new Promise((resolve) => (subscribed = resolve)),
      reasons: new Map(),
      stops: new Set(),
      queues: new Map(),
      waiters: new Map(),
      disposed: false,
    };
    this.followed.set(hostId, followed);
    void this.subscribe(hostId, followed).finally(subscribed);
  }

  private async subscribe(hostId: string, followed: Followed): Promise<void> {
    try {
      const subscription = await this.deps.port.follow(hostId, {
        guestShutdown: (uuid, reason) => {
          // QEMU sends a second SHUTDOWN ("host-signal") when libvirt ends the process: the first one says why.
          if (!followed.reasons.has(uuid)) followed.reasons.set(uuid, reason);
          followed.waiters.get(uuid)?.();
        },
        stopped: (uuid, how) => {
          followed.stops.add(uuid);
          this.enqueue(hostId, followed, uuid, () => this.decide(hostId, followed, uuid, how));
        },
      });
      if (followed.disposed) return subscription.dispose();
      followed.subscription = subscription;
      // Subscribed first, then looked: a stop in between is seen by both, and the event decides (stoppedUnseen).
      for (const vm of await this.deps.port.marked(hostId)) {
        if (!vm.active) this.enqueue(hostId, followed, vm.uuid, () => this.stoppedUnseen(hostId, followed, vm.uuid, vm.name));
      }
    } catch (error) {
      log.warn(`installer reboots on host ${hostId} are not watched until it reconnects`, error);
    }
  }

  private enqueue(hostId: string, followed: Followed, uuid: string, decision: () => Promise<void>): void {
    const previous = followed.queues.get(uuid) ?? Promise.resolve();
    const next = previous.then(decision).catch((error: unknown) => {
      // Undefined meanwhile (a deploy rolling back, the user deleting it): nothing left to decide about.
      if (error instanceof NotFoundError) return;
      log.error(`installer VM ${uuid} on host ${hostId}: the decision on its stop failed`, error);
    });
    followed.queues.set(uuid, next);
    void next.then(() => {
      if (followed.queues.get(uuid) === next) followed.queues.delete(uuid);
    });
  }

  private async decide(hostId: string, followed: Followed, uuid: string, how: DomainStop): Promise<void> {
    if (!(await this.deps.port.isMarked(hostId, uuid))) {
      followed.reasons.delete(uuid);
      return;
    }
    const reason = how === 'shutdown' ? await this.reasonOf(followed, uuid) : undefined;
    followed.reasons.delete(uuid);
    if (followed.disposed) return;
    await this.deps.port.unmark(hostId, uuid);
    const qemu = reason ? ` (QEMU: ${reason})` : '';
    if (how !== 'shutdown' || !reason || !RESET_REASONS.has(reason)) {
      const why = how === 'shutdown' ? (reason ? `shut down${qemu}` : 'shut down, and QEMU did not say why') : how;
      this.emit({ hostId, uuid, outcome: 'left-off', why: `stopped by a ${why}: not an installer reboot, left off` });
      return;
    }
    try {
      await this.deps.port.start(hostId, uuid);
      this.emit({ hostId, uuid, outcome: 'restarted', why: `the installer rebooted${qemu}: started on its final configuration` });
    } catch (error) {
      this.emit({ hostId, uuid, outcome: 'restart-failed', why: `the installer rebooted${qemu}, and starting it again failed: ${(error as Error).message}` });
    }
  }

  /** A marked VM found shut off at (re)connect: it stopped while nobody watched, so why is unknown. */
  private async stoppedUnseen(hostId: string, followed: Followed, uuid: string, name: string): Promise<void> {
    // Its stop event may still be on its way (events and replies travel apart): let it decide instead.
    await this.wait(followed, uuid);
    if (followed.disposed || followed.stops.has(uuid) || !(await this.deps.port.isMarked(hostId, uuid))) return;
    await this.deps.port.unmark(hostId, uuid);
    this.emit({ hostId, uuid, outcome: 'left-off', why: `${name} stopped while Tandem was not watching: whether its installer rebooted is unknown, left off` });
  }

  /** QEMU's reason for this stop; waits up to the grace for it when the stop came first. */
  private async reasonOf(followed: Followed, uuid: string): Promise<string | undefined> {
    if (!followed.reasons.has(uuid)) await this.wait(followed, uuid);
    return followed.reasons.get(uuid);
  }

  private wait(followed: Followed, uuid: string): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => done(), this.graceMs);
      const done = () => {
        timer.dispose();
        if (followed.waiters.get(uuid) === done) followed.waiters.delete(uuid);
        resolve();
      };
      followed.waiters.set(uuid, done);
    });
  }

  private emit(outcome: InstallerOutcome): void {
    const line = `installer VM ${outcome.uuid} on host ${outcome.hostId}: ${outcome.why}`;
    if (outcome.outcome === 'restart-failed') log.error(line);
    else log.info(line);
    this.decided.emit(outcome);
  }
}
