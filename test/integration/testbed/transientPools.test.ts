/**
 * Transient directory pools over a folder no pool covers (storagePools.ts), on a real host: libvirt refuses a
 * second pool over a folder another pool covers ("Storage source conflict"), so two looks at one folder must
 * not overlap, whoever asks: the migration check (LibvirtMigrationPort.storagePathsExist) and install media
 * given as a path (LibvirtInstallMedia.inspect), several at once. Each finds the file; no probe pool is left.
 * A probe pool a crash left over the folder is never taken for a pool of the user's (a proposal would name
 * its volume, gone with it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { copyFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virConnectListAllStoragePoolsFlags, type Connection } from '../../../native-helpers/libvirt/lib/index';
import { HostManager } from '../../../main/core/hosts/HostManager';
import { OsDatabase } from '../../../main/core/provisioning/osinfo/OsDatabase';
import { createImageIdentifier } from '../../../main/core/provisioning/osinfo/identifyImage';
import { LibvirtHostDriver } from '../../../main/drivers/libvirt/LibvirtHostDriver';
import { LibvirtInstallMedia } from '../../../main/drivers/libvirt/LibvirtInstallMedia';
import { LibvirtMigrationPort } from '../../../main/drivers/libvirt/LibvirtMigrationPort';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();

describe.skipIf(!env)('transient pools over one folder on a test bed host', () => {
  const hosts = new HostManager({ drivers: [new LibvirtHostDriver()] });
  const migration = new LibvirtMigrationPort(hosts);
  let media: LibvirtInstallMedia;
  let hostId: string;
  let conn: Connection;
  let folder: string;

  const probePools = async () => {
    const pools = await conn.listAllStoragePools(virConnectListAllStoragePoolsFlags.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
    const names = pools.map((p) => p.getName()).filter((n) => n.startsWith('tandem-probe'));
    for (const p of pools) p.free();
    return names;
  };

  beforeAll(async () => {
    const db = await OsDatabase.load();
    media = new LibvirtInstallMedia(hosts, async () => createImageIdentifier(db));
    hostId = (await hosts.add(env!.host1Uri)).id;
    conn = await openConnection(env!.host1Uri);
    folder = await mkdtemp(join(env!.images, 'probe-together-'));
    await copyFile(env!.installIso!, join(folder, 'netinst.iso'));
  });

  afterAll(async () => {
    await conn?.close();
    await hosts.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('the migration check and install media look at one folder at the same time, each finding the file', async () => {
    const iso = join(folder, 'netinst.iso');
    const looks = Array.from({ length: 4 }, () => [
      migration.storagePathsExist(hostId, [iso]),
      media.inspect(hostId, { kind: 'path', path: iso }),
      new LibvirtInstallMedia(hosts, async () => () => undefined).inspect(hostId, { kind: 'path', path: iso }),
    ]).flat();
    const results = await Promise.allSettled(looks);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const [i, r] of results.entries()) {
      const value = (r as PromiseFulfilledResult<unknown>).value;
      if (i % 3 === 0) expect(value).toEqual([true]);
      else expect(value).toMatchObject({ state: 'iso', iso: { path: iso } });
    }
    expect(await probePools()).toEqual([]);
  });

  it("a probe pool left by a crash is not a pool of the user's: the ISO is known by its path only", async () => {
    const iso = join(folder, 'netinst.iso');
    const leftover = await conn.createStoragePoolXML(`<pool type='dir'><name>tandem-probe-crashed</name><target><path>${folder}</path></target></pool>`);
    try {
      expect(await media.inspect(hostId, { kind: 'path', path: iso })).toEqual({ state: 'iso', iso: { path: iso, sizeBytes: expect.any(Number) } });
      expect(await migration.storagePathsExist(hostId, [iso])).toEqual([true]);
      expect(await probePools()).toEqual(['tandem-probe-crashed']);
    } finally {
      await leftover.destroy();
      leftover.free();
    }
  });
});
