/**
 * The typed model of a VM network (a libvirt virtual network with one IPv4 subnet), shared by core and the
 * contract (zod only). Syntax is checked here; what depends on the host (overlaps, names taken) is checked
 * by NetworkService against the host's live networks.
 */
import { z } from 'zod';

/** What the guests on the network reach: nothing beyond each other and the host, the outside through NAT, or routed. */
export const NetworkModeSchema = z.enum(['isolated', 'nat', 'routed']);
export type NetworkMode = z.infer<typeof NetworkModeSchema>;

const HostIdSchema = z.string().min(1).max(128);

/** libvirt accepts more, but a name also becomes file names and bridge hints: keep it plain. */
export const NetworkNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/, 'letters, digits, "_", "." and "-", starting with a letter or digit, at most 48 characters');

/** Linux interface names: at most 15 characters, no "/", ":" or whitespace. */
export const BridgeNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,15}$/, 'letters, digits, "_" and "-", at most 15 characters');

/** The host's interface traffic leaves by (eth0, enp1s0, bond0.100): a Linux interface name. */
export const ForwardDeviceSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,14}$/, 'an interface name of the host: letters, digits, "_", "." and "-", at most 15 characters');

/** DHCP's range, first and last address handed out. */
export const DhcpRangeSchema = z.strictObject({ start: z.string().min(1).max(15), end: z.string().min(1).max(15) });

export const NetworkCreateRequestSchema = z.strictObject({
  hostId: HostIdSchema,
  // Name and bridge are checked by NetworkService (NetworkNameSchema, BridgeNameSchema), which names the field.
  name: z.string().min(1).max(256),
  mode: NetworkModeSchema,
  /** IPv4 subnet in CIDR notation, e.g. 192.168.50.0/24; the host takes its first address. */
  subnet: z.string().min(1).max(32),
  /** Hand out addresses by DHCP (the rest of the subnet after the host's address). Default true. */
  dhcp: z.boolean().optional(),
  /** The addresses DHCP hands out, inside the subnet (not its first address, the host's, nor its last); default all of them. */
  dhcpRange: DhcpRangeSchema.optional(),
  /** NAT and routed: the host interface the traffic leaves by; absent, whichever the host's routes choose. */
  forwardDevice: z.string().min(1).max(64).optional(),
  /** Bridge device; chosen free when absent. */
  bridge: z.string().min(1).max(64).optional(),
  /** Start the network now (bridge, addresses, firewall rules, dnsmasq). Default true; false only defines it. */
  start: z.boolean().optional(),
  /** Start the network when the host's libvirt starts. Default true. */
  autostart: z.boolean().optional(),
});
export type NetworkCreateRequest = z.infer<typeof NetworkCreateRequestSchema>;

export const NetworkSummarySchema = z.strictObject({
  hostId: z.string(),
  name: z.string(),
  uuid: z.string(),
  /** 'other' for forward modes Tandem does not create (bridge, macvtap, open, ...). */
  mode: z.union([NetworkModeSchema, z.literal('other')]),
  bridge: z.string().nullable(),
  /** NAT and routed: the host interface the traffic is forwarded to, when one is set. */
  forwardDevice: z.string().nullable(),
  /** IPv4 subnets in CIDR notation. */
  subnets: z.array(z.string()),
  dhcpRange: z.strictObject({ start: z.string(), end: z.string() }).nullable(),
  active: z.boolean(),
  persistent: z.boolean(),
  autostart: z.boolean(),
  /** Names of the VMs with an interface on this network. */
  vms: z.array(z.string()),
});
export type NetworkSummary = z.infer<typeof NetworkSummarySchema>;

export const NetworkRefSchema = z.strictObject({ hostId: HostIdSchema, name: z.string().min(1).max(256) });
export type NetworkRef = z.infer<typeof NetworkRefSchema>;

/** Every network of one host, as `networks.list` gives them: sent whenever one of them (or a VM's attachment) changes. */
export const NetworksChangedSchema = z.strictObject({ hostId: z.string(), networks: z.array(NetworkSummarySchema) });
export type NetworksChanged = z.infer<typeof NetworksChangedSchema>;
