import type { GuestAddress } from './guestAddressSchemas';

/** Reads a VM's addresses from its host (the libvirt implementation: drivers/libvirt/LibvirtGuestAddressPort.ts). */
export interface GuestAddressPort {
  /**
   * The running VM's addresses, network leases first, then what its guest agent adds (when one answers);
   * loopback and link-local addresses left out. A VM that is not running has none. NotFound: no such VM.
   */
  addresses(hostId: string, uuid: string): Promise<GuestAddress[]>;
}
