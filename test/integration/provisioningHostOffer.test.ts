/**
 * The host offer from a real libvirt: the embedded QEMU driver (qemu:///embed, no daemon) of this machine and
 * libvirt's test driver, through Tandem's binding. What it reports must agree with the packages installed here (scripts/setup.sh
 * and scripts/testbed/install-deps.sh install ovmf and swtpm).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvmVerdict } from '../../main/core/hosts/KvmProbe';
import { bestMatch } from '../../main/core/provisioning/bestMatch';
import { domainFeaturesOf, guestArchesOf } from '../../main/core/provisioning/hostCapabilities';
import { OsDatabase } from '../../main/core/provisioning/osinfo/OsDatabase';
import { createImageIdentifier } from '../../main/core/provisioning/osinfo/identifyImage';
import { readHostOffer, type ImageIdentifier } from '../../main/drivers/libvirt/LibvirtHostOfferReader';
import { openConnection, type Connection } from '../../native-helpers/libvirt/lib';

describe('host offer from the embedded QEMU driver', () => {
  let root: string;
  let conn: Connection;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tandem-embed-'));
    conn = await openConnection(`qemu:///embed?root=${root}`);
  });
  afterAll(async () => {
    await conn?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('finds x86_64 guests, and KVM exactly when /dev/kvm is there', async () => {
    const arches = guestArchesOf(await conn.getCapabilities());
    const x86 = arches.find((a) => a.arch === 'x86_64');
    expect(x86?.domainTypes).toContain('qemu');
    expect(x86?.domainTypes.includes('kvm')).toBe(existsSync('/dev/kvm'));
  });

  it('finds OVMF with Secure Boot on q35 and the swtpm backend, as installed', async () => {
    for (const path of ['/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', '/usr/bin/swtpm']) {
      expect(existsSync(path), `${path} missing: scripts/testbed/install-deps.sh installs ovmf and swtpm`).toBe(true);
    }
    const features = domainFeaturesOf(await conn.getDomainCapabilities(null, 'x86_64', 'q35', 'qemu'));
    expect(features).toMatchObject({ arch: 'x86_64', domainType: 'qemu', uefi: true, secureBoot: true, tpmEmulator: true });
    expect(features.graphics).toContain('vnc');
  });

  it('reads the whole offer: firmware and TPM as installed; KVM as the probe found it', async () => {
    // The embedded driver cannot start guests (no virtlogd), so the KVM probe's verdict is given here; the
    // probe itself runs against real daemons in test/integration/testbed/kvmProbe.test.ts.
    const identify = createImageIdentifier(await OsDatabase.load(['/usr/share/osinfo']));
    const asked: string[] = [];
    const read = (verdict: KvmVerdict) =>
      readHostOffer(conn, { hostId: 'embed', hostName: 'Embedded' }, identify, async (arch) => {
        asked.push(arch);
        return verdict;
      });
    const offer = await read({ usable: true });
    expect(offer).toMatchObject({
      guestArches: expect.arrayContaining(['x86_64']),
      firmware: { uefi: true, secureBoot: true },
      tpmEmulator: true,
    });
    // QEMU 7.2's machine types: both chipsets a request may name.
    expect(offer.chipsets?.x86_64).toEqual(['pc', 'q35']);
    expect(offer.simulated).toBeUndefined();
    expect(offer.kvmArches.includes('x86_64')).toBe(existsSync('/dev/kvm'));
    expect(offer.kvmUnusable).toBeUndefined();
    const unusable = await read({ usable: false, reason: 'failed to set MSR 0x10a' });
    expect(unusable.kvmArches).toEqual([]);
    expect(unusable.kvmUnusable).toBe(existsSync('/dev/kvm') ? 'failed to set MSR 0x10a' : undefined);
    expect(unusable.firmware).toEqual(offer.firmware);
    // Asked only where libvirt lists kvm, for the host's own arch.
    expect(asked).toEqual(existsSync('/dev/kvm') ? ['x86_64', 'x86_64'] : []);
  });

  it('finds no Secure Boot on the pc machine (it has no SMM)', async () => {
    const features = domainFeaturesOf(await conn.getDomainCapabilities(null, 'x86_64', 'pc', 'qemu'));
    expect(features).toMatchObject({ uefi: true, secureBoot: false });
  });
});

describe('readHostOffer, then the best match, on real libvirt', () => {
  let identify: ImageIdentifier;
  let db: OsDatabase;
  beforeAll(async () => {
    db = await OsDatabase.load(['/usr/share/osinfo']);
    identify = createImageIdentifier(db);
  });

  it("reads the test driver's node, pool, network and a cloud image it identifies", async () => {
    const conn = await openConnection('test:///default');
    try {
      const pool = await conn.lookupStoragePoolByName('default-pool');
      const volume = await pool.createVolumeXML(
        `<volume><name>debian-11-genericcloud-amd64.qcow2</name><capacity unit='GiB'>2</capacity><target><format type='qcow2'/></target></volume>`,
      );
      volume.free();
      pool.free();
      const offer = await readHostOffer(conn, { hostId: 'test', hostName: 'Test' }, identify, () => {
        throw new Error('the test driver lists no kvm: its KVM is never probed');
      });
      expect(offer).toMatchObject({
        simulated: true,
        guestArches: expect.arrayContaining(['i686', 'x86_64', 'aarch64']),
        cpus: 16,
        totalMemoryBytes: 3 * 1024 ** 3,
        pools: [{ name: 'default-pool', active: true, capacityBytes: 100 * 1024 ** 3, freeBytes: expect.any(Number) }],
        networks: [{ name: 'default', active: true, forward: 'nat' }],
        firmware: { uefi: false, secureBoot: false },
        tpmEmulator: false,
        images: [
          {
            osinfoId: 'debian11',
            arch: 'x86_64',
            kind: 'cloud-image',
            format: 'qcow2',
            cloudInit: true,
            pool: 'default-pool',
            volume: 'debian-11-genericcloud-amd64.qcow2',
            virtualSizeBytes: 2 * 1024 ** 3,
          },
        ],
      });
      // Simulated guests use no memory: the whole 3 GiB counts as free, less 2 GiB of headroom.
      expect(offer.freeMemoryBytes).toBe(3 * 1024 ** 3);
      const result = bestMatch(
        {
          os: { osinfoId: 'debian11' },
          hardware: { vcpus: 2, memoryMiB: 4096, firmware: 'uefi', disks: [{ sizeGiB: 20 }], nics: [{ network: 'default' }] },
        },
        [offer],
        db,
      );
      expect(result.refusals).toEqual([]);
      expect(result.proposals[0]?.changes.map((c) => c.text)).toEqual([
        'UEFI requested, host has no OVMF -> BIOS',
        'memory 4 GiB -> 1 GiB: host has 3 GiB free (2 GiB kept as headroom)',
      ]);
      expect(result.proposals[0]?.config.hardware.disks[0]).toMatchObject({ pool: 'default-pool', sizeGiB: 20 });
      expect(result.proposals[0]?.image?.volume).toBe('debian-11-genericcloud-amd64.qcow2');
    } finally {
      await conn.close();
    }
  });
});
