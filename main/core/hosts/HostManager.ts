/**
 * The set of hosts Tandem manages and their connections: connect, notice when a connection drops, reconnect
 * with exponential backoff and jitter, and report a clear per-host status. A host that is down never blocks
 * anything else: every connection attempt is bounded by a timeout and runs independently.
 */
import type { HostStatus, HostSummary } from '../../../preload/contract';
import { systemClock, type Clock } from '../Clock';
import { Emitter } from '../Emitter';
import {
  AuthFailedError,
  ConflictError,
  HostUnreachableError,
  NotFoundError,
  OperationFailedError,
  TandemError,
  UnsupportedError,
} from '../errors';
import { createLogger } from '../logging';
import type { CredentialAttempt, HostCredentialSource } from './HostCredentials';
import type { CredentialPrompt, Disposable, HostDriver, HostFacts, HostSession } from './HostDriver';
import type { HostConfigStore } from './HostConfigStore';
import { defaultHostName, hostIdForUri, parseHostUri } from './hostUri';

const log = createLogger('hosts');

export type HostKind = HostSummary['kind'];

export interface HostManagerOptions {
  drivers: HostDriver[];
  /** Where user-added hosts are persisted; omitted in tests that don't need it. */
  config?: HostConfigStore;
  clock?: Clock;
  /** Bound on one connection attempt (unreachable TCP hosts can otherwise hang for minutes). */
  connectTimeoutMs?: number;
  /** Backoff: first retry after this, doubling up to maxRetryMs; each delay jittered to 50-100%. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  random?: () => number;
  /** Answers credential prompts (keychain, then the user); without it a host that asks is refused. */
  credentials?: HostCredentialSource;
}

interface HostEntry {
  id: string;
  name: string;
  uri: string;
  kind: HostKind;
  /** Persisted in the config file (user-added), as opposed to the demo and auto-detected local host. */
  persisted: boolean;
  status: HostStatus;
  statusReason: string | undefined;
  facts: HostFacts | undefined;
  session: HostSession | undefined;
  sessionSubscriptions: Disposable[];
  retryTimer: Disposable | undefined;
  attempt: number;
  /** Increments on each connect; a late result from an older attempt is discarded. */
  generation: number;
  /**
   * The driver's connect that is still running, even if we stopped waiting for it (timeout). A blocking
   * connect to a host that drops packets can outlast our timeout by minutes; starting another one meanwhile
   * would pile blocked threads onto the shared pool that every other host needs.
   */
  dialing: Promise<void> | undefined;
  /** A credential prompt is waiting for the user: the connect timeout does not run meanwhile. */
  waitingForUser: number;
  removed: boolean;
}

export interface HostSessionOpened {
  hostId: string;
  session: HostSession;
}

export class HostManager {
  private readonly hosts = new Map<string, HostEntry>();
  private readonly clock: Clock;
  private readonly connectTimeoutMs: number;
  private readonly firstRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly random: () => number;

  readonly hostChanged = new Emitter<HostSummary>();
  readonly hostRemoved = new Emitter<string>();
  /** A host (re)connected: consumers attach to the new session. */
  readonly sessionOpened = new Emitter<HostSessionOpened>();
  /** A host's session ended (dropped, closed or host removed). */
  readonly sessionClosed = new Emitter<string>();

