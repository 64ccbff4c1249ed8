/**
 * The migration check's storage look-up on a real destination (LibvirtMigrationPort.storagePathsExist):
 * a file in a folder no pool covers is found through a transient probe pool that is gone afterwards; a
 * folder covered by a pool that is defined but not started is a specific, typed refusal naming that pool
 * (libvirt refuses a second pool over the same folder, so no probe can look there).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virConnectListAllStoragePoolsFlags, type Connection } from '../../../native-helpers/libvirt/lib/index';
import { HostManager } from '../../../main/core/hosts/HostManager';
import { LibvirtHostDriver } from '../../../main/drivers/libvirt/LibvirtHostDriver';
import { LibvirtMigrationPort } from '../../../main/drivers/libvirt/LibvirtMigrationPort';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);

describe.skipIf(!env)('migration storage look-up on a test bed host', () => {
  const hosts = new HostManager({ drivers: [new LibvirtHostDriver()] });
  const port = new LibvirtMigrationPort(hosts);
  let hostId: string;
  let conn: Connection;
  let folder: string;
  const poolName = `it-probe-inactive-${process.pid}`;

  const poolNames = async () => {
    const pools = await conn.listAllStoragePools(virConnectListAllStoragePoolsFlags.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
    const names = pools.map((p) => p.getName());
    for (const p of pools) p.free();
    return names;
  };

  beforeAll(async () => {
    hostId = (await hosts.add(env!.host1Uri)).id;
    conn = await openConnection(env!.host1Uri);
    folder = await mkdtemp(join(env!.images, 'probe-'));
    await execFileAsync('qemu-img', ['create', '-f', 'qcow2', join(folder, 'disk.qcow2'), '1M']);
  });

  afterAll(async () => {
    const pool = await conn?.lookupStoragePoolByName(poolName).catch(() => undefined);
    if (pool) {
      await pool.undefine().catch(() => undefined);
      pool.free();
    }
    await conn?.close();
    await hosts.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('finds a file in a folder no pool covers, and leaves no probe pool behind', async () => {
    const before = await poolNames();
    expect(await port.storagePathsExist(hostId, [join(folder, 'disk.qcow2'), join(folder, 'missing.qcow2')])).toEqual([true, false]);
    expect(await poolNames()).toEqual(before);
  });

  it('a folder under a defined but stopped pool is a Conflict naming the pool, not libvirt\'s "storage source conflict"', async () => {
    const xml = `<pool type="dir"><name>${poolName}</name><target><path>${folder}</path></target></pool>`;
    (await conn.defineStoragePoolXML(xml)).free();
    await expect(port.storagePathsExist(hostId, [join(folder, 'disk.qcow2')])).rejects.toMatchObject({
      kind: 'Conflict',
      code: 'storage.pool-inactive',
      message: expect.stringContaining(`"${poolName}"`),
    });
  });
});
