/**
 * VM networks: the libvirt virtual networks of a host (isolated, NAT, routed; one IPv4 subnet with DHCP).
 * The schemas live in core (zod only) so core and contract share one declaration; so do the field rules
 * (`networkProblems`, pure), which the UI runs as the user types and `networks.create` runs before it creates.
 */
import { z } from 'zod';
import { HostIdSchema } from '../schemas';
import { NetworkCreateRequestSchema, NetworkRefSchema, NetworkSummarySchema, NetworksChangedSchema } from '../../main/core/networks/networkSchemas';

export {
  NetworkCreateRequestSchema,
  NetworkNameSchema,
  NetworkRefSchema,
  NetworkSummarySchema,
  type NetworkCreateRequest,
  type NetworkMode,
  type NetworkSummary,
  type NetworksChanged,
} from '../../main/core/networks/networkSchemas';
export { networkProblems, type ExistingNetwork, type NetworkProblem } from '../../main/core/networks/networkRules';
export { addressPlan, parseCidr } from '../../main/core/networks/ipv4';

export const networksMethods = {
  /** Every network of the host (also ones Tandem did not create), with the VMs attached to each. */
  'networks.list': { input: z.strictObject({ hostId: HostIdSchema }), output: z.array(NetworkSummarySchema) },
  /**
   * Defines, starts (and by default autostarts) a network. Checked first, nothing created on failure
   * (details.field names the field): InvalidInput for a bad name / subnet / DHCP range / bridge / forward
   * device; Conflict for a name or bridge taken, or a subnet overlapping one of the host's networks (details.network).
   */
  'networks.create': { input: NetworkCreateRequestSchema, output: NetworkSummarySchema },
  /** Starts a defined network. Conflict `network.active` when it runs already. */
  'networks.start': { input: NetworkRefSchema, output: NetworkSummarySchema },
  /** Stops a running network (the VMs on it lose that link until it runs again). Conflict `network.inactive` when stopped. */
  'networks.stop': { input: NetworkRefSchema, output: NetworkSummarySchema },
  /** Whether the network starts with the host's libvirt. */
  'networks.setAutostart': { input: NetworkRefSchema.extend({ autostart: z.boolean() }), output: NetworkSummarySchema },
  /** Stops and undefines a network. Conflict `network.in-use` while VMs have an interface on it (details.vms). */
  'networks.delete': { input: NetworkRefSchema, output: z.null() },
} as const;

export const networksEvents = {
  /**
   * A host's networks after a change (libvirt's network lifecycle events, a domain defined or undefined, an
   * autostart set through Tandem): every network of the host, as `networks.list` gives them.
   */
  'networks.changed': NetworksChangedSchema,
} as const;
