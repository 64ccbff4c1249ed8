/**
 * Install media on libvirt's test driver (real libvirt, no daemon): the ISO volumes of the demo host's pool
 * (by libvirt's format, so a ".iso" that is not one is left out and an ISO named ".img" is in), and a medium
 * looked up as a volume or a path: an ISO, something else, or nothing; a deployed VM's cloud-init seed is no
 * installer, and a volume deleted while the pool is listed is skipped. The path look-ups through a pool over
 * the folder or a transient one are tested on real daemons (test/integration/testbed/deployInstallMedia.test.ts).
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostManager } from '../../core/hosts/HostManager';
import { OsDatabase } from '../../core/provisioning/osinfo/OsDatabase';
import { createImageIdentifier } from '../../core/provisioning/osinfo/identifyImage';
import { LibvirtHostDriver, libvirtConnectionOf } from './LibvirtHostDriver';
import type { StoragePool } from '../../../native-helpers/libvirt/lib/index';
import { LibvirtInstallMedia, isoVolumesOf } from './LibvirtInstallMedia';

const DEMO = `test://${join(resolve(import.meta.dirname, '..', '..', '..'), 'assets', 'demo-host.xml')}`;
const NETINST = 'debian-11.5.0-amd64-netinst.iso';

describe("LibvirtInstallMedia on libvirt's test driver (the demo host)", () => {
  const hosts = new HostManager({ drivers: [new LibvirtHostDriver()], firstRetryMs: 3_600_000 });
  let media: LibvirtInstallMedia;
  let hostId: string;

  beforeAll(async () => {
    const db = await OsDatabase.load();
    media = new LibvirtInstallMedia(hosts, async () => createImageIdentifier(db));
    hostId = (await hosts.add(DEMO)).id;
    const pool = await libvirtConnectionOf(hosts.session(hostId)).lookupStoragePoolByName('default');
    try {
      for (const [name, format] of [
        ['fake.iso', 'raw'],
        ['installer.img', 'iso'],
        ['web-seed.iso', 'iso'],
      ]) {
        (await pool.createVolumeXML(`<volume><name>${name}</name><capacity unit='MiB'>1</capacity><target><format type='${format}'/></target></volume>`)).free();
      }
    } finally {
      pool.free();
    }
  });
  afterAll(() => hosts.dispose());

  it('lists the ISO volumes by their format, with the OS osinfo knows by the file name', async () => {
    const listed = (await media.list(hostId)).sort((a, b) => a.path.localeCompare(b.path));
    expect(listed).toEqual([
      { pool: 'default', volume: NETINST, path: `/var/lib/libvirt/images/${NETINST}`, sizeBytes: 389 * 2 ** 20, osinfoId: 'debian11' },
      { pool: 'default', volume: 'installer.img', path: '/var/lib/libvirt/images/installer.img', sizeBytes: 2 ** 20 },
    ]);
  });

  it('skips a volume deleted while the pool is read (a deploy rolling back its seed), instead of failing the listing', async () => {
    const conn = libvirtConnectionOf(hosts.session(hostId));
    const pool = await conn.lookupStoragePoolByName('default');
    try {
      (await pool.createVolumeXML(`<volume><name>going.iso</name><capacity unit='MiB'>1</capacity><target><format type='iso'/></target></volume>`)).free();
      // The real pool, whose listing is followed by the deletion of one of the volumes it returned.
      const listThenDelete = async (flags?: number) => {
        const volumes = await pool.listAllVolumes(flags);
        await volumes.find((v) => v.getName() === 'going.iso')!.delete();
        return volumes;
      };
      const racing = new Proxy(pool, {
        get: (target, key) => (key === 'listAllVolumes' ? listThenDelete : (Reflect.get(target, key, target) as (...a: unknown[]) => unknown).bind(target)),
      }) as StoragePool;
      const listed = await isoVolumesOf(racing);
      expect(listed.map((v) => v.volume).sort()).toEqual([NETINST, 'installer.img']);
    } finally {
      pool.free();
    }
  });

  it('inspects a named volume: an ISO, something else, a volume or pool that is not there', async () => {
    expect(await media.inspect(hostId, { kind: 'volume', pool: 'default', volume: NETINST })).toEqual({
      state: 'iso',
      iso: { pool: 'default', volume: NETINST, path: `/var/lib/libvirt/images/${NETINST}`, sizeBytes: 389 * 2 ** 20 },
    });
    expect(await media.inspect(hostId, { kind: 'volume', pool: 'default', volume: 'fake.iso' })).toEqual({
      state: 'not-iso',
      format: 'raw',
      path: '/var/lib/libvirt/images/fake.iso',
    });
    expect(await media.inspect(hostId, { kind: 'volume', pool: 'default', volume: 'web-frontend.qcow2' })).toMatchObject({ state: 'not-iso', format: 'qcow2' });
    const demo = hosts.get(hostId).name;
    expect(await media.inspect(hostId, { kind: 'volume', pool: 'default', volume: 'gone.iso' })).toEqual({
      state: 'missing',
      reason: `storage pool "default" on ${demo} has no volume "gone.iso"`,
    });
    expect(await media.inspect(hostId, { kind: 'volume', pool: 'isos', volume: NETINST })).toEqual({ state: 'missing', reason: `${demo} has no storage pool "isos"` });
  });

  it('inspects a path of a pool volume', async () => {
    expect(await media.inspect(hostId, { kind: 'path', path: `/var/lib/libvirt/images/${NETINST}` })).toMatchObject({
      state: 'iso',
      iso: { pool: 'default', volume: NETINST },
    });
  });
});
