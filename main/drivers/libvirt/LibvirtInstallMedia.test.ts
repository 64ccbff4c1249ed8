/**
 * Install media on libvirt's test driver (real libvirt, no daemon): the ISO volumes of the demo host's pool
 * (by libvirt's format, so a ".iso" that is not one is left out and an ISO named ".img" is in), and a medium
 * looked up as a volume or a path: an ISO, something else, or nothing. The path look-ups through a pool over
 * the folder or a transient one are tested on real daemons (test/integration/testbed/deployInstallMedia.test.ts).
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostManager } from '../../core/hosts/HostManager';
import { OsDatabase } from '../../core/provisioning/osinfo/OsDatabase';
import { createImageIdentifier } from '../../core/provisioning/osinfo/identifyImage';
import { LibvirtHostDriver, libvirtConnectionOf } from './LibvirtHostDriver';
import { LibvirtInstallMedia } from './LibvirtInstallMedia';

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
