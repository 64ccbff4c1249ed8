/**
 * Reads what an existing VM is made of, as a provisioning request (core/provisioning/requestFromDomain.ts):
 * its inactive definition, and the capacity of each disk's volume. Every binding object is freed here.
 */
import type { HostManager } from '../../core/hosts/HostManager';
import { domainDisks, requestFromDomain, type RequestFromDomain } from '../../core/provisioning/requestFromDomain';
import { LibvirtError, virDomainXMLFlags, virErrorNumber } from '../../../native-helpers/libvirt/lib';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapped } from './mapLibvirtError';

type Connection = ReturnType<typeof libvirtConnectionOf>;

async function volumeInPool(conn: Connection, ref: { pool: string; volume: string }) {
  const pool = await conn.lookupStoragePoolByName(ref.pool);
  try {
    return await pool.lookupVolumeByName(ref.volume);
  } finally {
    pool.free();
  }
}

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
      try {
        const vol = disk.volume ? await volumeInPool(conn, disk.volume) : disk.source ? await conn.lookupStorageVolByPath(disk.source) : undefined;
        if (!vol) continue;
        try {
          sizes.set(disk.target, (await vol.getInfo()).capacity);
        } finally {
          vol.free();
        }
      } catch (error) {
        // Not in a pool (or its pool or volume is gone): requestFromDomain says which disk's size is unknown.
        const missing = [virErrorNumber.VIR_ERR_NO_STORAGE_VOL, virErrorNumber.VIR_ERR_NO_STORAGE_POOL] as number[];
        if (!(error instanceof LibvirtError && missing.includes(error.code))) throw error;
      }
    }
    return requestFromDomain(xml, (disk) => sizes.get(disk.target));
  }, { hostId, uuid });
}
