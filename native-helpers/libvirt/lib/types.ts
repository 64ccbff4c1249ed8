/**
 * Types of the native addon's objects (src/connection.cc, src/domain.cc). Every method that can reach a
 * daemon returns a promise and runs on libuv's thread pool; the few synchronous ones read local state only.
 * Numeric flags and enums are those of libvirt: use the tables in constants.generated.ts.
 */

export interface NodeInfo {
  model: string;
  memoryKiB: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

export interface DomainInfo {
  /** virDomainState */
  state: number;
  maxMemKiB: number;
  memoryKiB: number;
  nrVirtCpu: number;
  cpuTimeNs: number;
}

export interface DomainStateWithReason {
  /** virDomainState */
  state: number;
  /** The matching vir*Reason enum for that state (virDomainRunningReason, virDomainShutoffReason, ...). */
  reason: number;
}

/** One credential libvirt asks for (virConnectCredential). */
export interface CredentialRequest {
  /** virConnectCredentialType */
  type: number;
  typeName:
    | 'username'
    | 'authname'
    | 'language'
    | 'cnonce'
    | 'passphrase'
    | 'echoprompt'
    | 'noechoprompt'
    | 'realm'
    | 'external'
    | 'unknown';
  prompt: string;
  challenge: string;
  defaultResult: string;
}

/** Answer every request in order, or return null to refuse (the open then fails with an auth error). */
export type CredentialCallback = (
  requests: CredentialRequest[],
) => string[] | null | undefined | Promise<string[] | null | undefined>;

interface DomainEventBase {
  name: string;
  uuid: string;
  /** The running domain's id, -1 when inactive. */
  id: number;
}

export type DomainEvent =
  | (DomainEventBase & { event: 'lifecycle'; type: number; detail: number })
  | (DomainEventBase & { event: 'reboot' })
  | (DomainEventBase & { event: 'rtc-change'; utcOffset: number })
  | (DomainEventBase & { event: 'watchdog'; action: number })
  | (DomainEventBase & { event: 'io-error'; srcPath: string; devAlias: string; action: number; reason: string })
  | (DomainEventBase & { event: 'device-removed'; devAlias: string })
  | (DomainEventBase & { event: 'device-added'; devAlias: string })
  | (DomainEventBase & { event: 'block-job'; disk: string; type: number; status: number })
  | (DomainEventBase & { event: 'agent-lifecycle'; state: number; reason: number })
  | (DomainEventBase & { event: 'migration-iteration'; iteration: number })
  | (DomainEventBase & { event: 'memory-failure'; recipient: number; action: number; flags: number })
  | import('./events').ExtraDomainEvent;

export interface ConnectionCloseEvent {
  event: 'close';
  /** virConnectCloseReason: error, eof, keepalive, client. */
  reason: number;
}

export interface Domain {
  getName(): string;
  getUUIDString(): string;
  /** -1 when the domain is not running. */
  getID(): number;
  getInfo(): Promise<DomainInfo>;
  getState(): Promise<DomainStateWithReason>;
  /** flags: virDomainXMLFlags */
  getXMLDesc(flags?: number): Promise<string>;
  isActive(): Promise<boolean>;
  isPersistent(): Promise<boolean>;
  getAutostart(): Promise<boolean>;
  setAutostart(autostart: boolean): Promise<void>;
  /** virDomainCreateWithFlags; flags: virDomainCreateFlags */
  create(flags?: number): Promise<void>;
  /** flags: virDomainShutdownFlagValues */
  shutdown(flags?: number): Promise<void>;
  /** flags: virDomainRebootFlagValues */
  reboot(flags?: number): Promise<void>;
  reset(): Promise<void>;
  /** flags: virDomainDestroyFlagsValues */
  destroy(flags?: number): Promise<void>;
  suspend(): Promise<void>;
  resume(): Promise<void>;
  /** flags: virDomainUndefineFlagsValues */
  undefine(flags?: number): Promise<void>;
  /** Drops this object's libvirt reference now rather than at garbage collection. */
  free(): void;
}

export interface Connection {
  /** Deregisters this connection's callbacks, then closes it. Later calls reject with VIR_ERR_INVALID_CONN. */
  close(): Promise<void>;
  /** Local state of the connection's RPC client (no round trip). */
  isAlive(): boolean;
  isClosed(): boolean;
  getURI(): Promise<string>;
  getHostname(): Promise<string>;
  /** The hypervisor driver's name, e.g. "QEMU" or "TEST". */
  getType(): Promise<string>;
  /** Hypervisor version, major * 1,000,000 + minor * 1,000 + release. */
  getVersion(): Promise<number>;
  /** libvirt version on the host, same encoding. */
  getLibVersion(): Promise<number>;
  getNodeInfo(): Promise<NodeInfo>;
  getCapabilities(): Promise<string>;
  /** Returns false when the driver does not support keepalive (local drivers). */
  setKeepAlive(intervalSeconds: number, count?: number): Promise<boolean>;
  /** flags: virConnectListAllDomainsFlags */
  listAllDomains(flags?: number): Promise<Domain[]>;
  lookupDomainByName(name: string): Promise<Domain>;
  lookupDomainByUUIDString(uuid: string): Promise<Domain>;
  lookupDomainByID(id: number): Promise<Domain>;
  /** virDomainDefineXMLFlags; flags: virDomainDefineFlags (e.g. VIR_DOMAIN_DEFINE_VALIDATE) */
  defineDomainXML(xml: string, flags?: number): Promise<Domain>;
  /** virDomainCreateXML: a transient domain; flags: virDomainCreateFlags */
  createDomainXML(xml: string, flags?: number): Promise<Domain>;
  /** eventId: virDomainEventID; domain null for every domain. Resolves to the callback id. */
  domainEventRegister(eventId: number, domain: Domain | null, callback: (event: DomainEvent) => void): Promise<number>;
  domainEventDeregister(callbackId: number): Promise<void>;
  /** One per connection: called when the connection drops (not on close()). */
  registerCloseCallback(callback: (event: ConnectionCloseEvent) => void): Promise<void>;
}

export interface NativeBinding {
  connectOpen(uri: string, flags?: number, auth?: CredentialCallback): Promise<Connection>;
  setErrorClass(errorClass: new (message: string, fields: never) => Error): void;
  /** The libvirt library version this process loaded. */
  libraryVersion: number;
}
