/**
 * An emulated TPM's state folder on a libvirt host (see core/checkpoints/tpmState.ts), read and written
 * through libvirt itself: a transient directory pool over swtpm's folder, its files as volumes, downloaded and
 * uploaded as streams. So it works wherever the connection reaches, including hosts whose /var/lib/libvirt this
 * process cannot see (a remote host, or the test bed's hosts in their own mount namespaces).
 *
 * libvirt 9.0 has no per-domain location for it: `<swtpm storage dir>/<uuid>/tpm2` (tpm1.2 for a TPM 1.2),
 * where the storage dir is /var/lib/libvirt/swtpm for the system daemon and ~/.config/libvirt/qemu/swtpm for a
 * session daemon. swtpm's `.lock` is not state and is left alone. libvirt gives the files to its swtpm user
 * when it starts the VM; written files get the folder's owner meanwhile.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  downloadVolume,
  LibvirtError,
  uploadVolume,
  virStoragePoolCreateFlags,
  type Connection,
  type StoragePool,
} from '../../../native-helpers/libvirt/lib/index';
import type { CheckpointVm, TpmStateFile } from '../../core/checkpoints/ports';
import { emulatedTpmOf, type EmulatedTpm } from '../../core/checkpoints/tpmState';
import { createLogger } from '../../core/logging';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import { mapLibvirtError, mapped } from './mapLibvirtError';

const log = createLogger('checkpoints');

/** swtpm's state folder of a VM on the host behind `uri`. */
export function swtpmStateFolder(uri: string, uuid: string, tpm: EmulatedTpm): string {
  const session = new URL(uri).pathname === '/session';
  const storage = session ? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'libvirt', 'qemu', 'swtpm') : '/var/lib/libvirt/swtpm';
  return join(storage, uuid, tpm.version === '2.0' ? 'tpm2' : 'tpm1.2');
}

const isState = (name: string) => !name.startsWith('.');

export async function readTpmState(conn: Connection, vm: CheckpointVm, domainXml: string): Promise<TpmStateFile[] | null> {
  const tpm = emulatedTpmOf(domainXml);
  if (!tpm) return null;
  const folder = swtpmStateFolder(await mapped(() => conn.getURI()), vm.uuid, tpm);
  const files = await withStatePool(conn, vm, folder, false, async (pool) => {
    const volumes = await pool.listAllVolumes();
    try {
      const read: TpmStateFile[] = [];
      for (const vol of volumes) {
        if (!isState(vol.getName())) continue;
        const chunks: Buffer[] = [];
        for await (const chunk of downloadVolume(vol)) chunks.push(chunk as Buffer);
        read.push({ name: vol.getName(), data: Buffer.concat(chunks) });
      }
      return read;
    } finally {
      for (const vol of volumes) vol.free();
    }
  });
  // No folder: the TPM never ran, it has no state yet.
  return files ?? [];
}

export async function writeTpmState(conn: Connection, vm: CheckpointVm, domainXml: string, files: TpmStateFile[]): Promise<boolean> {
  const tpm = emulatedTpmOf(domainXml);
  if (!tpm) return false;
  const folder = swtpmStateFolder(await mapped(() => conn.getURI()), vm.uuid, tpm);
  await withStatePool(conn, vm, folder, true, async (pool) => {
    const owner = new XmlNode(XmlDocument.parse(await pool.getXMLDesc(), 'pool XML').root);
    const volumes = await pool.listAllVolumes();
    try {
      for (const vol of volumes) if (isState(vol.getName())) await vol.delete();
    } finally {
      for (const vol of volumes) vol.free();
    }
    for (const file of files) {
      // A new volume of exactly the file's size: an upload into a longer file would keep its tail.
      const xml = XmlDocument.parse("<volume><name/><capacity unit='bytes'/><target><format type='raw'/><permissions><mode>0600</mode></permissions></target></volume>", 'volume XML');
      const root = new XmlNode(xml.root);
      root.setText('name', file.name);
      root.setText('capacity', String(file.data.length));
      for (const id of ['owner', 'group'] as const) {
        const value = owner.value(`target/permissions/${id}`);
        if (value) root.setText(`target/permissions/${id}`, value);
      }
      const vol = await pool.createVolumeXML(xml.toString());
      try {
        if (file.data.length > 0) await uploadVolume(vol, file.data);
      } finally {
        vol.free();
      }
    }
  });
  return true;
}

/**
 * Runs `use` on a transient directory pool over `folder` (named after the VM, so a pool left by a crash is
 * found and replaced), destroyed afterwards. Without `build`, a folder that does not exist gives undefined;
 * with it, the folder is made.
 */
async function withStatePool<T>(conn: Connection, vm: CheckpointVm, folder: string, build: boolean, use: (pool: StoragePool) => Promise<T>): Promise<T | undefined> {
  const name = `tandem-tpm-${vm.uuid}`;
  const left = await conn.lookupStoragePoolByName(name).catch((error: unknown) => {
    if (error instanceof LibvirtError && error.codeName === 'VIR_ERR_NO_STORAGE_POOL') return undefined;
    throw mapLibvirtError(error);
  });
  if (left) {
    try {
      await mapped(() => left.destroy());
    } finally {
      left.free();
    }
  }
  const xml = XmlDocument.parse('<pool type="dir"><name/><target><path/></target></pool>', 'pool XML');
  const root = new XmlNode(xml.root);
  root.setText('name', name);
  root.setText('target/path', folder);
  let pool: StoragePool;
  try {
    pool = await conn.createStoragePoolXML(xml.toString(), build ? virStoragePoolCreateFlags.VIR_STORAGE_POOL_CREATE_WITH_BUILD : 0);
  } catch (error) {
    // The folder does not exist on that host: the TPM never ran. Any other reason libvirt could not open it
    // (not a folder, no access) is no "empty TPM": a copy saying so would wipe the TPM at the revert.
    if (!build && error instanceof LibvirtError && error.codeName === 'VIR_ERR_SYSTEM_ERROR' && /No such file or directory/.test(error.message)) return undefined;
    throw mapLibvirtError(error, { details: { folder } });
  }
  try {
    return await mapped(() => use(pool), { folder });
  } finally {
    // The files are read or written by now; a pool left behind is replaced by the next use (above).
    await pool.destroy().catch((error: unknown) => log.warn(`transient TPM state pool ${name} not destroyed`, error));
    pool.free();
  }
}
