/**
 * The consoles open in Tandem: one host stream per console, handed to exactly one byte client.
 *
 * `open()` authorises and opens the host stream, and returns a console id plus a one-time ticket; the bytes
 * never cross the JSON contract: a byte channel (the server's /console WebSocket, or an Electron
 * MessagePort) redeems the ticket with `attach()` and carries the stream. A ticket not redeemed in time
 * closes its console, so a client that never attaches leaks nothing. Every console ends exactly once, with a
 * reason (`closed` event): its client went away, the VM stopped, the VM moved to another host (a migration:
 * the event names the host Tandem sees it running on, so the tab can reopen it there), another viewer took
 * it over, the stream ended, or Tandem shut down.
 *
 * A second viewer of the same serial console: libvirt allows one client per console unless forced. Inside
 * Tandem the newer viewer takes the console over (FORCE) and the older tab says so, as `virsh console
 * --force` would; a console held by a program outside Tandem is refused (ConflictError `console.busy`)
 * until the user asks to take it over (`force`). VNC servers accept several clients, so VNC viewers are
 * independent.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { VmState, VmSummary } from '../../../preload/contract';
import { systemClock, type Clock } from '../Clock';
import { Emitter } from '../Emitter';
import { ConflictError, NotFoundError, TandemError } from '../errors';
import type { Disposable } from '../hosts/HostDriver';
import { createLogger } from '../logging';
import type { ConsoleKind, ConsolePort } from './ConsolePort';

const log = createLogger('consoles');

export type ConsoleCloseReason =
  | 'client-closed'
  | 'vm-stopped'
  | 'vm-moved'
  | 'taken-over'
  | 'stream-ended'
  | 'ticket-expired'
  | 'shutdown';

export interface ConsoleClosed {
  consoleId: string;
  hostId: string;
  uuid: string;
  kind: ConsoleKind;
  reason: ConsoleCloseReason;
  message: string;
  /** With `vm-moved`: the host the VM runs on now, when it is one of Tandem's. */
  movedTo?: VmWhereabouts;
}

export interface VmWhereabouts {
  hostId: string;
  hostName: string;
}

/** Where a VM runs (running or paused) on a host other than `notOn`, if Tandem sees it there. */
export type VmLocator = (uuid: string, notOn: string) => VmWhereabouts | undefined;

export interface OpenedConsole {
  consoleId: string;
  /** One-time, short-lived: redeemed by the byte channel with attach(). */
  ticket: string;
  kind: ConsoleKind;
}

/** A console handed to its byte client. */
export interface AttachedConsole {
  consoleId: string;
  kind: ConsoleKind;
  stream: Duplex;
  /** Called once when the console closes, whatever the reason (the client then closes its channel). */
  onClosed(listener: (closed: ConsoleClosed) => void): Disposable;
}

export interface ConsoleHubOptions {
  clock?: Clock;
  /** How long a ticket may wait for its byte client. */
  ticketTtlMs?: number;
  /** Most consoles open at once (each holds a host stream). */
  maxConsoles?: number;
  /**
   * How long after its stream ended a console waits to learn whether its VM stopped; and how long a console
   * of a VM that migrated away waits to see it on its destination host.
   */
  stopGraceMs?: number;
  /** Finds a VM on another host (the inventory): a console whose VM left for it says where it went. */
  locateVm?: VmLocator;
}

export const DEFAULT_TICKET_TTL_MS = 30_000;
export const DEFAULT_MAX_CONSOLES = 32;

interface ConsoleSession {
  consoleId: string;
  hostId: string;
  uuid: string;
  kind: ConsoleKind;
  stream: Duplex;
  ticket: string | undefined;
  ticketTimer: Disposable | undefined;
  /** Set when the hub decided why the console ends, before the stream's own close arrives. */
  closing: ConsoleCloseReason | undefined;
  /** The VM stopped because it migrated away (its host said so). */
  migrated: boolean;
  closedListeners: Emitter<ConsoleClosed>;
}

const MESSAGES: Record<ConsoleCloseReason, string> = {
  'client-closed': 'The console was closed.',
  'vm-stopped': 'The VM stopped.',
  'vm-moved': 'The VM migrated to another host.',
  'taken-over': 'Another viewer took this console over.',
  'stream-ended': 'The console stream ended.',
  'ticket-expired': 'No viewer attached to the console in time.',
  shutdown: 'Tandem is shutting down.',
};

