/**
 * THE contract between the renderer and the main side of Tandem.
 *
 * Every method the renderer can call and every event it can receive is declared here once, with a zod
 * schema for its payloads. The Electron IPC bridge (main/electron + preload/index.ts), the WebSocket server
 * (main/server) and the renderer client (preload/client.ts) are all derived from this object, so adding a
 * method is one entry here plus its implementation in main/api/TandemService.ts.
 *
 * This module must import neither Node nor Electron: main, preload and renderer all import it.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------
// Shared value schemas

/** A host's id: chosen by main when the host is added ("demo", "local", or a slug of the URI). */
export const HostIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'host ids are lowercase letters, digits and dashes');

/**
 * libvirt identifies a domain by UUID across restarts and migrations; names can be reused. Any 128-bit
 * value in the 8-4-4-4-12 form: libvirt does not require RFC 4122 version/variant bits (its test driver's
 * own domain has none), so neither do we. Lowercase, as libvirt prints it.
 */
export const VmUuidSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a VM UUID looks like 7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001');

export const VmRefSchema = z.strictObject({ hostId: HostIdSchema, uuid: VmUuidSchema });
export type VmRef = z.infer<typeof VmRefSchema>;

/** URIs we accept for libvirt hosts. Parsing proper (transport, socket) happens in core/hosts. */
export const LibvirtUriSchema = z
  .string()
  .trim()
  .min(1, 'the URI is empty')
  .max(1024)
  .regex(/^[a-z][a-z0-9+.-]*:\/\//i, 'a libvirt URI looks like qemu:///system or qemu+ssh://user@host/system');

export const VmStateSchema = z.enum([
  'nostate',
  'running',
  'blocked',
  'paused',
  'shutdown', // being shut down
  'shutoff',
  'crashed',
  'pmsuspended',
]);
export type VmState = z.infer<typeof VmStateSchema>;

export const VmSummarySchema = z.strictObject({
  hostId: HostIdSchema,
  uuid: VmUuidSchema,
  name: z.string(),
  state: VmStateSchema,
  /** libvirt's reason for the state, as its enum name without prefix, e.g. "booted", "user", "destroyed". */
  stateReason: z.string(),
  vcpus: z.number().int().nonnegative(),
  memoryKiB: z.number().int().nonnegative(),
  persistent: z.boolean(),
});
export type VmSummary = z.infer<typeof VmSummarySchema>;

export const VmDiskSchema = z.strictObject({
  device: z.string(), // disk, cdrom, floppy, lun
  target: z.string(), // vda, sda, hdc ...
  bus: z.string().optional(),
  source: z.string().optional(),
  format: z.string().optional(),
});
export const VmNicSchema = z.strictObject({
  type: z.string(), // network, bridge, user, direct ...
  mac: z.string().optional(),
  source: z.string().optional(),
  model: z.string().optional(),
});
export const VmGraphicsSchema = z.strictObject({
  type: z.string(),
  port: z.number().int().optional(),
  listen: z.string().optional(),
});

export const VmDetailSchema = VmSummarySchema.extend({
  osType: z.string(),
  arch: z.string().optional(),
  machine: z.string().optional(),
  domainType: z.string(),
  autostart: z.boolean(),
  disks: z.array(VmDiskSchema),
  nics: z.array(VmNicSchema),
  graphics: z.array(VmGraphicsSchema),
  /** The domain XML as libvirt reports it (secure fields omitted). */
  xml: z.string(),
});
export type VmDetail = z.infer<typeof VmDetailSchema>;

export const HostStatusSchema = z.enum(['connecting', 'connected', 'unreachable', 'auth-failed', 'disconnected']);
export type HostStatus = z.infer<typeof HostStatusSchema>;

export const HostKindSchema = z.enum(['demo', 'libvirt']);

export const HostSummarySchema = z.strictObject({
  id: HostIdSchema,
  name: z.string(),
  uri: z.string(),
  kind: HostKindSchema,
  status: HostStatusSchema,
  /** Why the host is not connected (the last error), when it is not. */
  statusReason: z.string().optional(),
  hostname: z.string().optional(),
  /** e.g. "QEMU 7.2.0" or "Test 9.0.0". */
  hypervisor: z.string().optional(),
  libvirtVersion: z.string().optional(),
  cpus: z.number().int().optional(),
  memoryKiB: z.number().int().optional(),
});
export type HostSummary = z.infer<typeof HostSummarySchema>;

// ---------------------------------------------------------------------------------------------------------
// Errors cross the boundary as data (Electron strips custom properties from thrown errors).

export const ErrorNameSchema = z.enum([
  'InvalidInput', // the payload failed validation, or a value libvirt refused as malformed
  'NotFound', // unknown host, VM, method
  'Conflict', // name taken, VM already running, operation in progress
  'HostUnreachable', // the host cannot be reached or dropped the connection
  'AuthFailed', // the host refused our credentials
  'Unsupported', // the host or driver cannot do this
  'OperationFailed', // libvirt or the hypervisor failed the request
  'Internal', // a programming error on our side: a bug to report
]);
export type ErrorName = z.infer<typeof ErrorNameSchema>;

export const LibvirtErrorInfoSchema = z.strictObject({
  code: z.number().int(),
  codeName: z.string(),
  domain: z.number().int(),
  domainName: z.string(),
  level: z.number().int(),
});

export const ContractErrorSchema = z.strictObject({
  name: ErrorNameSchema,
  /** A stable machine-readable code, e.g. "vm.not-found", "payload.invalid", "libvirt.VIR_ERR_OPERATION_INVALID". */
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  libvirt: LibvirtErrorInfoSchema.optional(),
});
export type ContractError = z.infer<typeof ContractErrorSchema>;

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: ContractError };

