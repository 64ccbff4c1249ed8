/** Hosts: the libvirt (later Hyper-V) hosts Tandem manages, their connection status and their details. */
import { z } from 'zod';
import { HostIdSchema, HostRefSchema, HostSummarySchema, LibvirtUriSchema, NoArgsSchema, VmUuidSchema } from '../schemas';

const HostNameSchema = z.string().trim().min(1).max(128);

export const StoragePoolSummarySchema = z.strictObject({
  name: z.string(),
  /** libvirt's virStoragePoolState without prefix: inactive, building, running, degraded, inaccessible. */
  state: z.string(),
  capacityBytes: z.number().nonnegative(),
  allocationBytes: z.number().nonnegative(),
  availableBytes: z.number().nonnegative(),
});

export const HostDetailsSchema = z.strictObject({
  hostId: HostIdSchema,
  arch: z.string(),
  cpuModel: z.string().optional(),
  cpuVendor: z.string().optional(),
  /** "kvm" when KVM guests start on the host (probed once per connection), "tcg" when guests run under plain emulation. */
  acceleration: z.enum(['kvm', 'tcg']),
  /**
   * libvirt lists KVM (domainTypes has "kvm") but a KVM guest cannot start on this host: libvirt's reason
   * (e.g. nested KVM: "qemu unexpectedly closed the monitor: ... failed to set MSR 0x10a"). acceleration is
   * then "tcg".
   */
  kvmUnusable: z.string().optional(),
  domainTypes: z.array(z.string()),
  /** From the domain capabilities; absent when the host's driver has none (libvirt's test driver). */
  firmware: z
    .strictObject({ efi: z.boolean(), paths: z.array(z.string()), secureBoot: z.boolean() })
    .optional(),
  confidential: z.strictObject({ sev: z.boolean(), sgx: z.boolean(), tdx: z.boolean() }).optional(),
  cpus: z.number().int().nonnegative(),
  memoryKiB: z.number().int().nonnegative(),
  freeMemoryKiB: z.number().int().nonnegative(),
  pools: z.array(StoragePoolSummarySchema),
  runningVms: z.array(z.strictObject({ uuid: VmUuidSchema, name: z.string() })),
});
export type HostDetails = z.infer<typeof HostDetailsSchema>;

export const hostsMethods = {
  'hosts.list': { input: NoArgsSchema, output: z.array(HostSummarySchema) },
  'hosts.add': {
    input: z.strictObject({ uri: LibvirtUriSchema, name: HostNameSchema.optional() }),
    output: HostSummarySchema,
  },
  /** Rename a host you added and/or point it at another URI (which reconnects it). */
  'hosts.update': {
    input: z.strictObject({ hostId: HostIdSchema, name: HostNameSchema.optional(), uri: LibvirtUriSchema.optional() }),
    output: HostSummarySchema,
  },
  'hosts.remove': { input: HostRefSchema, output: z.null() },
  'hosts.reconnect': { input: HostRefSchema, output: HostSummarySchema },
  /** The host page: capabilities, resources, storage pools and running VMs, read now. */
  'hosts.details': { input: HostRefSchema, output: HostDetailsSchema },
} as const;

export const hostsEvents = {
  /** A host was added, changed status or details. */
  'hosts.changed': HostSummarySchema,
  'hosts.removed': z.strictObject({ hostId: HostIdSchema }),
} as const;
