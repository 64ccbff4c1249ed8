/**
 * Install media in a pool where libvirt is building a volume (a deploy's full copy of a big image), on a real
 * host: libvirt refuses to refresh such a pool ("pool has asynchronous jobs running"), which used to fail the
 * ISO picker's listing of the whole host and the look-up of an ISO there. The pool is now read as it is.
 */
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtError, openConnection, type Connection, type StoragePool } from '../../../native-helpers/libvirt/lib/index';
import { HostManager } from '../../../main/core/hosts/HostManager';
import { LibvirtHostDriver } from '../../../main/drivers/libvirt/LibvirtHostDriver';
import { LibvirtInstallMedia } from '../../../main/drivers/libvirt/LibvirtInstallMedia';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
/** Random bytes (a copy cannot skip holes), enough for the copy to outlast the look-ups. */
const BIG_MIB = 384;

describe.skipIf(!env)('install media in a pool libvirt is building a volume in', () => {
  const hosts = new HostManager({ drivers: [new LibvirtHostDriver()] });
  const media = new LibvirtInstallMedia(hosts, async () => () => undefined);
  const poolName = `busy-${randomBytes(3).toString('hex')}`;
  let hostId: string;
  let conn: Connection;
  let pool: StoragePool;
  let folder: string;

  beforeAll(async () => {
    hostId = (await hosts.add(env!.host1Uri)).id;
    conn = await openConnection(env!.host1Uri);
    folder = await mkdtemp(join(env!.images, 'busy-pool-'));
    await copyFile(env!.installIso!, join(folder, 'netinst.iso'));
    const big = await open(join(folder, 'big.raw'), 'w');
    for (let i = 0; i < BIG_MIB; i++) await big.write(randomBytes(2 ** 20));
    await big.close();
    pool = await conn.createStoragePoolXML(`<pool type='dir'><name>${poolName}</name><target><path>${folder}</path></target></pool>`);
  }, 60_000);

  afterAll(async () => {
    await pool?.destroy().catch(() => undefined);
    pool?.free();
    await conn?.close();
    await hosts.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('lists and inspects the ISO while a full copy runs in the pool', async () => {
    // On a loaded machine the copy can end before a refresh sees it, or during the look-ups: such a round
    // proves nothing and is run again (each round's copy is removed first).
    for (let round = 1; ; round++) {
      const outcome = await lookUpsDuringCopy(round);
      if (outcome === 'proved') return;
      if (round === 3) throw new Error(`the copy of ${BIG_MIB} MiB ended before the look-ups did in 3 rounds (${outcome}): the machine copies too fast for this test`);
    }
  }, 180_000);

  /** One full copy in the pool and the look-ups while libvirt refuses refreshes; says whether it proved that. */
  async function lookUpsDuringCopy(round: number): Promise<'proved' | 'copy ended first'> {
    const source = await pool.lookupVolumeByName('big.raw');
    const name = `copy-${round}.raw`;
    let copyEnded = false;
    const copying = pool.createVolumeXMLFrom(`<volume><name>${name}</name><capacity unit='MiB'>${BIG_MIB}</capacity><target><format type='raw'/></target></volume>`, source);
    const ended = copying.then(
      (volume) => {
        copyEnded = true;
        return volume;
      },
      (error: unknown) => {
        copyEnded = true;
        throw error;
      },
    );
    try {
      // The copy has begun once libvirt refuses a refresh of the pool.
      let busy = false;
      while (!busy && !copyEnded) {
        try {
          await pool.refresh();
          await new Promise((resolve) => setTimeout(resolve, 5));
        } catch (error) {
          if (!(error instanceof LibvirtError && /asynchronous jobs running/.test(error.message))) throw error;
          busy = true;
        }
      }
      if (!busy) return 'copy ended first';
      const listed = await media.list(hostId);
      const byVolume = await media.inspect(hostId, { kind: 'volume', pool: poolName, volume: 'netinst.iso' });
      const byPath = await media.inspect(hostId, { kind: 'path', path: join(folder, 'netinst.iso') });
      // Whatever the round, the answers must be right; they prove the busy pool was read only if the copy still runs.
      expect(listed.filter((m) => m.pool === poolName).map((m) => m.volume)).toEqual(['netinst.iso']);
      expect(byVolume).toMatchObject({ state: 'iso' });
      expect(byPath).toMatchObject({ state: 'iso', iso: { pool: poolName } });
      if (copyEnded) return 'copy ended first';
      await expect(pool.refresh()).rejects.toThrow(/asynchronous jobs running/);
      return 'proved';
    } finally {
      const copy = await ended;
      await copy.delete().catch(() => undefined);
      copy.free();
      source.free();
    }
  }
});
