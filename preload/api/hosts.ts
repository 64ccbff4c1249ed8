/** Hosts: the libvirt (later Hyper-V) hosts Tandem manages, and their connection status. */
import { z } from 'zod';
import { HostIdSchema, HostRefSchema, HostSummarySchema, LibvirtUriSchema, NoArgsSchema } from '../schemas';

export const hostsMethods = {
  'hosts.list': { input: NoArgsSchema, output: z.array(HostSummarySchema) },
  'hosts.add': {
    input: z.strictObject({ uri: LibvirtUriSchema, name: z.string().trim().min(1).max(128).optional() }),
    output: HostSummarySchema,
  },
  'hosts.remove': { input: HostRefSchema, output: z.null() },
  'hosts.reconnect': { input: HostRefSchema, output: HostSummarySchema },
} as const;

export const hostsEvents = {
  /** A host was added, changed status or details. */
  'hosts.changed': HostSummarySchema,
  'hosts.removed': z.strictObject({ hostId: HostIdSchema }),
} as const;
