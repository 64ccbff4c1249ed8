/**
 * Install media on a libvirt host (core/provisioning/installMedia.ts): the ISO volumes of its pools, read
 * from each volume's XML (libvirt's format, found from the file's content in file-backed pools), and a medium
 * the user named looked up as a volume of a pool, or as a path: a volume of any pool, of the pool over its
 * folder (refreshed), or of a transient pool over that folder, destroyed right after. Every object is freed here.
 */
import { dirname } from 'node:path';
import type { HostManager } from '../../core/hosts/HostManager';
import type { HostIsoVolume } from '../../core/provisioning/HostOffer';
import { isDeploySeed, isIsoVolume, mayBeIso, type InstallMediaReader, type MediaInspection } from '../../core/provisioning/installMedia';
import type { InstallMedia } from '../../core/provisioning/schemas';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import { virConnectListAllStoragePoolsFlags, type Connection, type StoragePool, type StorageVol } from '../../../native-helpers/libvirt/lib';
import type { ImageIdentifier } from './LibvirtHostOfferReader';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapLibvirtError, mapped } from './mapLibvirtError';
import { isProbePool, lookInFolder, orMissing, refreshUnlessBusy, withPoolOver, withTransientPoolOver } from './storagePools';

export class LibvirtInstallMedia implements InstallMediaReader {
  constructor(
    private readonly hosts: Pick<HostManager, 'session' | 'get'>,
    /** Resolved per use: the osinfo database loads lazily. */
    private readonly identifier: () => Promise<ImageIdentifier>,
  ) {}

  async list(hostId: string): Promise<HostIsoVolume[]> {
    const conn = this.conn(hostId);
    const identify = await this.identifier();
    const pools = await mapped(() => conn.listAllStoragePools(virConnectListAllStoragePoolsFlags.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE), { hostId });
    try {
      const found: HostIsoVolume[] = [];
      for (const pool of pools) {
        // A file copied into the pool's folder since libvirt last looked shows up only after a refresh.
        await mapped(() => refreshUnlessBusy(pool), { hostId });
        found.push(...(await mapped(() => isoVolumesOf(pool, identify), { hostId })));
      }
      return found;
    } finally {
      for (const pool of pools) pool.free();
    }
  }

  async inspect(hostId: string, media: InstallMedia): Promise<MediaInspection> {
    const conn = this.conn(hostId);
    const hostName = this.hosts.get(hostId).name;
    try {
      // A path's folder is looked at once no other look at it runs, whoever asks (storagePools.ts).
      return media.kind === 'volume'
        ? await inspectVolume(conn, hostName, media.pool, media.volume)
        : await lookInFolder(conn, dirname(media.path), () => inspectPath(conn, hostId, hostName, media.path));
    } catch (error) {
      throw mapLibvirtError(error, { details: { hostId } });
    }
  }

  private conn(hostId: string): Connection {
    return libvirtConnectionOf(this.hosts.session(hostId));
  }
}

/**
 * The ISO volumes of one (active) pool; `identify` names the OS of those osinfo knows by file name. The
 * cloud-init seeds of deployed VMs are ISOs too, not installers: left out. A volume deleted while the pool is
 * read (a deploy's seed removed by its rollback) is skipped, not an error of the whole listing.
 */
export async function isoVolumesOf(pool: StoragePool, identify?: ImageIdentifier): Promise<HostIsoVolume[]> {
  const poolType = await poolTypeOf(pool);
  const volumes = await pool.listAllVolumes();
  try {
    const found: HostIsoVolume[] = [];
    for (const volume of volumes) {
      if (!mayBeIso(volume.getName()) || isDeploySeed(volume.getName())) continue;
      const facts = await orMissing(() => volumeFacts(volume, poolType));
      if (!facts?.iso) continue;
      const identified = identify?.(volume.getName());
      found.push({
        pool: pool.getName(),
        volume: volume.getName(),
        path: facts.path,
        sizeBytes: facts.sizeBytes,
        ...(identified?.kind === 'install-media' ? { osinfoId: identified.os.shortId } : {}),
      });
    }
    return found;
  } finally {
    for (const volume of volumes) volume.free();
  }
}

async function inspectVolume(conn: Connection, hostName: string, poolName: string, volumeName: string): Promise<MediaInspection> {
  const pool = await orMissing(() => conn.lookupStoragePoolByName(poolName));
  if (!pool) return { state: 'missing', reason: `${hostName} has no storage pool "${poolName}"` };
  try {
    if (!(await pool.isActive())) return { state: 'missing', reason: `storage pool "${poolName}" on ${hostName} is not active` };
    await refreshUnlessBusy(pool);
    const volume = await orMissing(() => pool.lookupVolumeByName(volumeName));
    if (!volume) return { state: 'missing', reason: `storage pool "${poolName}" on ${hostName} has no volume "${volumeName}"` };
    try {
      return inspection(await volumeFacts(volume, await poolTypeOf(pool)), { pool: poolName, volume: volumeName });
    } finally {
      volume.free();
    }
  } finally {
    pool.free();
  }
}

async function inspectPath(conn: Connection, hostId: string, hostName: string, path: string): Promise<MediaInspection> {
  const inPool = async (): Promise<MediaInspection | undefined> => {
    const volume = await orMissing(() => conn.lookupStorageVolByPath(path));
    if (!volume) return undefined;
    try {
      const pool = await volume.getPool();
      try {
        // Found through a probe pool (ours, gone once the look is over, or one a crash left): known by path only.
        const named = isProbePool(pool.getName()) ? {} : { pool: pool.getName(), volume: volume.getName() };
        return inspection(await volumeFacts(volume, await poolTypeOf(pool)), named);
      } finally {
        pool.free();
      }
    } finally {
      volume.free();
    }
  };
  const direct = await inPool();
  if (direct) return direct;
  const folder = dirname(path);
  // The pool over the folder may not have seen the file yet; without one, a transient pool looks.
  const pooled = await withPoolOver(conn, folder, async (pool) => {
    await refreshUnlessBusy(pool);
    return (await inPool()) ?? null;
  });
  if (pooled !== undefined) return pooled ?? { state: 'missing', reason: `there is no file ${path} on ${hostName}` };
  const probed = await withTransientPoolOver(conn, hostId, folder, async () => (await inPool()) ?? null);
  if (probed === undefined) return { state: 'missing', reason: `there is no folder ${folder} on ${hostName}` };
  return probed ?? { state: 'missing', reason: `there is no file ${path} on ${hostName}` };
}

interface VolumeFacts {
  iso: boolean;
  format: string;
  path: string;
  sizeBytes: number;
}

async function volumeFacts(volume: StorageVol, poolType: string): Promise<VolumeFacts> {
  const xml = new XmlNode(XmlDocument.parse(await volume.getXMLDesc(), 'volume XML').root);
  const format = xml.value('target/format/@type');
  const path = xml.value('target/path') ?? (await volume.getPath());
  const { capacity } = await volume.getInfo();
  return { iso: isIsoVolume({ name: volume.getName(), format, poolType }), format: format ?? 'unknown', path, sizeBytes: capacity };
}

function inspection(facts: VolumeFacts, named: { pool?: string; volume?: string }): MediaInspection {
  if (!facts.iso) return { state: 'not-iso', format: facts.format, path: facts.path };
  return { state: 'iso', iso: { ...named, path: facts.path, sizeBytes: facts.sizeBytes } };
}

async function poolTypeOf(pool: StoragePool): Promise<string> {
  return new XmlNode(XmlDocument.parse(await pool.getXMLDesc(), 'pool XML').root).value('@type') ?? 'dir';
}
