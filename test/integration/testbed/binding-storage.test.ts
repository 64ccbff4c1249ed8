/**
 * The binding's storage calls on a real libvirt host, where volumes are real files: a dir pool in the test
 * bed's images folder, a volume whose file has the requested size on disk, resize (grows the file), wipe
 * (zeroes its content), clone, delete (the file goes). The test driver lacks wipe and resize and keeps no
 * files. Creates only `ns-<pid>-` objects and removes them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  openConnection,
  virStoragePoolState,
  virStorageVolType,
  type Connection,
  type StoragePool,
} from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const prefix = `ns-${process.pid}-`;
const MiB = 1024 * 1024;

const volXml = (name: string, bytes: number) =>
  `<volume><name>${name}</name><capacity unit='bytes'>${bytes}</capacity><allocation unit='bytes'>0</allocation><target><format type='raw'/></target></volume>`;

describe.skipIf(!env)('binding: storage on a real libvirt host', () => {
  let conn: Connection;
  let dir: string;
  let pool: StoragePool;

  beforeAll(async () => {
    conn = await openConnection(env!.host0Uri);
    dir = mkdtempSync(join(env!.images, prefix));
    pool = await conn.defineStoragePoolXML(
      `<pool type='dir'><name>${prefix}pool</name><target><path>${dir}</path></target></pool>`,
    );
    await pool.build();
    await pool.create();
  });

  afterAll(async () => {
    if (pool) {
      for (const vol of await pool.listAllVolumes().catch(() => [])) await vol.delete().catch(() => undefined);
      if (await pool.isActive()) await pool.destroy();
      await pool.undefine();
    }
    await conn?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a dir pool over a real folder', async () => {
    expect(await pool.isActive()).toBe(true);
    const info = await pool.getInfo();
    expect(info.state).toBe(virStoragePoolState.VIR_STORAGE_POOL_RUNNING);
    expect(info.capacity).toBeGreaterThan(0);
    expect(await pool.getXMLDesc()).toContain(`<path>${dir}</path>`);
  });

  it('creates a volume whose file has the requested size, resizes and wipes it', async () => {
    const vol = await pool.createVolumeXML(volXml(`${prefix}a.img`, 2 * MiB));
    const path = await vol.getPath();
    expect(path).toBe(join(dir, `${prefix}a.img`));
    expect(statSync(path).size).toBe(2 * MiB);
    expect(await vol.getInfo()).toMatchObject({ type: virStorageVolType.VIR_STORAGE_VOL_FILE, capacity: 2 * MiB });
    expect((await conn.lookupStorageVolByPath(path)).getKey()).toBe(vol.getKey());
    expect((await pool.listAllVolumes()).map((v) => v.getName())).toContain(`${prefix}a.img`);

    await vol.resize(3 * MiB);
    expect(statSync(path).size).toBe(3 * MiB);
    expect((await vol.getInfo()).capacity).toBe(3 * MiB);

    writeFileSync(path, Buffer.alloc(4096, 0xab), { flag: 'r+' });
    await vol.wipe();
    const head = readFileSync(path).subarray(0, 4096);
    expect(head.every((b) => b === 0)).toBe(true);
  });

  it('clones a volume with its content, and delete removes the file', async () => {
    const source = await pool.createVolumeXML(volXml(`${prefix}src.img`, MiB));
    const sourcePath = await source.getPath();
    writeFileSync(sourcePath, Buffer.from('tandem-clone-marker'), { flag: 'r+' });
    const clone = await pool.createVolumeXMLFrom(volXml(`${prefix}clone.img`, MiB), source);
    const clonePath = await clone.getPath();
    expect(readFileSync(clonePath).subarray(0, 19).toString()).toBe('tandem-clone-marker');
    await clone.delete();
    expect(existsSync(clonePath)).toBe(false);
    const error = await conn.lookupStorageVolByPath(clonePath).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toBe('VIR_ERR_NO_STORAGE_VOL');
  });

  it('refuses to shrink without the shrink flag', async () => {
    const vol = await pool.createVolumeXML(volXml(`${prefix}shrink.img`, 2 * MiB));
    const error = await vol.resize(MiB).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toBe('VIR_ERR_INVALID_ARG');
    expect(statSync(await vol.getPath()).size).toBe(2 * MiB);
  });
});
