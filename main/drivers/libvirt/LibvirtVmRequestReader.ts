/**
 * Reads what an existing VM is made of, as a provisioning request (core/provisioning/requestFromDomain.ts):
 * its inactive definition, and the capacity of each disk's volume. Every binding object is freed here.
 */
import type { HostManager } from '../../core/hosts/HostManager';
import { domainDisks, requestFromDomain, type RequestFromDomain } from '../../core/provisioning/requestFromDomain';
import { LibvirtError, virDomainXMLFlags, virErrorNumber } from '../../../native-helpers/libvirt/lib';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapped } from './mapLibvirtError';

export function readVmRequest(hosts: Pick<HostManager, 'session'>, hostId: string, uuid: string): Promise<RequestFromDomain> {
  return mapped(async () => {
    const conn = libvirtConnectionOf(hosts.session(hostId));
    const domain = await conn.lookupDomainByUUIDString(uuid);
    let xml: string;
    try {
      xml = await domain.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE);
    } finally {
      domain.free();
    }
    const sizes = new Map<string, number>();
    for (const disk of domainDisks(xml)) {
      if (!disk.source) continue;
      try {
        const vol = await conn.lookupStorageVolByPath(disk.source);
        try {
          sizes.set(disk.target, (await vol.getInfo()).capacity);
        } finally {
          vol.free();
        }
      } catch (error) {
        // Not in a pool: requestFromDomain says which disk's size is unknown.
        if (!(error instanceof LibvirtError && error.code === virErrorNumber.VIR_ERR_NO_STORAGE_VOL)) throw error;
      }
    }
    return requestFromDomain(xml, (disk) => sizes.get(disk.target));
  }, { hostId, uuid });
}
