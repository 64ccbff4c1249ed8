/**
 * The value schemas the contract's methods and events share (ids, references, VM and host summaries, errors).
 * Imports only zod: main, preload and renderer all import it, through preload/contract.ts.
 */
import { z } from 'zod';

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

/** A user's label on a VM ("prod", "team:web"); stored in the VM's own domain XML metadata. */
export const VmTagSchema = z
  .string()
  .trim()
  .min(1, 'a tag cannot be empty')
  .max(32, 'a tag has at most 32 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}._:-]*$/u, 'a tag is letters, digits and . _ : - (starting with a letter or digit)');

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
  /** Tandem's tags of the VM (absent from hosts' older summaries means none). */
  tags: z.array(VmTagSchema).optional(),
});
export type VmSummary = z.infer<typeof VmSummarySchema>;

export const VmDiskSchema = z.strictObject({
  device: z.string(), // disk, cdrom, floppy, lun
  target: z.string(), // vda, sda, hdc ...
  bus: z.string().optional(),
  source: z.string().optional(),
  format: z.string().optional(),
  readonly: z.boolean().optional(),
});
export const VmNicSchema = z.strictObject({
  type: z.string(), // network, bridge, user, direct ...
  mac: z.string().optional(),
  source: z.string().optional(),
  model: z.string().optional(),
  linkState: z.enum(['up', 'down']).optional(),
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


/** Input of methods that take no arguments. */
export const NoArgsSchema = z.strictObject({});
export const HostRefSchema = z.strictObject({ hostId: HostIdSchema });
export type HostRef = z.infer<typeof HostRefSchema>;