export class ConsoleHub {
  /** Every console that ended, once, with why. */
  readonly closed = new Emitter<ConsoleClosed>();
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly byTicket = new Map<string, ConsoleSession>();
  /** Serial opens in flight per VM, so two quick opens of one console do not race for it. */
  private readonly serialOpening = new Map<string, Promise<unknown>>();
  /** Opens waiting for their host stream: they count against maxConsoles too. */
  private pendingOpens = 0;
  private readonly clock: Clock;
  private readonly ticketTtlMs: number;
  private readonly maxConsoles: number;
  private readonly stopGraceMs: number;
  private readonly locateVm: VmLocator;
  private disposed = false;

  constructor(
    private readonly port: ConsolePort,
    options: ConsoleHubOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.ticketTtlMs = options.ticketTtlMs ?? DEFAULT_TICKET_TTL_MS;
    this.maxConsoles = options.maxConsoles ?? DEFAULT_MAX_CONSOLES;
    this.stopGraceMs = options.stopGraceMs ?? 1500;
    this.locateVm = options.locateVm ?? (() => undefined);
  }

  /** Open consoles (attached or waiting for their client). */
  get openCount(): number {
    return this.sessions.size;
  }

  async open(request: { hostId: string; uuid: string; kind: ConsoleKind; force?: boolean }): Promise<OpenedConsole> {
    if (this.disposed) throw new ConflictError('console.shutting-down', 'Tandem is shutting down');
    if (this.sessions.size + this.pendingOpens >= this.maxConsoles) {
      throw new ConflictError('console.too-many', `At most ${this.maxConsoles} consoles can be open at once; close one first`, {
        details: { max: this.maxConsoles },
      });
    }
    const { hostId, uuid, kind } = request;
    let stream: Duplex;
    this.pendingOpens++;
    try {
      stream = kind === 'serial' ? await this.openSerial(hostId, uuid, request.force ?? false) : await this.port.openGraphics(hostId, uuid);
    } finally {
      this.pendingOpens--;
    }
    if (this.disposed) {
      stream.destroy();
      throw new ConflictError('console.shutting-down', 'Tandem is shutting down');
    }
    const session: ConsoleSession = {
      consoleId: newId(),
      hostId,
      uuid,
      kind,
      stream,
      ticket: newId(),
      ticketTimer: undefined,
      closing: undefined,
      migrated: false,
      closedListeners: new Emitter<ConsoleClosed>(),
    };
    this.sessions.set(session.consoleId, session);
    this.byTicket.set(session.ticket!, session);
    session.ticketTimer = this.clock.setTimeout(() => this.close(session.consoleId, 'ticket-expired'), this.ticketTtlMs);
    // Until a client attaches nobody reads: pause so a chatty console buffers little (the host side then
    // applies its own flow control), and never lose the stream's error.
    stream.pause();
    stream.on('error', (error: Error) => log.info(`console ${session.consoleId} (${kind} of ${uuid}): ${error.message}`));
    stream.once('close', () => void this.streamClosed(session));
    return { consoleId: session.consoleId, ticket: session.ticket!, kind };
  }

  /** Redeems a ticket (once): the console for the byte client, or undefined for an unknown or used ticket. */
  attach(ticket: string): AttachedConsole | undefined {
    const session = this.byTicket.get(ticket);
    if (!session || session.closing) return undefined;
    this.byTicket.delete(ticket);
    session.ticket = undefined;
    session.ticketTimer?.dispose();
    session.ticketTimer = undefined;
    return {
      consoleId: session.consoleId,
      kind: session.kind,
      stream: session.stream,
      onClosed: (listener) => session.closedListeners.on(listener),
    };
  }

  /** Closes a console (its client asked, or went away). Unknown ids: NotFoundError. */
  closeConsole(consoleId: string): void {
    if (!this.sessions.has(consoleId)) {
      throw new NotFoundError('console.not-found', `Console ${consoleId} is not open`, { details: { consoleId } });
    }
    this.close(consoleId, 'client-closed');
  }

  /**
   * Closes every console of a VM that stopped or disappeared from `hostId`. Where Tandem sees the VM running
   * on another host, its consoles say it moved there; `migrated` (libvirt's shut-off reason) says it moved
   * even before, or without, Tandem seeing it arrive.
   */
  vmStopped(hostId: string, uuid: string, options: { migrated?: boolean } = {}): void {
    for (const session of [...this.sessions.values()]) {
      if (session.hostId !== hostId || session.uuid !== uuid) continue;
      if (options.migrated) session.migrated = true;
      // A stream that already ended on its own is still being classified: this settles why.
      if (session.closing === 'stream-ended') session.closing = 'vm-stopped';
      else this.close(session.consoleId, 'vm-stopped');
    }
  }

