/**
 * Guest addresses: a VM's IP addresses (DHCP leases of its libvirt networks, then its guest agent), on demand,
 * and announced when a VM Tandem deployed gets its first ones after the deploy job ended (the job waits a
 * bounded time; a slower guest's address arrives as `vms.addressesFound`).
 */
import { z } from 'zod';
import { GuestAddressesChangeSchema, GuestAddressSchema } from '../../main/core/guestAddresses/guestAddressSchemas';
import { VmRefSchema } from '../schemas';

export { GuestAddressSchema, type GuestAddress } from '../../main/core/guestAddresses/guestAddressSchemas';

export const guestAddressesMethods = {
  /** The running VM's addresses now ([] when it is not running or has none yet). NotFound: no such VM. */
  'vms.addresses': { input: VmRefSchema, output: z.array(GuestAddressSchema) },
} as const;

export const guestAddressesEvents = {
  /** A VM Tandem deployed has its first addresses (sent once per deploy, whether or not its job was still waiting). */
  'vms.addressesFound': GuestAddressesChangeSchema,
} as const;
