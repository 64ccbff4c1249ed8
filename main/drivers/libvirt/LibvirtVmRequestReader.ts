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

/** libvirt's answer when the object looked up is not there: the size is then unknown, for the reason given. */
const isMissing = (error: unknown, code: number) => error instanceof LibvirtError && error.code === code;

/** The capacity of a pool volume, or why it cannot be read (the pool gone or stopped, the volume gone). */
async function volumeCapacity(conn: Connection, ref: { pool: string; volume: string }): Promise<number | string> {
  let pool;
  try {
    pool = await conn.lookupStoragePoolByName(ref.pool);
  } catch (error) {
    if (isMissing(error, virErrorNumber.VIR_ERR_NO_STORAGE_POOL)) return `there is no storage pool ${ref.pool}`;
    throw error;
  }
  try {
    // An inactive pool answers a volume lookup with "operation invalid", which says nothing of the disk.
    if (!(await pool.isActive())) return `storage pool ${ref.pool} is not active`;
    const vol = await pool.lookupVolumeByName(ref.volume).catch((error: unknown) => {
      if (isMissing(error, virErrorNumber.VIR_ERR_NO_STORAGE_VOL)) return undefined;
      throw error;
    });
    if (!vol) return `storage pool ${ref.pool} has no volume ${ref.volume}`;
    try {
      return (await vol.getInfo()).capacity;
    } finally {
      vol.free();
    }
  } finally {
    pool.free();
  }
}

/** The capacity of a file or block device, when an active pool holds it (undefined: requestFromDomain says so). */
async function pathCapacity(conn: Connection, path: string): Promise<number | undefined> {
  const vol = await conn.lookupStorageVolByPath(path).catch((error: unknown) => {
    if (isMissing(error, virErrorNumber.VIR_ERR_NO_STORAGE_VOL)) return undefined;
    throw error;
  });
  if (!vol) return undefined;
  try {
    return (await vol.getInfo()).capacity;
  } finally {
    vol.free();
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
    const sizes = new Map<string, number | string>();
    for (const disk of domainDisks(xml)) {
      const size = disk.volume ? await volumeCapacity(conn, disk.volume) : disk.source ? await pathCapacity(conn, disk.source) : undefined;
      if (size !== undefined) sizes.set(disk.target, size);
    }
    return requestFromDomain(xml, (disk) => sizes.get(disk.target));
  }, { hostId, uuid });
}
