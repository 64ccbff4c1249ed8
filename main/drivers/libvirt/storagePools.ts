/**
 * Looking at files on a host through libvirt's storage pools (the host may be remote: libvirt is the only
 * eye there is): the active pool over a folder, or, for a folder no pool covers, a transient directory pool
 * over it that is destroyed right after (as virt-manager looks at a path outside any pool). Used by
 * migration's disk check and by install media given as a path.
 *
 * libvirt refuses a second pool over a folder another pool covers ("Storage source conflict"), and a look
 * that meets another's probe pool sees it vanish mid-way: every look at a folder runs inside lookInFolder,
 * one at a time per connection and folder, whoever asks. Probe pools are never taken for the user's pools
 * (one left by a crash included).
 */
import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import { LibvirtError, virConnectListAllStoragePoolsFlags, type Connection, type StoragePool } from '../../../native-helpers/libvirt/lib/index';
import { isConnectionLoss, mapLibvirtError, mapped } from './mapLibvirtError';

const log = createLogger('storage-pools');

const PROBE_PREFIX = 'tandem-probe-';

/** Whether a pool is one of our transient probes (never a pool of the user's). */
export function isProbePool(name: string): boolean {
  return name.startsWith(PROBE_PREFIX);
}

/** The looks running per connection and folder: each waits for the one before. */
const folderLooks = new WeakMap<Connection, Map<string, Promise<void>>>();

/** Runs `look` once no other look at `folder` on this connection runs: see the header. */
export async function lookInFolder<T>(conn: Connection, folder: string, look: () => Promise<T>): Promise<T> {
  let looks = folderLooks.get(conn);
  if (!looks) folderLooks.set(conn, (looks = new Map()));
  const previous = looks.get(folder) ?? Promise.resolve();
  const current = previous.then(look);
  const settled = current.then(
    () => undefined,
    () => undefined,
  );
  looks.set(folder, settled);
  try {
    return await current;
  } finally {
    if (looks.get(folder) === settled) looks.delete(folder);
  }
}

/** Runs `use` on the pool (by default an active one, never a probe) whose target is `folder`; undefined when there is none. */
export async function withPoolOver<T>(
  conn: Connection,
  folder: string,
  use: (pool: StoragePool) => Promise<T>,
  which: number = virConnectListAllStoragePoolsFlags.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
): Promise<T | undefined> {
  const pools = await mapped(() => conn.listAllStoragePools(which));
  try {
    for (const pool of pools) {
      if (isProbePool(pool.getName())) continue;
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
 * Call it inside lookInFolder.
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
  const name = `${PROBE_PREFIX}${randomBytes(4).toString('hex')}`;
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

/**
 * Refreshes a pool so files copied into its folder by hand show up. libvirt refuses while it builds a volume
 * there (a deploy's full copy: "pool has asynchronous jobs running"): its listing is current for the volumes
 * it makes itself, so the pool is read as it is, and only a file copied in by hand meanwhile is missed.
 */
export async function refreshUnlessBusy(pool: StoragePool): Promise<void> {
  try {
    await pool.refresh();
  } catch (error) {
    if (error instanceof LibvirtError && error.codeName === 'VIR_ERR_INTERNAL_ERROR' && /asynchronous jobs running/.test(error.message)) {
      log.info(`storage pool ${pool.getName()} not refreshed: libvirt is building a volume in it`);
      return;
    }
    throw error;
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
