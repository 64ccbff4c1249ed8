/**
 * Storage pools and volumes on libvirt's test driver: listing, lookups, the pool lifecycle (define, build,
 * start, refresh, stop, delete, undefine) with its events, volumes (create, clone, look up by name / path /
 * key, delete), errors, argument checks and free(). Wipe and resize need a real storage driver: see
 * test/integration/testbed/binding-storage.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  openConnection,
  subscribeStoragePoolEvents,
  virConnectListAllStoragePoolsFlags,
  virStoragePoolEventID,
  virStoragePoolEventLifecycleType,
  virStoragePoolState,
  virStorageVolType,
  type Connection,
  type StoragePoolEvent,
} from '../lib/index';
import { expectLibvirtError, sleep, waitFor } from './helpers';

const unique = `ns-${process.pid}`;
let counter = 0;

function poolXml(): { name: string; xml: string } {
  counter += 1;
  const name = `${unique}-pool${counter}`;
  return { name, xml: `<pool type='dir'><name>${name}</name><target><path>/${name}</path></target></pool>` };
}

const MiB = 1024 * 1024;
const volXml = (name: string, bytes: number) =>
  `<volume><name>${name}</name><capacity unit='bytes'>${bytes}</capacity><allocation unit='bytes'>${bytes}</allocation></volume>`;

describe('storage on the test driver', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openConnection('test:///default');
  });
  afterEach(async () => {
    for (const pool of await conn.listAllStoragePools()) {
      if (!pool.getName().startsWith(unique)) continue;
      const persistent = await pool.isPersistent();
      if (await pool.isActive()) await pool.destroy();
      if (persistent) await pool.undefine();
    }
    await conn.close();
  });

  it('lists and looks up the default pool and reads its info and XML', async () => {
    const all = await conn.listAllStoragePools();
    expect(all.map((p) => p.getName())).toContain('default-pool');
    const pool = await conn.lookupStoragePoolByName('default-pool');
    expect((await conn.lookupStoragePoolByUUIDString(pool.getUUIDString())).getName()).toBe('default-pool');
    const info = await pool.getInfo();
    expect(info.state).toBe(virStoragePoolState.VIR_STORAGE_POOL_RUNNING);
    expect(info.capacity).toBe(100 * 1024 * MiB);
    expect(info.allocation + info.available).toBe(info.capacity);
    expect(await pool.getXMLDesc()).toContain('<path>/default-pool</path>');
    expect(await pool.isActive()).toBe(true);
    expect(await pool.isPersistent()).toBe(true);
    const inactive = await conn.listAllStoragePools(virConnectListAllStoragePoolsFlags.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE);
    expect(inactive.map((p) => p.getName())).not.toContain('default-pool');
  });

  it('runs a pool through its lifecycle, with lifecycle and refresh events', async () => {
    const events: StoragePoolEvent[] = [];
    const lifecycle = await subscribeStoragePoolEvents(conn, virStoragePoolEventID.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, (e) => events.push(e));
    const refresh = await subscribeStoragePoolEvents(conn, virStoragePoolEventID.VIR_STORAGE_POOL_EVENT_ID_REFRESH, (e) => events.push(e));
    const { name, xml } = poolXml();
    const pool = await conn.defineStoragePoolXML(xml);
    const isLifecycle = (type: number) => (e: StoragePoolEvent) =>
      e.name === name && e.event === 'storage-pool-lifecycle' && e.type === type;
    await waitFor(events, isLifecycle(virStoragePoolEventLifecycleType.VIR_STORAGE_POOL_EVENT_DEFINED));
    expect(await pool.isActive()).toBe(false);
    expect((await pool.getInfo()).state).toBe(virStoragePoolState.VIR_STORAGE_POOL_INACTIVE);

    await pool.build();
    await pool.create();
    expect(await pool.isActive()).toBe(true);
    const started = await waitFor(events, isLifecycle(virStoragePoolEventLifecycleType.VIR_STORAGE_POOL_EVENT_STARTED));
    expect(started).toMatchObject({ uuid: pool.getUUIDString(), detail: 0 });
    await pool.refresh();
    await waitFor(events, (e) => e.name === name && e.event === 'storage-pool-refresh');

    await pool.setAutostart(true);
    expect(await pool.getAutostart()).toBe(true);

    await expectLibvirtError(pool.delete(), 'VIR_ERR_OPERATION_INVALID'); // still running
    await pool.destroy();
    await waitFor(events, isLifecycle(virStoragePoolEventLifecycleType.VIR_STORAGE_POOL_EVENT_STOPPED));
    await pool.delete();
    await pool.undefine();
    await waitFor(events, isLifecycle(virStoragePoolEventLifecycleType.VIR_STORAGE_POOL_EVENT_UNDEFINED));
    await expectLibvirtError(conn.lookupStoragePoolByName(name), 'VIR_ERR_NO_STORAGE_POOL');

    await lifecycle.dispose();
    await refresh.dispose();
    const count = events.length;
    await (await conn.defineStoragePoolXML(poolXml().xml)).undefine();
    await sleep(200);
    expect(events.length).toBe(count);
  });

  it('creates a transient pool that disappears when stopped', async () => {
    const { name, xml } = poolXml();
    const pool = await conn.createStoragePoolXML(xml);
    expect(await pool.isActive()).toBe(true);
    expect(await pool.isPersistent()).toBe(false);
    await pool.destroy();
    await expectLibvirtError(conn.lookupStoragePoolByName(name), 'VIR_ERR_NO_STORAGE_POOL');
  });

  it('creates, clones, finds and deletes volumes', async () => {
    const { name, xml } = poolXml();
    const pool = await conn.createStoragePoolXML(xml);
    const vol = await pool.createVolumeXML(volXml('disk-a.img', 4 * MiB));
    expect(vol.getName()).toBe('disk-a.img');
    const path = await vol.getPath();
    expect(path).toBe(`/${name}/disk-a.img`);
    expect(vol.getKey()).toBe(path);
    expect(await vol.getInfo()).toEqual({ type: virStorageVolType.VIR_STORAGE_VOL_FILE, capacity: 4 * MiB, allocation: 4 * MiB });
    expect(await vol.getXMLDesc()).toContain('<name>disk-a.img</name>');
    expect((await pool.getInfo()).allocation).toBe(4 * MiB);

    const clone = await pool.createVolumeXMLFrom(volXml('disk-b.img', 4 * MiB), vol);
    expect((await clone.getInfo()).capacity).toBe(4 * MiB);
    expect((await pool.listAllVolumes()).map((v) => v.getName()).sort()).toEqual(['disk-a.img', 'disk-b.img']);
    expect((await conn.lookupStorageVolByPath(path)).getName()).toBe('disk-a.img');
    expect((await conn.lookupStorageVolByKey(clone.getKey())).getName()).toBe('disk-b.img');
    expect((await pool.lookupVolumeByName('disk-b.img')).getKey()).toBe(`/${name}/disk-b.img`);
    expect((await vol.getPool()).getName()).toBe(name);

    await vol.delete();
    expect((await pool.listAllVolumes()).map((v) => v.getName())).toEqual(['disk-b.img']);
    await expectLibvirtError(pool.lookupVolumeByName('disk-a.img'), 'VIR_ERR_NO_STORAGE_VOL');
    await expectLibvirtError(conn.lookupStorageVolByPath(path), 'VIR_ERR_NO_STORAGE_VOL');
    await expectLibvirtError(pool.createVolumeXML(volXml('disk-b.img', MiB)), 'VIR_ERR_OPERATION_FAILED');
  });

  it('reports what the test driver lacks and bad input as LibvirtErrors', async () => {
    const pool = await conn.createStoragePoolXML(poolXml().xml);
    const vol = await pool.createVolumeXML(volXml('v.img', MiB));
    expect((await expectLibvirtError(vol.wipe(), 'VIR_ERR_NO_SUPPORT')).function).toBe('virStorageVolWipe');
    await expectLibvirtError(vol.resize(2 * MiB), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(conn.lookupStoragePoolByName(`${unique}-missing`), 'VIR_ERR_NO_STORAGE_POOL');
    await expectLibvirtError(conn.defineStoragePoolXML('<pool>'), 'VIR_ERR_XML_DETAIL');
    await expectLibvirtError(pool.createVolumeXML('<volume/>'), 'VIR_ERR_XML_ERROR');
  });

  it('refuses wrong arguments with a TypeError before doing any work', async () => {
    const pool = await conn.lookupStoragePoolByName('default-pool');
    const net = await conn.lookupNetworkByName('default');
    expect(() => conn.lookupStorageVolByPath(undefined as never)).toThrow(/path must be a string/);
    expect(() => conn.storagePoolEventRegister(99, null, () => undefined)).toThrow(/not supported/);
    expect(() => conn.storagePoolEventRegister(0, net as never, () => undefined)).toThrow(/must be a StoragePool/);
    expect(() => pool.createVolumeXMLFrom(volXml('x', MiB), pool as never)).toThrow(/sourceVol must be a StorageVol/);
    expect(() => pool.build(1.5)).toThrow(/unsigned 32-bit/);
    const vol = await (await conn.createStoragePoolXML(poolXml().xml)).createVolumeXML(volXml('r.img', MiB));
    expect(() => vol.resize(-1)).toThrow(/non-negative safe integer/);
    expect(() => vol.resize(2 ** 60)).toThrow(/non-negative safe integer/);
    expect(() => vol.resize('1G' as never)).toThrow(/capacity must be a number/);
  });

  it('close() removes the connection\'s storage pool callbacks', async () => {
    const other = await openConnection('test:///default');
    const seenByOther: StoragePoolEvent[] = [];
    const seen: StoragePoolEvent[] = [];
    await other.storagePoolEventRegister(virStoragePoolEventID.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, null, (e) => seenByOther.push(e));
    await conn.storagePoolEventRegister(virStoragePoolEventID.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, null, (e) => seen.push(e));
    await other.close();
    const { name, xml } = poolXml();
    await (await conn.defineStoragePoolXML(xml)).undefine();
    await waitFor(seen, (e) => e.name === name && e.event === 'storage-pool-lifecycle' && e.type === virStoragePoolEventLifecycleType.VIR_STORAGE_POOL_EVENT_UNDEFINED);
    expect(seenByOther.filter((e) => e.name === name)).toEqual([]);
  });

  it('frees pools and volumes explicitly and refuses use after free', async () => {
    const pool = await conn.lookupStoragePoolByName('default-pool');
    const vol = await (await conn.createStoragePoolXML(poolXml().xml)).createVolumeXML(volXml('f.img', MiB));
    pool.free();
    vol.free();
    const codes = [() => pool.getName(), () => vol.getKey()].map((fn) => {
      try {
        fn();
        return 'no error';
      } catch (e) {
        return e instanceof LibvirtError ? e.codeName : String(e);
      }
    });
    expect(codes).toEqual(['VIR_ERR_INVALID_STORAGE_POOL', 'VIR_ERR_INVALID_STORAGE_VOL']);
  });
});
