/**
 * A VM's addresses from libvirt (core/guestAddresses/GuestAddressPort.ts): virDomainInterfaceAddresses with
 * the lease source (the DHCP leases of the libvirt networks its NICs are on: no help from the guest), then
 * the agent source (the QEMU guest agent, for NICs on bridges or static addresses). A VM without an agent
 * channel, or whose agent does not answer (not installed, not started yet), simply adds nothing.
 */
import type { HostManager } from '../../core/hosts/HostManager';
import type { GuestAddressPort } from '../../core/guestAddresses/GuestAddressPort';
import { addressesOf, mergeAddresses } from '../../core/guestAddresses/guestAddressList';
import type { GuestAddress } from '../../core/guestAddresses/guestAddressSchemas';
import { LibvirtError, virDomainInterfaceAddressesSource as Source, type Domain } from '../../../native-helpers/libvirt/lib';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapLibvirtError } from './mapLibvirtError';

/** The agent's "I am not there" answers: no channel configured, not connected, not in sync yet. */
const NO_AGENT = ['VIR_ERR_ARGUMENT_UNSUPPORTED', 'VIR_ERR_AGENT_UNRESPONSIVE', 'VIR_ERR_AGENT_UNSYNCED'] as const;

export class LibvirtGuestAddressPort implements GuestAddressPort {
  constructor(private readonly hosts: Pick<HostManager, 'session'>) {}

  async addresses(hostId: string, uuid: string): Promise<GuestAddress[]> {
    try {
      const conn = libvirtConnectionOf(this.hosts.session(hostId));
      const domain = await conn.lookupDomainByUUIDString(uuid);
      try {
        if (!(await domain.isActive())) return [];
        const leases = addressesOf(await domain.interfaceAddresses(Source.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE), 'lease');
        return mergeAddresses(leases, await agentAddresses(domain));
      } finally {
        domain.free();
      }
    } catch (error) {
      throw mapLibvirtError(error, { details: { hostId, uuid } });
    }
  }
}

async function agentAddresses(domain: Domain): Promise<GuestAddress[]> {
  try {
    return addressesOf(await domain.interfaceAddresses(Source.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT), 'agent');
  } catch (error) {
    if (error instanceof LibvirtError && NO_AGENT.some((code) => error.is(code))) return [];
    throw error;
  }
}