// ---------------------------------------------------------------------------------------------------------
// Methods and events

const NoArgs = z.strictObject({});
const HostRef = z.strictObject({ hostId: HostIdSchema });

/** Largest domain XML we accept from the renderer; real ones are a few KiB. */
export const MAX_XML_LENGTH = 1024 * 1024;

export const methods = {
  'app.info': {
    input: NoArgs,
    output: z.strictObject({ version: z.string(), mode: z.enum(['electron', 'browser', 'headless']) }),
  },
  'hosts.list': { input: NoArgs, output: z.array(HostSummarySchema) },
  'hosts.add': {
    input: z.strictObject({ uri: LibvirtUriSchema, name: z.string().trim().min(1).max(128).optional() }),
    output: HostSummarySchema,
  },
  'hosts.remove': { input: HostRef, output: z.null() },
  'hosts.reconnect': { input: HostRef, output: HostSummarySchema },
  'vms.list': {
    input: z.strictObject({ hostId: HostIdSchema.optional() }),
    output: z.array(VmSummarySchema),
  },
  'vms.get': { input: VmRefSchema, output: VmDetailSchema },
  /** Define (create or replace) a persistent VM from domain XML. */
  'vms.defineXml': {
    input: z.strictObject({ hostId: HostIdSchema, xml: z.string().min(1).max(MAX_XML_LENGTH) }),
    output: VmSummarySchema,
  },
  'vms.undefine': { input: VmRefSchema, output: z.null() },
  // Lifecycle actions answer with the VM's fresh summary, or null when the action made it cease to exist
  // (stopping a transient VM removes it; a `vms.removed` event follows).
  'vms.start': { input: VmRefSchema, output: VmSummarySchema },
  'vms.shutdown': { input: VmRefSchema, output: VmSummarySchema.nullable() },
  'vms.destroy': { input: VmRefSchema, output: VmSummarySchema.nullable() },
  'vms.reboot': { input: VmRefSchema, output: VmSummarySchema },
  'vms.suspend': { input: VmRefSchema, output: VmSummarySchema },
  'vms.resume': { input: VmRefSchema, output: VmSummarySchema },
} as const;

export const events = {
  /** A host was added, changed status or details. */
  'hosts.changed': HostSummarySchema,
  'hosts.removed': HostRef,
  /** A VM appeared or changed (state, definition). Sent after libvirt's event, with fresh data. */
  'vms.changed': VmSummarySchema,
  'vms.removed': VmRefSchema,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type EventName = keyof typeof events;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodArgs<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const methodNames = Object.keys(methods) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(methods, value);
}
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(events, value);
}

/** What the renderer holds: one typed function per method, and typed event subscriptions. */
export interface ContractClient {
  call<M extends MethodName>(method: M, args: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
}

/** The channel names used by Electron IPC, derived from the contract so no loose strings exist elsewhere. */
export const IPC_CALL_CHANNEL = 'tandem:call';
export const IPC_EVENT_CHANNEL = 'tandem:event';

// ---------------------------------------------------------------------------------------------------------
// Wire messages for the WebSocket transport (browser mode). IPC carries the same call/result shapes.

export const WireCallSchema = z.strictObject({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(128),
  args: z.unknown(),
});
export type WireCall = z.infer<typeof WireCallSchema>;

export interface WireResult {
  type: 'result';
  id: number;
  result: CallResult<unknown>;
}
export interface WireEvent {
  type: 'event';
  event: EventName;
  payload: unknown;
}
/** A frame the server could not read as a call (not JSON, no id): answered once, the socket stays open. */
export interface WireProtocolError {
  type: 'protocol-error';
  error: ContractError;
}
export type ServerMessage = WireResult | WireEvent | WireProtocolError;
