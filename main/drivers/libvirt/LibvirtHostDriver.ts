/**
 * HostDriver for libvirt URIs (qemu://, qemu+ssh://, qemu+tls://, test://), on the native binding.
 * Each HostSession owns one libvirt connection, its keepalive, its close callback and one lifecycle event
 * registration; close() releases all of them.
 */
import {
  openConnection,
  formatVersion,
  subscribeDomainEvents,
  virConnectCloseReason,
  virDomainEventID,
  type Connection,
  type CredentialRequest,
  type Domain,
  type DomainEvent,
  type Subscription,
} from '../../../native-helpers/libvirt/lib/index';
import { Emitter } from '../../core/Emitter';
import { HostUnreachableError, NotFoundError, UnsupportedError } from '../../core/errors';
import type {
  CredentialPrompt,
  Disposable,
  HostDriver,
  HostFacts,
  HostSession,
  VmAction,
  VmChange,
  VmRecord,
} from '../../core/hosts/HostDriver';
import { createLogger } from '../../core/logging';
import { reasonName, stateName } from './domainState';
import { readVmTags } from './vmTagsMetadata';
import { mapLibvirtError, mapped } from './mapLibvirtError';
import { withDomain } from './withDomain';

const log = createLogger('libvirt-host');

/** Keepalive: a probe every 5 s, the connection declared dead after 3 unanswered (about 15-20 s). */
const KEEPALIVE_INTERVAL_S = 5;
const KEEPALIVE_COUNT = 3;

const CLOSE_REASONS: Record<number, string> = {
  [virConnectCloseReason.VIR_CONNECT_CLOSE_REASON_ERROR]: 'connection error',
  [virConnectCloseReason.VIR_CONNECT_CLOSE_REASON_EOF]: 'the daemon closed the connection',
  [virConnectCloseReason.VIR_CONNECT_CLOSE_REASON_KEEPALIVE]: 'the host stopped answering (keepalive timeout)',
  [virConnectCloseReason.VIR_CONNECT_CLOSE_REASON_CLIENT]: 'closed by the client',
};

/** Seams for tests: a scripted fault in one libvirt call, the rest real. */
export interface LibvirtHostDriverOptions {
  readTags?: (d: Domain) => Promise<string[]>;
  subscribe?: typeof subscribeDomainEvents;
}

export class LibvirtHostDriver implements HostDriver {
  constructor(private readonly options: LibvirtHostDriverOptions = {}) {}

  handles(uri: string): boolean {
    return /^(qemu|test)(\+[a-z0-9]+)?:\/\//i.test(uri);
  }

  async connect(uri: string, options: { credentials?: CredentialPrompt }): Promise<HostSession> {
    let conn: Connection;
    try {
      conn = await openConnection(uri, {
        auth: options.credentials ? toAuthCallback(options.credentials) : undefined,
        // Keepalive can close a connection under waiting calls, which crashes libvirt 9.0's client when two
        // wait: one call at a time on every daemon connection (see the binding's README, "Call gate").
        serializeCalls: needsCallGate(uri),
      });
    } catch (error) {
      throw mapLibvirtError(error, { connecting: true, details: { uri } });
    }
    try {
      return await LibvirtHostSession.start(conn, this.options);
    } catch (error) {
      await conn.close().catch(() => undefined);
      throw mapLibvirtError(error, { connecting: true, details: { uri } });
    }
  }
}

/**
 * Every connection that goes through libvirt's remote client to a daemon: remote transports, and the local
 * unix socket too (qemu:///system answers over the same client, with keepalive, so a hung local daemon is
 * the same hazard). Only `test:///...` without a transport runs in-process, with nothing to wait on.
 */
export function needsCallGate(uri: string): boolean {
  return !/^test:\/\//i.test(uri.trim());
}

function toAuthCallback(prompt: CredentialPrompt) {
  return (requests: CredentialRequest[]) =>
    prompt(requests.map((r) => ({ kind: r.typeName, prompt: r.prompt, defaultValue: r.defaultResult })));
}

/**
 * The binding connection behind a session, for the capability adapters of this folder (monitoring, consoles,
 * migration, ...): core sees only HostSession and the ports each capability declares, never the binding.
 */
export function libvirtConnectionOf(session: HostSession): Connection {
  if (!(session instanceof LibvirtHostSession)) {
    throw new UnsupportedError('host.not-libvirt', 'This host is not managed through libvirt');
  }
  return session.connection;
}

/**
 * The raw lifecycle events (type, detail) of a session's connection, for the capability adapters of this
 * folder: libvirt lets a connection hold one lifecycle callback, and the session holds it.
 */
export function libvirtLifecycleOf(session: HostSession): Emitter<DomainEvent> {
  if (!(session instanceof LibvirtHostSession)) {
    throw new UnsupportedError('host.not-libvirt', 'This host is not managed through libvirt');
  }
  return session.lifecycleEvents;
}

class LibvirtHostSession implements HostSession {
  private readonly vmChanges = new Emitter<VmChange>();
  readonly lifecycleEvents = new Emitter<DomainEvent>();
  private readonly lost = new Emitter<string>();
  private lifecycle: Subscription | undefined;
  private metadata: Subscription | undefined;
  private closing = false;
  /** VMs whose tags could not be read, with the reason already logged (logged once, not at every listing). */
  private readonly tagFailuresLogged = new Set<string>();

  private constructor(
    private readonly conn: Connection,
    private readonly readTags: (d: Domain) => Promise<string[]>,
  ) {}

  get connection(): Connection {
    return this.conn;
  }