  constructor(private readonly options: HostManagerOptions) {
    this.clock = options.clock ?? systemClock;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.firstRetryMs = options.firstRetryMs ?? 1_000;
    this.maxRetryMs = options.maxRetryMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  list(): HostSummary[] {
    return [...this.hosts.values()].map(toSummary);
  }

  get(hostId: string): HostSummary {
    return toSummary(this.entry(hostId));
  }

  has(hostId: string): boolean {
    return this.hosts.has(hostId);
  }

  /** The live session of a connected host, or a HostUnreachableError saying why there is none. */
  session(hostId: string): HostSession {
    const entry = this.entry(hostId);
    if (!entry.session || entry.status !== 'connected') {
      throw new HostUnreachableError(
        'host.not-connected',
        `Host "${entry.name}" is not connected${entry.statusReason ? `: ${entry.statusReason}` : ''}`,
        { details: { hostId, status: entry.status } },
      );
    }
    return entry.session;
  }

  /**
   * Adds a host the user asked for, and connects to it. A host that cannot be reached or refuses our
   * credentials is not added: the error says why, and nothing is persisted.
   */
  async add(uri: string, name?: string): Promise<HostSummary> {
    const parsed = parseHostUri(uri);
    const duplicate = [...this.hosts.values()].find((h) => h.uri === parsed.uri);
    if (duplicate) {
      throw new ConflictError('host.duplicate', `Host ${parsed.uri} is already added as "${duplicate.name}"`, {
        details: { field: 'uri', hostId: duplicate.id },
      });
    }
    const entry = this.createEntry({
      id: hostIdForUri(parsed.uri, new Set(this.hosts.keys())),
      name: name?.trim() || defaultHostName(parsed.uri),
      uri: parsed.uri,
      kind: 'libvirt',
      persisted: true,
    });
    try {
      await this.connect(entry, { retryOnFailure: false });
    } catch (error) {
      if (!entry.removed) this.forget(entry);
      throw error;
    }
    if (entry.removed) {
      throw new ConflictError('host.removed-while-adding', `Host ${parsed.uri} was removed while it was being added`, {
        details: { field: 'uri' },
      });
    }
    try {
      await this.persist();
    } catch (error) {
      // A host the user cannot find again after a restart must not look added: undo it, say why.
      this.forget(entry);
      await this.closeSession(entry);
      throw new OperationFailedError('host.save-failed', `Host ${parsed.uri} was not added: saving the host list failed (${String(error)})`, {
        details: { field: 'uri' },
        cause: error,
      });
    }
    return toSummary(entry);
  }

  /**
   * Registers a host that Tandem found or was configured with (demo, local, saved hosts) and connects in
   * the background: failures show as the host's status and are retried.
   */
  register(host: { id?: string; uri: string; name?: string; kind: HostKind; persisted: boolean }): HostSummary {
    const existing = [...this.hosts.values()].find((h) => h.uri === host.uri);
    if (existing) return toSummary(existing);
    const entry = this.createEntry({
      id: host.id ?? hostIdForUri(host.uri, new Set(this.hosts.keys())),
      name: host.name ?? defaultHostName(host.uri),
      uri: host.uri,
      kind: host.kind,
      persisted: host.persisted,
    });
    void this.connect(entry, { retryOnFailure: true }).catch(() => undefined); // reported through status
    return toSummary(entry);
  }

  /** Waits until every registered host has finished its current connection attempt. */
  async settled(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => this.pending.get(h.id)));
  }

  async remove(hostId: string): Promise<void> {
    const entry = this.entry(hostId);
    this.forget(entry);
    await this.closeSession(entry);
    if (entry.persisted) await this.persist();
    await this.options.credentials?.forgetHost(entry.id);
  }

  /**
   * Renames a user-added host and/or points it at another URI. A new URI is validated first (malformed,
   * unsupported or already used by another host: refused, nothing changed), then the host reconnects to it
   * in the background, its stored credentials forgotten (they belonged to the old address).
   */
  async update(hostId: string, changes: { name?: string; uri?: string }): Promise<HostSummary> {
    const entry = this.entry(hostId);
    if (!entry.persisted) {
      throw new UnsupportedError('host.not-editable', `Host "${entry.name}" is built in; only hosts you added can be edited`, {
        details: { hostId },
      });
    }
    const uri = changes.uri === undefined ? entry.uri : parseHostUri(changes.uri).uri;
    if (uri !== entry.uri) {
      this.driverFor(uri);
      const duplicate = [...this.hosts.values()].find((h) => h.uri === uri && h !== entry);
      if (duplicate) {
        throw new ConflictError('host.duplicate', `Host ${uri} is already added as "${duplicate.name}"`, {
          details: { field: 'uri', hostId: duplicate.id },
        });
      }
    }
    const name = changes.name?.trim() || entry.name;
    if (uri === entry.uri && name === entry.name) return toSummary(entry);
    const previous = { name: entry.name, uri: entry.uri };
    entry.name = name;
    entry.uri = uri;
    try {
      await this.persist();
    } catch (error) {
      Object.assign(entry, previous);
      throw new OperationFailedError('host.save-failed', `Host "${previous.name}" was not changed: saving the host list failed (${String(error)})`, {
        cause: error,
      });
    }
    if (uri === previous.uri) {
      this.hostChanged.emit(toSummary(entry));
      return toSummary(entry);
    }
    entry.attempt = 0;
    entry.facts = undefined;
    await this.closeSession(entry);
    await this.options.credentials?.forgetHost(entry.id);
    void this.connect(entry, { retryOnFailure: true }).catch(() => undefined); // reported through status
    return toSummary(entry);
  }

  /** Connects now (cancelling any scheduled retry); resolves with the resulting status. */
  async reconnect(hostId: string): Promise<HostSummary> {
    const entry = this.entry(hostId);
    entry.attempt = 0;
    await this.closeSession(entry);
    await this.connect(entry, { retryOnFailure: true }).catch(() => undefined);
    return toSummary(entry);
  }

  async dispose(): Promise<void> {
    const entries = [...this.hosts.values()];
    for (const entry of entries) {
      entry.removed = true;
      entry.retryTimer?.dispose();
    }
    await Promise.all(entries.map((entry) => this.closeSession(entry)));
    this.hosts.clear();
  }

  // -------------------------------------------------------------------------------------------------------

  private readonly pending = new Map<string, Promise<void>>();

  private createEntry(init: Pick<HostEntry, 'id' | 'name' | 'uri' | 'kind' | 'persisted'>): HostEntry {
    const entry: HostEntry = {
      ...init,
      status: 'connecting',
      statusReason: undefined,
      facts: undefined,
      session: undefined,
      sessionSubscriptions: [],
      retryTimer: undefined,
      attempt: 0,
      generation: 0,
      dialing: undefined,
      waitingForUser: 0,
      removed: false,
    };
    this.hosts.set(entry.id, entry);
    this.hostChanged.emit(toSummary(entry));
    return entry;
  }

  private entry(hostId: string): HostEntry {
    const entry = this.hosts.get(hostId);
    if (!entry) throw new NotFoundError('host.not-found', `No host with id "${hostId}"`, { details: { hostId } });
    return entry;
  }

  private forget(entry: HostEntry): void {
    entry.removed = true;
    entry.retryTimer?.dispose();
    this.hosts.delete(entry.id);
    this.hostRemoved.emit(entry.id);
  }

  private driverFor(uri: string): HostDriver {
    const driver = this.options.drivers.find((d) => d.handles(uri));
    if (!driver) throw new UnsupportedError('host.no-driver', `No driver in this build handles ${uri}`);
    return driver;
  }

  private connect(entry: HostEntry, { retryOnFailure }: { retryOnFailure: boolean }): Promise<void> {
    const attempt = this.attemptConnect(entry, retryOnFailure);
    this.pending.set(
      entry.id,
      attempt.catch(() => undefined),
    );
    return attempt;
  }

  private async attemptConnect(entry: HostEntry, retryOnFailure: boolean): Promise<void> {
    entry.retryTimer?.dispose();
    entry.retryTimer = undefined;
    const generation = ++entry.generation;
    this.setStatus(entry, 'connecting', undefined);
    // An earlier attempt may still be dialing after we gave up on it: never run two at once per host.
    if (entry.dialing) await entry.dialing;
    if (entry.removed || generation !== entry.generation) return;
    let session: HostSession | undefined;
    const credentials = this.options.credentials?.forAttempt(
      { id: entry.id, name: entry.name, uri: entry.uri },
      { askingUser: () => this.setStatus(entry, 'connecting', 'waiting for credentials') },
    );
    try {
      const dial = this.driverFor(entry.uri).connect(entry.uri, { credentials: credentials && this.userPrompt(entry, credentials) });
      let abandoned = false;
      const dialing = dial.then(
        // A session that arrives after we stopped waiting for it is closed, not leaked.
        async (late) => {
          if (abandoned) await late.close().catch(() => undefined);
        },
        () => undefined,
      );
      entry.dialing = dialing;
      void dialing.then(() => {
        if (entry.dialing === dialing) entry.dialing = undefined;
      });
      session = await this.withTimeout(dial, entry).catch((error: unknown) => {
        abandoned = true;
        throw error;
      });
      const facts = await this.withTimeout(session.facts(), entry);
      if (entry.removed || generation !== entry.generation) {
        await credentials?.finish('failed');
        await session.close();
        return;
      }
      await credentials?.finish('connected');
      entry.session = session;
      entry.facts = facts;
      entry.attempt = 0;
      entry.sessionSubscriptions = [
        session.onLost((reason) => {
          if (entry.session === session) this.onLost(entry, reason);
        }),
      ];
      this.setStatus(entry, 'connected', undefined);
      log.info(`connected to ${entry.uri} (${facts.hypervisor})`);
      this.sessionOpened.emit({ hostId: entry.id, session });
    } catch (error) {
      if (session && entry.session !== session) await session.close().catch(() => undefined);
      const typed = credentials?.declined() ?? toConnectError(entry, error);
      const authFailed = typed instanceof AuthFailedError;
      const note = await credentials?.finish(authFailed ? 'auth-failed' : 'failed');
      if (entry.removed || generation !== entry.generation) return;
      this.setStatus(entry, authFailed ? 'auth-failed' : 'unreachable', note ? `${typed.message} (${note})` : typed.message);
      // Wrong credentials won't get better by retrying; the user fixes them and reconnects.
      if (retryOnFailure && !(typed instanceof AuthFailedError)) this.scheduleRetry(entry);
      throw typed;
    }
  }

  /** The attempt's prompt, with the connect timeout held while the user is being asked. */
  private userPrompt(entry: HostEntry, credentials: CredentialAttempt): CredentialPrompt {
    return async (requests) => {
      entry.waitingForUser++;
      try {
        return await credentials.prompt(requests);
      } finally {
        entry.waitingForUser--;
      }
    };
  }

  private onLost(entry: HostEntry, reason: string): void {
    log.warn(`lost connection to ${entry.uri}: ${reason}`);
    void this.closeSession(entry);
    this.setStatus(entry, 'unreachable', reason);
    this.scheduleRetry(entry);
  }

  private scheduleRetry(entry: HostEntry): void {
    if (entry.removed) return;
    const base = Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** entry.attempt);
    const delay = Math.round(base * (0.5 + this.random() * 0.5));
    entry.attempt++;
    entry.retryTimer?.dispose();
    entry.retryTimer = this.clock.setTimeout(() => {
      entry.retryTimer = undefined;
      void this.connect(entry, { retryOnFailure: true }).catch(() => undefined);
    }, delay);
  }

  private async closeSession(entry: HostEntry): Promise<void> {
    const session = entry.session;
    if (!session) return;
    entry.session = undefined;
    for (const sub of entry.sessionSubscriptions) sub.dispose();
    entry.sessionSubscriptions = [];
    this.sessionClosed.emit(entry.id);
    await session.close().catch((error: unknown) => log.warn(`closing ${entry.uri} failed`, error));
  }

  private setStatus(entry: HostEntry, status: HostStatus, reason: string | undefined): void {
    if (entry.status === status && entry.statusReason === reason && status !== 'connected') return;
    entry.status = status;
    entry.statusReason = reason;
    if (!entry.removed) this.hostChanged.emit(toSummary(entry));
  }

  private withTimeout<T>(promise: Promise<T>, entry: HostEntry): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: Disposable;
      const expire = () => {
        // The user is typing a password: the host is waiting for us, not the other way round.
        if (entry.waitingForUser > 0) {
          timer = this.clock.setTimeout(expire, this.connectTimeoutMs);
          return;
        }
        reject(
          new HostUnreachableError(
            'host.connect-timeout',
            `${entry.uri} did not answer within ${Math.round(this.connectTimeoutMs / 1000)} s`,
            { details: { hostId: entry.id } },
          ),
        );
      };
      timer = this.clock.setTimeout(expire, this.connectTimeoutMs);
      promise.then(
        (value) => {
          timer.dispose();
          resolve(value);
        },
        (error: unknown) => {
          timer.dispose();
          reject(error);
        },
      );
    });
  }

  private async persist(): Promise<void> {
    if (!this.options.config) return;
    const stored = [...this.hosts.values()].filter((h) => h.persisted).map(({ id, name, uri }) => ({ id, name, uri }));
    await this.options.config.save(stored);
  }
}

function toConnectError(entry: HostEntry, error: unknown): TandemError {
  if (error instanceof TandemError) return error;
  return new HostUnreachableError('host.connect-failed', `Could not connect to ${entry.uri}: ${String(error)}`, {
    details: { hostId: entry.id },
    cause: error,
  });
}

function toSummary(entry: HostEntry): HostSummary {
  return {
    id: entry.id,
    name: entry.name,
    uri: entry.uri,
    kind: entry.kind,
    status: entry.status,
    ...(entry.statusReason ? { statusReason: entry.statusReason } : {}),
    ...(entry.facts
      ? {
          hostname: entry.facts.hostname,
          hypervisor: entry.facts.hypervisor,
          libvirtVersion: entry.facts.libvirtVersion,
          cpus: entry.facts.cpus,
          memoryKiB: entry.facts.memoryKiB,
        }
      : {}),
  };
}
