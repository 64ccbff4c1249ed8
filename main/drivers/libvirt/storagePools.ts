/**
 * Looking at files on a host through libvirt's storage pools (the host may be remote: libvirt is the only
 * eye there is): the active pool over a folder, or, for a folder no pool covers, a transient directory pool
 * over it that is destroyed right after (as virt-manager looks at a path outside any pool). Used by
 * migration's disk check and by install media given as a path.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import { LibvirtError, virConnectListAllStoragePoolsFlags, type Connection, type StoragePool } from '../../../native-helpers/libvirt/lib/index';
import { isConnectionLoss, mapLibvirtError, mapped } from './mapLibvirtError';

const log = createLogger('storage-pools');

/** Runs `use` on the pool (by default an active one) whose target is `folder`; undefined when there is none. */
export async function withPoolOver<T>(
  conn: Connection,
  folder: string,
  use: (pool: StoragePool) => Promise<T>,
  which: number = virConnectListAllStoragePoolsFlags.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
): Promise<T | undefined> {
  const pools = await mapped(() => conn.listAllStoragePools(which));
  try {
    for (const pool of pools) {
      const target = new XmlNode(XmlDocument.parse(await mapped(() => pool.getXMLDesc()), 'pool XML').root).value('target/path');
      if (target === folder) return await use(pool);
    }
    return undefined;
  } finally {
    for (const pool of pools) pool.free();
  }
}

/**
 * Runs `use` on a transient directory pool over `folder` (started, so libvirt has listed its files), then
 * destroys the pool. Undefined when libvirt cannot open the folder: it does not exist on that host. A folder a
 * defined but stopped pool covers cannot get one (libvirt refuses a second pool over it): a Conflict naming it.
 */
export async function withTransientPoolOver<T>(conn: Connection, hostId: string, folder: string, use: (pool: StoragePool) => Promise<T>): Promise<T | undefined> {
  const stopped = await withPoolOver(conn, folder, async (pool) => pool.getName(), virConnectListAllStoragePoolsFlags.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE);
  if (stopped !== undefined) {
    throw new ConflictError(
      'storage.pool-inactive',
      `Storage pool "${stopped}" covers ${folder} but is not started, so libvirt cannot look for files there: start it (virsh pool-start ${stopped}).`,
      { details: { hostId, folder, pool: stopped } },
    );
  }
  const name = `tandem-probe-${randomBytes(4).toString('hex')}`;
  const xml = XmlDocument.parse('<pool type="dir"><name/><target><path/></target></pool>', 'pool XML');
  const root = new XmlNode(xml.root);
  root.setText('name', name);
  root.setText('target/path', folder);
  let pool;
  try {
    pool = await conn.createStoragePoolXML(xml.toString());
  } catch (error) {
    // libvirt could not open the folder: it does not exist on that host (a lost connection is not an answer).
    if (error instanceof LibvirtError && error.codeName === 'VIR_ERR_SYSTEM_ERROR' && !isConnectionLoss(error)) return undefined;
    throw mapLibvirtError(error);
  }
  try {
    return await use(pool);
  } finally {
    await pool.destroy().catch((error: unknown) => log.warn(`transient probe pool ${name} not destroyed`, error));
    pool.free();
  }
}

/** undefined when libvirt says the domain / pool / volume does not exist, the value otherwise. */
export async function orMissing<T>(lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof LibvirtError && ['VIR_ERR_NO_DOMAIN', 'VIR_ERR_NO_STORAGE_VOL', 'VIR_ERR_NO_STORAGE_POOL'].includes(error.codeName ?? '')) return undefined;
    throw mapLibvirtError(error);
  }
}
