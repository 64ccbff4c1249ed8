/**
 * Watches the VMs Tandem just deployed until their first address is known. A deploy job waits a bounded time
 * for it (Deployer's `addressTimeoutMs`); a guest that takes longer (a slow first boot, cloud-init still
 * running, a network whose DHCP is slow) ends the job "running, address not known yet", and this watch goes
 * on polling (every `pollMs`, for `watchMs` in all) and announces the addresses on `found` when they appear,
 * as virt-manager's and Boxes' details fill in the IP once the guest has one. A watch ends at the first
 * addresses, when the VM no longer exists, at its deadline, or on stop().
 */
import { systemClock, type Clock } from '../Clock';
import { Emitter } from '../Emitter';
import { NotFoundError, TandemError } from '../errors';
import type { Disposable } from '../hosts/HostDriver';
import { createLogger } from '../logging';
import type { GuestAddressPort } from './GuestAddressPort';
import type { GuestAddress, GuestAddressesChange } from './guestAddressSchemas';

const log = createLogger('guest-addresses');

export interface GuestAddressWatcherOptions {
  port: GuestAddressPort;
  clock?: Clock;
  /** Between two reads of a watched VM (default 2 s). */
  pollMs?: number;
  /** How long a VM is watched in all, from watch() (default 10 min). */
  watchMs?: number;
}

export interface GuestAddressWatch {
  /** The first addresses found; [] when the watch ended without any (deadline, VM gone, stop()). */
  readonly first: Promise<GuestAddress[]>;
  stop(): void;
}

interface Entry {
  hostId: string;
  uuid: string;
  deadline: number;
  timer: Disposable | undefined;
  /** Ends the watch at its deadline even while a read hangs (a host that stopped answering). */
  deadlineTimer: Disposable | undefined;
  done: boolean;
  resolve: (addresses: GuestAddress[]) => void;
  handle: GuestAddressWatch;
  lastError: string | undefined;
}

export class GuestAddressWatcher {
  /** A watched VM's addresses became known. */
  readonly found = new Emitter<GuestAddressesChange>();
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly pollMs: number;
  /** How long a VM is watched in all (what a caller tells the user). */
  readonly watchMs: number;

  constructor(private readonly options: GuestAddressWatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.pollMs = options.pollMs ?? 2_000;
    this.watchMs = options.watchMs ?? 10 * 60_000;
  }

  /** The VM's addresses now (see GuestAddressPort.addresses). */
  read(hostId: string, uuid: string): Promise<GuestAddress[]> {
    return this.options.port.addresses(hostId, uuid);
  }

  /** Starts watching the VM (or joins the watch already running for it); the first read is immediate. */
  watch(hostId: string, uuid: string): GuestAddressWatch {
    const key = `${hostId}\u0000${uuid}`;
    const running = this.entries.get(key);
    if (running) return running.handle;
    let resolve!: (addresses: GuestAddress[]) => void;
    const first = new Promise<GuestAddress[]>((r) => (resolve = r));
    const entry: Entry = {
      hostId,
      uuid,
      deadline: this.clock.now() + this.watchMs,
      timer: undefined,
      deadlineTimer: undefined,
      done: false,
      resolve,
      handle: { first, stop: () => this.finish(key, entry, []) },
      lastError: undefined,
    };
    this.entries.set(key, entry);
    entry.deadlineTimer = this.clock.setTimeout(() => this.finish(key, entry, []), this.watchMs);
    void this.poll(key, entry);
    return entry.handle;
  }

  /** VMs being watched, as `hostId/uuid` (for tests and diagnostics). */
  watching(): string[] {
    return [...this.entries.values()].map((e) => `${e.hostId}/${e.uuid}`);
  }

  dispose(): void {
    for (const [key, entry] of [...this.entries]) this.finish(key, entry, []);
  }

  private async poll(key: string, entry: Entry): Promise<void> {
    entry.timer = undefined;
    try {
      const addresses = await this.options.port.addresses(entry.hostId, entry.uuid);
      if (entry.done) return;
      if (addresses.length > 0) {
        this.finish(key, entry, addresses);
        this.found.emit({ hostId: entry.hostId, uuid: entry.uuid, addresses });
        return;
      }
    } catch (error) {
      if (entry.done) return;
      if (error instanceof NotFoundError) {
        this.finish(key, entry, []);
        return;
      }
      // A host that dropped comes back (the host manager reconnects it): keep going until the deadline,
      // saying each new failure once rather than every poll.
      const message = error instanceof TandemError || error instanceof Error ? error.message : String(error);
      if (message !== entry.lastError) log.warn(`reading the addresses of VM ${entry.uuid} on host ${entry.hostId} failed: ${message}`);
      entry.lastError = message;
    }
    if (this.clock.now() >= entry.deadline) {
      this.finish(key, entry, []);
      return;
    }
    entry.timer = this.clock.setTimeout(() => void this.poll(key, entry), this.pollMs);
  }

  private finish(key: string, entry: Entry, addresses: GuestAddress[]): void {
    if (entry.done) return;
    entry.done = true;
    entry.timer?.dispose();
    entry.deadlineTimer?.dispose();
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.resolve(addresses);
  }
}
