/**
 * VM networks: the libvirt virtual networks of a host (isolated, NAT, routed; one IPv4 subnet with DHCP).
 * The schemas live in core (zod only) so core and contract share one declaration.
 */
import { z } from 'zod';
import { HostIdSchema } from '../schemas';
import { NetworkCreateRequestSchema, NetworkRefSchema, NetworkSummarySchema } from '../../main/core/networks/networkSchemas';

export { NetworkCreateRequestSchema, NetworkRefSchema, NetworkSummarySchema, type NetworkSummary } from '../../main/core/networks/networkSchemas';

export const networksMethods = {
  /** Every network of the host (also ones Tandem did not create), with the VMs attached to each. */
  'networks.list': { input: z.strictObject({ hostId: HostIdSchema }), output: z.array(NetworkSummarySchema) },
  /**
   * Defines, starts (and by default autostarts) a network. Checked first, nothing created on failure
   * (details.field names the field): InvalidInput for a bad name / subnet / bridge; Conflict for a name or
   * bridge taken, or a subnet overlapping one of the host's networks (details.network).
   */
  'networks.create': { input: NetworkCreateRequestSchema, output: NetworkSummarySchema },
  /** Stops and undefines a network. Conflict `network.in-use` while VMs have an interface on it (details.vms). */
  'networks.delete': { input: NetworkRefSchema, output: z.null() },
} as const;

export const networksEvents = {} as const;