  close(consoleId: string, reason: ConsoleCloseReason): void {
    const session = this.sessions.get(consoleId);
    if (!session || session.closing) return;
    session.closing = reason;
    session.stream.destroy();
    // The stream's 'close' completes the bookkeeping (streamClosed).
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const closing = [...this.sessions.values()].map(
      (s) => new Promise<void>((resolve) => (s.stream.closed ? resolve() : s.stream.once('close', () => resolve()))),
    );
    for (const id of [...this.sessions.keys()]) this.close(id, 'shutdown');
    await Promise.all(closing);
    await Promise.allSettled(this.serialOpening.values());
  }

  private async openSerial(hostId: string, uuid: string, force: boolean): Promise<Duplex> {
    const key = `${hostId}/${uuid}`;
    for (let pending = this.serialOpening.get(key); pending; pending = this.serialOpening.get(key)) {
      await pending.catch(() => undefined);
    }
    const opening = (async () => {
      const ours = [...this.sessions.values()].filter((s) => s.kind === 'serial' && s.hostId === hostId && s.uuid === uuid && !s.closing);
      // Our own older viewer holds libvirt's console: take it over rather than refuse our own user.
      for (const s of ours) s.closing = 'taken-over';
      try {
        const stream = await this.port.openSerial(hostId, uuid, { force: force || ours.length > 0 });
        for (const s of ours) s.stream.destroy();
        return stream;
      } catch (error) {
        for (const s of ours) if (s.closing === 'taken-over') s.closing = undefined;
        throw error;
      }
    })();
    this.serialOpening.set(key, opening);
    try {
      return await opening;
    } finally {
      this.serialOpening.delete(key);
    }
  }

  /**
   * The host a stopped console's VM runs on now, if Tandem sees it on one. A live migration's destination
   * domain exists (paused) from the migration's start, so the inventory usually knows it before the source
   * stops; one that migrated but is not seen yet gets the grace period, as the hosts' events come over
   * separate connections in no set order.
   */
  private async whereItWent(session: ConsoleSession): Promise<VmWhereabouts | undefined> {
    const found = this.locateVm(session.uuid, session.hostId);
    if (found || !session.migrated) return found;
    await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.stopGraceMs));
    return this.locateVm(session.uuid, session.hostId);
  }

  private async streamClosed(session: ConsoleSession): Promise<void> {
    if (!this.sessions.has(session.consoleId)) return;
    let reason = session.closing;
    if (!reason) {
      // The host ended it. When the VM stopped (destroyed, shut down, crashed) say so rather than "ended";
      // the stream often ends a moment before libvirt reports the VM inactive, so ask again after a grace
      // period, unless the inventory's event (vmStopped) settles it meanwhile.
      session.closing = 'stream-ended';
      const active = () =>
        this.port.isVmActive(session.hostId, session.uuid).catch((error: unknown) => {
          if (error instanceof TandemError && error.kind === 'NotFound') return false;
          return true; // the host is unreachable or the check failed: all we know is that the stream ended
        });
      let stopped = !(await active());
      if (!stopped) {
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.stopGraceMs));
        stopped = (session.closing as ConsoleCloseReason) === 'vm-stopped' || !(await active());
      }
      reason = stopped ? 'vm-stopped' : 'stream-ended';
    }
    let movedTo: VmWhereabouts | undefined;
    if (reason === 'vm-stopped') {
      movedTo = await this.whereItWent(session);
      if (movedTo || session.migrated) reason = 'vm-moved';
    }
    this.sessions.delete(session.consoleId);
    if (session.ticket) this.byTicket.delete(session.ticket);
    session.ticketTimer?.dispose();
    const closed: ConsoleClosed = {
      consoleId: session.consoleId,
      hostId: session.hostId,
      uuid: session.uuid,
      kind: session.kind,
      reason,
      message: movedTo ? `The VM moved to ${movedTo.hostName}.` : MESSAGES[reason],
      ...(movedTo ? { movedTo } : {}),
    };
    session.closedListeners.emit(closed);
    this.closed.emit(closed);
  }
}

const ACTIVE_STATES: ReadonlySet<VmState> = new Set(['running', 'paused', 'blocked']);

/** A VmLocator over the inventory: the VM running or paused on another host, by the host's name. */
export function inventoryLocator(vms: { list(): VmSummary[] }, hosts: { get(hostId: string): { name: string } }): VmLocator {
  return (uuid, notOn) => {
    const vm = vms.list().find((v) => v.uuid === uuid && v.hostId !== notOn && ACTIVE_STATES.has(v.state));
    return vm ? { hostId: vm.hostId, hostName: hosts.get(vm.hostId).name } : undefined;
  };
}

function newId(): string {
  return randomBytes(18).toString('base64url');
}