  static async start(conn: Connection, options: LibvirtHostDriverOptions = {}): Promise<LibvirtHostSession> {
    const subscribe = options.subscribe ?? subscribeDomainEvents;
    const session = new LibvirtHostSession(conn, options.readTags ?? readVmTags);
    try {
      await conn.setKeepAlive(KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
    } catch (error) {
      // Local drivers (test://, and qemu:/// over a unix socket on some versions) have no keepalive;
      // a dead local daemon is still noticed through the close callback.
      if (!(mapLibvirtError(error) instanceof UnsupportedError)) throw error;
    }
    await conn.registerCloseCallback(({ reason }) => {
      if (!session.closing) session.lost.emit(CLOSE_REASONS[reason] ?? `connection closed (reason ${reason})`);
    });
    session.lifecycle = await subscribe(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (event) => {
      // Every lifecycle event (started, stopped, defined, undefined, ...) means "re-read this VM": the
      // inventory then finds its new state, or that it is gone.
      session.vmChanges.emit({ uuid: event.uuid, removed: false });
      session.lifecycleEvents.emit(event);
    });
    // Tags live in the domain's metadata: a change made elsewhere (virsh, another Tandem) re-reads the VM.
    // Best effort: a daemon older than the event (libvirt < 3.0 answers "unsupported event ID") still
    // connects; tags changed elsewhere then show at the next re-read of the VM.
    try {
      session.metadata = await subscribe(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, (event) => {
        session.vmChanges.emit({ uuid: event.uuid, removed: false });
      });
    } catch (error) {
      if (mapLibvirtError(error) instanceof HostUnreachableError) throw error;
      log.warn(`this host does not report metadata changes (${errorMessage(error)}): tags changed outside Tandem show at the next re-read`);
    }
    return session;
  }

  async facts(): Promise<HostFacts> {
    return mapped(async () => {
      const [hostname, type, version, libVersion, node] = await Promise.all([
        this.conn.getHostname(),
        this.conn.getType(),
        this.conn.getVersion(),
        this.conn.getLibVersion(),
        this.conn.getNodeInfo(),
      ]);
      return {
        hostname,
        hypervisor: `${type} ${formatVersion(version)}`,
        libvirtVersion: formatVersion(libVersion),
        cpus: node.cpus,
        memoryKiB: node.memoryKiB,
      };
    });
  }

  async listVms(): Promise<VmRecord[]> {
    const domains = await mapped(() => this.conn.listAllDomains());
    try {
      const records = await Promise.all(
        domains.map((d) =>
          this.record(d).catch((error: unknown) => {
            // A domain undefined between the listing and this read is simply not listed.
            if (mapLibvirtError(error) instanceof NotFoundError) return undefined;
            throw error;
          }),
        ),
      );
      return records.filter((r): r is VmRecord => r !== undefined);
    } catch (error) {
      throw mapLibvirtError(error);
    } finally {
      for (const d of domains) d.free();
    }
  }

  async getVm(uuid: string): Promise<VmRecord> {
    return this.withDomain(uuid, (d) => this.record(d));
  }

  async getVmXml(uuid: string): Promise<string> {
    return this.withDomain(uuid, (d) => d.getXMLDesc(0));
  }

  async getVmAutostart(uuid: string): Promise<boolean> {
    return this.withDomain(uuid, (d) => d.getAutostart());
  }

  async defineVm(xml: string): Promise<VmRecord> {
    const domain = await mapped(() => this.conn.defineDomainXML(xml, 0));
    try {
      return await mapped(() => this.record(domain));
    } finally {
      domain.free();
    }
  }

  async undefineVm(uuid: string): Promise<void> {
    await this.withDomain(uuid, (d) => d.undefine(0));
  }

  async runVmAction(uuid: string, action: VmAction): Promise<void> {
    await this.withDomain(uuid, (d) => {
      switch (action) {
        case 'start':
          return d.create(0);
        case 'shutdown':
          return d.shutdown(0);
        case 'destroy':
          return d.destroy(0);
        case 'reboot':
          return d.reboot(0);
        case 'suspend':
          return d.suspend();
        case 'resume':
          return d.resume();
      }
    });
  }

  onVmChange(listener: (change: VmChange) => void): Disposable {
    return this.vmChanges.on(listener);
  }

  onLost(listener: (reason: string) => void): Disposable {
    return this.lost.on(listener);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.lifecycle?.dispose().catch(() => undefined); // the connection may already be gone
    await this.metadata?.dispose().catch(() => undefined);
    await this.conn.close();
  }

  private withDomain<T>(uuid: string, use: (d: Domain) => Promise<T>): Promise<T> {
    return withDomain(this.conn, uuid, use);
  }

  private async record(d: Domain): Promise<VmRecord> {
    const [info, state, persistent, tags] = await Promise.all([d.getInfo(), d.getState(), d.isPersistent(), this.tagsOf(d)]);
    return {
      uuid: d.getUUIDString(),
      name: d.getName(),
      state: stateName(state.state),
      stateReason: reasonName(state.state, state.reason),
      vcpus: info.nrVirtCpu,
      memoryKiB: info.maxMemKiB,
      persistent,
      tags,
    };
  }

  /**
   * A VM whose tags cannot be read (a metadata error other than "none") is still listed, without tags: one
   * VM's metadata must not hide the whole host. A VM gone meanwhile or a lost host still fail the read.
   */
  private async tagsOf(d: Domain): Promise<string[]> {
    try {
      return await this.readTags(d);
    } catch (error) {
      const kind = mapLibvirtError(error);
      if (kind instanceof NotFoundError || kind instanceof HostUnreachableError) throw error;
      const uuid = d.getUUIDString();
      if (!this.tagFailuresLogged.has(uuid)) {
        this.tagFailuresLogged.add(uuid);
        log.warn(`could not read the tags of VM ${d.getName()} (${uuid}), listed without tags: ${errorMessage(error)}`);
      }
      return [];
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
