/** A guest's IP addresses as the contract carries them (zod only: preload/api/guestAddresses.ts uses them). */
import { z } from 'zod';

/**
 * Where an address was learned: `lease` from the DHCP leases of the libvirt network the NIC is on (no help
 * from the guest needed), `agent` from the QEMU guest agent inside the guest (any NIC, static addresses too).
 */
export const GuestAddressSourceSchema = z.enum(['lease', 'agent']);
export type GuestAddressSource = z.infer<typeof GuestAddressSourceSchema>;

export const GuestAddressSchema = z.strictObject({
  address: z.string(),
  prefix: z.number().int().min(0).max(128),
  family: z.enum(['ipv4', 'ipv6']),
  /** The NIC's MAC address, when the source names it. */
  mac: z.string().nullable(),
  /** The interface name: the host-side device (vnetN) for a lease, the guest's own name (eth0) for the agent. */
  interface: z.string().nullable(),
  source: GuestAddressSourceSchema,
});
export type GuestAddress = z.infer<typeof GuestAddressSchema>;

/** A watched VM's addresses, when they are first known and when they change while it is watched. */
export const GuestAddressesChangeSchema = z.strictObject({
  hostId: z.string(),
  uuid: z.string(),
  addresses: z.array(GuestAddressSchema),
});
export type GuestAddressesChange = z.infer<typeof GuestAddressesChangeSchema>;
