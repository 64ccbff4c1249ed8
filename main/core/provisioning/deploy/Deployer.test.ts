/**
 * The Deployer's job against a scripted port (an in-memory host that records what exists): the order of the
 * steps, the rollback in reverse order after a failure at each step, and a rollback that itself fails is
 * reported with what is left, never swallowed. The real libvirt side: test/integration/testbed/deploy.test.ts.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobSnapshot } from '../../jobs/JobRegistry';
import { ConflictError, OperationFailedError } from '../../errors';
import { GuestAddressWatcher } from '../../guestAddresses/GuestAddressWatcher';
import type { GuestAddressesChange } from '../../guestAddresses/guestAddressSchemas';
import { JobRegistry } from '../../jobs/JobRegistry';
import { OsDatabase } from '../osinfo/OsDatabase';
import { SCRIPTED_ISO_VOLUME, SCRIPTED_OFFER, ScriptedHost, type DeployCall } from '../../testing/scriptedDeployHost';
import { DomainXml } from '../../inventory/DomainXml';
import { XmlDocument, XmlNode } from '../../xml/XmlDocument';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { virtXmlValidate } from '../../testing/virtXmlValidate';
import { requestFromDomain } from '../requestFromDomain';
import { GiB } from '../units';
import { Deployer, type DeployerDeps } from './Deployer';



let db: OsDatabase;
beforeAll(async () => {
  db = await OsDatabase.load();
});

function setup(extra: Partial<DeployerDeps> = {}) {
  const host = new ScriptedHost();
  const jobs = new JobRegistry();
  const watcher = new GuestAddressWatcher({ port: host, pollMs: 1 });
  const found: GuestAddressesChange[] = [];
  watcher.found.on((change) => found.push(change));
  const deps: DeployerDeps = {
    jobs,
    port: host,
    media: host,
    offers: { offer: async () => SCRIPTED_OFFER },
    osDatabase: async () => db,
    apps: async () => new Map(),
    addresses: watcher,
    ...extra,
  };
  return { host, jobs, watcher, found, deployer: new Deployer(deps) };
}

const REQUEST = {
  hostId: 'h',
  name: 'web',
  request: { os: { osinfoId: 'debian11' }, hardware: { vcpus: 1, memoryMiB: 512, disks: [{ sizeGiB: 10 }, { sizeGiB: 5 }], nics: [{ network: 'default' }] } },
};

describe('Deployer', () => {
  it('creates disks, seed, domain, starts it and reports the address', async () => {
    const { host, jobs, deployer, found } = setup();
    host.leaseAfterReads = 3;
    const job = await jobs.wait((await deployer.deploy(REQUEST)).id);
    expect(job.state).toBe('succeeded');
    expect(job.result).toMatchObject({ name: 'web', address: '192.168.122.50', addressNote: "from the network's DHCP lease" });
    expect((job.result as { addresses: unknown[] }).addresses).toEqual([
      { address: '192.168.122.50', prefix: 24, family: 'ipv4', mac: '52:54:00:00:00:00', interface: 'vnet0', source: 'lease' },
    ]);
    expect(host.addressReads).toHaveLength(4);
    expect(found).toEqual([{ hostId: 'h', uuid: expect.any(String), addresses: (job.result as { addresses: unknown[] }).addresses }]);
    expect(host.log).toEqual(['createVolume', 'createVolume', 'createVolume', 'uploadVolume', 'defineDomain', 'startDomain']);
    expect([...host.volumes].sort()).toEqual([SCRIPTED_ISO_VOLUME, 'default/web-disk0.qcow2', 'default/web-disk1.qcow2', 'default/web-seed.iso']);
  });

  it.each<[DeployCall, number]>([
    ['createVolume', 0],
    ['uploadVolume', 3],
    ['defineDomain', 3],
    ['startDomain', 3],
  ])('a failure of %s rolls back the %i volumes created, newest first, and the domain', async (call, created) => {
    const { host, jobs, deployer } = setup();
    host.failOn[call] = new OperationFailedError('libvirt.VIR_ERR_INTERNAL_ERROR', `${call} refused`);
    const job = await jobs.wait((await deployer.deploy(REQUEST)).id);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toBe(`${call} refused`);
    expect([...host.volumes]).toEqual([SCRIPTED_ISO_VOLUME]);
    expect(host.domains.size).toBe(0);
    expect(host.log.filter((c) => c === 'deleteVolume')).toHaveLength(created);
    if (call === 'startDomain') expect(host.log.slice(-4)).toEqual(['undefineDomain', 'deleteVolume', 'deleteVolume', 'deleteVolume']);
  });

  it('a guest slower than the job: the VM runs, "not known yet", and the address is announced once it comes', async () => {
    const { host, jobs, deployer, watcher, found } = setup({ addressTimeoutMs: 20 });
    host.leaseAfterReads = Infinity;
    const job = await jobs.wait((await deployer.deploy(REQUEST)).id);
    expect(job.state).toBe('succeeded');
    expect(job.result).toMatchObject({ address: null, addresses: [], addressNote: expect.stringMatching(/^Not known yet after 20 ms .*keeps looking/) });
    const uuid = (job.result as { uuid: string }).uuid;
    expect(host.domains.get(uuid)).toEqual({ running: true });
    expect(watcher.watching()).toEqual([`h/${uuid}`]);
    host.leaseAfterReads = 0;
    await vi.waitFor(() => expect(found).toHaveLength(1), { timeout: 15_000 });
    expect(found[0]).toMatchObject({ hostId: 'h', uuid, addresses: [{ address: '192.168.122.50', source: 'lease' }] });
    expect(watcher.watching()).toEqual([]);
  });

  it("prefers an IPv4 address, and names the guest agent when only it knows one", async () => {
    const uuid = '0b7e8a1c-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
    const { host, jobs, deployer, watcher } = setup({ newUuid: () => uuid });
    host.leaseAfterReads = Infinity;
    host.agentAddresses.set(uuid, [
      { address: 'fd00::9', prefix: 64, family: 'ipv6', mac: '52:54:00:00:00:09', interface: 'eth0', source: 'agent' },
      { address: '192.168.5.9', prefix: 24, family: 'ipv4', mac: '52:54:00:00:00:09', interface: 'eth0', source: 'agent' },
    ]);
    const job = await jobs.wait((await deployer.deploy(REQUEST)).id);
    expect(job.result).toMatchObject({ address: '192.168.5.9', addressNote: 'from the guest agent' });
    expect(watcher.watching()).toEqual([]);
  });

  it('a VM without NICs is not watched', async () => {
    const { host, jobs, deployer, watcher } = setup();
    const noNics = { ...REQUEST, request: { ...REQUEST.request, hardware: { ...REQUEST.request.hardware, nics: [] } } };
    const job = await jobs.wait((await deployer.deploy(noNics)).id);
    expect(job.result).toMatchObject({ address: null, addresses: [], addressNote: 'The VM has no network interface' });
    expect(host.addressReads).toEqual([]);
    expect(watcher.watching()).toEqual([]);
  });

  it('a cancel while waiting for the address removes everything and ends the watch', async () => {
    const { host, jobs, deployer, watcher } = setup();
    host.leaseAfterReads = Infinity;
    const { id } = await deployer.deploy(REQUEST);
    await vi.waitFor(() => expect(host.addressReads.length).toBeGreaterThan(2), { timeout: 15_000 }); // the seed is built with the real xorriso first: slow on a loaded machine
    jobs.cancel(id);
    const job = await jobs.wait(id);
    expect(job.state).toBe('cancelled');
    expect(host.domains.size).toBe(0);
    expect([...host.volumes]).toEqual([SCRIPTED_ISO_VOLUME]);
    expect(watcher.watching()).toEqual([]);
  });

  it('a rollback step that fails is reported with what is left', async () => {
    const { host, jobs, deployer } = setup();
    host.failOn.startDomain = new OperationFailedError('libvirt.X', 'start refused');
    host.failOn.deleteVolume = new OperationFailedError('libvirt.X', 'pool gone');
    const job = await jobs.wait((await deployer.deploy(REQUEST)).id);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('deploy.rollback-incomplete');
    expect(job.error?.message).toMatch(/start refused/);
    expect(job.error?.message).toMatch(/volume default\/web-disk0\.qcow2 \(pool gone\)/);
    expect(host.domains.size).toBe(0);
  });

  it('refuses before creating anything: hardware the host lacks, a name or volume already taken', async () => {
    const { host, deployer } = setup();
    await expect(deployer.deploy({ ...REQUEST, request: { ...REQUEST.request, hardware: { ...REQUEST.request.hardware, arch: 'aarch64' } } })).rejects.toMatchObject({
      kind: 'InvalidInput',
      details: { field: 'request.hardware.arch' },
    });
    host.volumes.add('default/web-seed.iso');
    await expect(deployer.deploy(REQUEST)).rejects.toMatchObject({ kind: 'Conflict', code: 'deploy.volume-taken', details: { field: 'name' } });
    expect(host.log).toEqual([]);
  });
});

describe('Deployer.previewXml', () => {
  const fixedUuid = () => '6f1c0a52-3c1e-4d5e-9a0b-1c2d3e4f5a6b';

  it('is the XML the deploy defines for the same request, and creates nothing', async () => {
    const { host, jobs, deployer } = setup({ newUuid: fixedUuid });
    const { xml } = await deployer.previewXml(REQUEST);
    expect(host.log).toEqual([]);
    expect(host.created.length + host.domains.size).toBe(0);
    expect(xml).toMatch(/^<domain /);
    expect(xml).toContain('<name>web</name>');
    expect(xml).toContain('web-seed.iso');

    const job = await jobs.wait((await deployer.deploy(REQUEST)).id);
    expect(job.state).toBe('succeeded');
    expect(host.defined).toEqual([xml]);
  });

  it('refuses with the same field errors as deploy', async () => {
    const { host, deployer } = setup();
    host.domains.set('web', { running: false });
    await expect(deployer.previewXml(REQUEST)).rejects.toMatchObject({ kind: 'Conflict', code: 'deploy.name-taken', details: { field: 'name' } });
    await expect(deployer.previewXml({ ...REQUEST, name: 'bad name' })).rejects.toMatchObject({ kind: 'InvalidInput', details: { field: 'name' } });
  });
});

describe('Deployer from install media (an installer ISO the host stores)', () => {
  const ISO = { kind: 'volume', pool: 'default', volume: 'installer.iso' } as const;
  const installer = (os: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
    hostId: 'h',
    name: 'inst',
    request: {
      os: { osinfoId: 'debian11', source: 'install-media' as const, installMedia: ISO, ...os },
      hardware: { vcpus: 1, memoryMiB: 512, disks: [{ sizeGiB: 12 }, { sizeGiB: 2 }], nics: [{ network: 'default' }] },
    },
    ...more,
  });
  const definedRoot = (host: ScriptedHost) => new XmlNode(XmlDocument.parse(host.defined[0]!).root);
  const firstBootRoot = (host: ScriptedHost) => new XmlNode(XmlDocument.parse(host.firstBoots[0]!).root);
  const MARKER = "metadata/*[local-name()='installer'][namespace-uri()='https://tandem.dev/xmlns/installer/1']/@restart";

  it('does not hold the job for an address (an installer takes none soon): the watch alone goes on', async () => {
    const { host, jobs, deployer, watcher } = setup({ addressTimeoutMs: 60_000 });
    host.leaseAfterReads = Infinity;
    const job = await jobs.wait((await deployer.deploy(installer())).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const report = job.result as { address: string | null; addressNote: string; uuid: string };
    expect(report.address).toBeNull();
    // The watch is bounded (10 min by default): the note says so rather than promise the installed system's address.
    expect(report.addressNote).toBe("The installer is running: an address the VM takes within 10 min (the installer's DHCP lease, say) shows when it comes");
    expect(watcher.watching()).toEqual([`h/${report.uuid}`]);
    watcher.dispose();
  });

  it('defines the final configuration (disk boot, drive ejected, marked) and runs the installer once from the ISO (a reboot stops it)', async () => {
    // A Deployer set up for direct kernel boot: an installer boots its own ISO all the same.
    const { host, jobs, deployer } = setup({
      directKernelBoot: { kernel: '/k/vmlinuz', initrd: '/k/initrd', cmdline: 'console=ttyS0', machine: 'pc', serialLogDir: '/logs' },
    });
    const job = await jobs.wait((await deployer.deploy(installer())).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(host.log).toEqual(['createVolume', 'createVolume', 'defineDomain', 'startFirstBoot']);
    expect(host.created).toEqual([
      { pool: 'default', volume: 'inst-disk0.qcow2', capacityBytes: 12 * GiB, format: 'qcow2' },
      { pool: 'default', volume: 'inst-disk1.qcow2', capacityBytes: 2 * GiB, format: 'qcow2' },
    ]);
    // The definition: what every later start boots.
    const final = DomainXml.parse(host.defined[0]!);
    expect(final.machine).toBe('q35'); // Debian 11's devices include the q35 chipset (osinfo)
    expect(final.bootOrder).toEqual(['hd']);
    expect(final.disks.filter((d) => d.device === 'cdrom')).toEqual([{ device: 'cdrom', target: 'sda', bus: 'sata', format: 'raw', readonly: true }]);
    const root = definedRoot(host);
    expect(root.value('on_reboot')).toBe('restart');
    expect(root.value(MARKER)).toBe('once-on-reboot');
    expect(root.element("devices/disk[@device='cdrom']/source")).toBeUndefined();
    // The installer's one run: the ISO booted first, and a reboot stops it.
    const first = DomainXml.parse(host.firstBoots[0]!);
    expect(first.uuid).toBe(final.uuid);
    expect(first.bootOrder).toEqual(['cdrom', 'hd']);
    expect(first.disks.filter((d) => d.device === 'cdrom')).toEqual([
      { device: 'cdrom', target: 'sda', bus: 'sata', source: 'installer.iso', format: 'raw', readonly: true },
    ]);
    const live = firstBootRoot(host);
    expect(live.value('on_reboot')).toBe('destroy');
    expect(live.value(MARKER)).toBeUndefined();
    expect(live.element('os/kernel')).toBeUndefined();
    expect(live.value("devices/disk[@device='cdrom']/source/@pool")).toBe('default');
    for (const xml of [root, live]) {
      expect(xml.value('devices/serial/log/@file')).toBe('/logs/inst.serial.log');
      // SeaBIOS prints what it boots on that serial log.
      expect(xml.value('os/bios/@useserial')).toBe('yes');
    }
    expect(host.defined[0]! + host.firstBoots[0]!).not.toContain('seed');
    const steps = (job.result as { stepsMs: Record<string, number> }).stepsMs;
    expect(Object.keys(steps)).toContain('seed');
  });

  it("keeps Windows' ISO in the drive of the final configuration (its setup reads it again after the first reboot)", async () => {
    const { host, jobs, deployer } = setup();
    const win = installer({ osinfoId: 'win10' });
    win.request.hardware = { ...win.request.hardware, memoryMiB: 4096, disks: [{ sizeGiB: 64, bus: 'sata' }], nics: [] } as never;
    const job = await jobs.wait((await deployer.deploy(win)).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const final = DomainXml.parse(host.defined[0]!);
    expect(final.bootOrder).toEqual(['hd']);
    expect(final.disks.find((d) => d.device === 'cdrom')).toMatchObject({ source: 'installer.iso', readonly: true });
  });

  it('installs an OS whose virtio is legacy-only on i440fx, where its installer sees the virtio disk (osinfo: CentOS 6)', async () => {
    const { host, jobs, deployer } = setup();
    const job = await jobs.wait((await deployer.deploy(installer({ osinfoId: 'centos6.10' }))).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const xml = DomainXml.parse(host.defined[0]!);
    expect(xml.machine).toBe('pc');
    expect(xml.disks.find((d) => d.device === 'disk')).toMatchObject({ bus: 'virtio' });
  });

  it('installs an OS without q35 support on i440fx with an IDE CD-ROM (osinfo: Debian 8)', async () => {
    const { host, jobs, deployer } = setup();
    const job = await jobs.wait((await deployer.deploy(installer({ osinfoId: 'debian8' }))).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const xml = DomainXml.parse(host.defined[0]!);
    expect(xml.machine).toBe('pc');
    expect(xml.disks.find((d) => d.device === 'cdrom')).toMatchObject({ target: 'hda', bus: 'ide', readonly: true });
  });

  it('installs an OS without q35 or virtio on i440fx with IDE disks and an e1000 NIC, as the best match proposes them (osinfo: Windows XP)', async () => {
    const { host, jobs, deployer } = setup();
    const xp = installer({ osinfoId: 'winxp' });
    xp.request.hardware = { ...xp.request.hardware, disks: [{ sizeGiB: 12, bus: 'ide' }], nics: [{ network: 'default', model: 'e1000' }] } as never;
    const job = await jobs.wait((await deployer.deploy(xp)).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const xml = DomainXml.parse(host.defined[0]!);
    expect(xml.machine).toBe('pc');
    expect(xml.disks.map((d) => [d.device, d.target, d.bus])).toEqual([
      ['disk', 'hda', 'ide'],
      ['cdrom', 'hdb', 'ide'],
    ]);
    expect(definedRoot(host).value('devices/interface/model/@type')).toBe('e1000');
  });

  it('refuses IDE disks on q35 and more IDE disks than i440fx has slots for, at the disk, creating nothing', async () => {
    const { host, deployer } = setup();
    const ide = (osinfoId: string, count: number) => {
      const input = installer({ osinfoId });
      input.request.hardware = { ...input.request.hardware, disks: Array.from({ length: count }, () => ({ sizeGiB: 1, bus: 'ide' })) } as never;
      return input;
    };
    await expect(deployer.deploy(ide('debian11', 1))).rejects.toMatchObject({ code: 'deploy.ide-on-q35', details: { field: 'request.hardware.disks.0.bus' } });
    await expect(deployer.deploy(ide('debian8', 4))).rejects.toMatchObject({ code: 'deploy.ide-slots', details: { field: 'request.hardware.disks.3.bus' } });
    expect(host.created).toEqual([]);
  });

  it('a path outside every pool is attached as a file, looked up on the host', async () => {
    const { host, jobs, deployer } = setup();
    host.files.push({ path: '/srv/isos/netinst.iso', format: 'iso', sizeBytes: GiB });
    const job = await jobs.wait((await deployer.deploy(installer({ installMedia: { kind: 'path', path: '/srv/isos/netinst.iso' } }))).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(host.log[0]).toBe('inspect');
    expect(firstBootRoot(host).value("devices/disk[@device='cdrom'][@type='file']/source/@file")).toBe('/srv/isos/netinst.iso');
  });

  it('without named media, takes the installer ISO of the OS the pools hold (identified by name)', async () => {
    const offer = { ...SCRIPTED_OFFER, images: [...SCRIPTED_OFFER.images, { osinfoId: 'debian11', arch: 'x86_64' as const, kind: 'install-media' as const, format: 'iso', cloudInit: false, pool: 'default', volume: 'installer.iso' }] };
    const { host, jobs, deployer } = setup({ offers: { offer: async () => offer } });
    const { installMedia: _none, ...os } = installer().request.os;
    const job = await jobs.wait((await deployer.deploy({ ...installer(), request: { ...installer().request, os } })).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(firstBootRoot(host).value("devices/disk[@device='cdrom']/source/@volume")).toBe('installer.iso');
  });

  it.each<[DeployCall, number]>([
    ['createVolume', 1],
    ['defineDomain', 2],
    ['startFirstBoot', 2],
  ])('a failure of %s removes the %i disks created and the domain, never the ISO', async (call, disks) => {
    const { host, jobs, deployer } = setup();
    host.failOn[call] = new OperationFailedError('libvirt.VIR_ERR_INTERNAL_ERROR', `${call} refused`);
    if (call === 'createVolume') host.failAfter = 2;
    const job = await jobs.wait((await deployer.deploy(installer())).id);
    expect(job.state).toBe('failed');
    expect(host.deleted).toHaveLength(disks);
    expect(host.deleted).not.toContain(SCRIPTED_ISO_VOLUME);
    expect([...host.volumes]).toEqual([SCRIPTED_ISO_VOLUME]);
    expect(host.domains.size).toBe(0);
  });

  it.each(['system disk', 'data disks', 'seed', 'define', 'start', 'address'])('a cancel at step "%s" leaves the ISO and nothing else', async (step) => {
    const { host, jobs, deployer } = setup({ addressTimeoutMs: 60_000 });
    host.leaseAfterReads = Infinity;
    let cancelled = false;
    jobs.jobChanged.on((j: JobSnapshot) => {
      if (cancelled || j.state !== 'running' || j.progress.figures.step !== step) return;
      cancelled = true;
      jobs.cancel(j.id);
    });
    const job = await jobs.wait((await deployer.deploy(installer())).id);
    expect(job.state).toBe('cancelled');
    expect(job.error?.code).toBe('deploy.cancelled');
    expect([...host.volumes]).toEqual([SCRIPTED_ISO_VOLUME]);
    expect(host.domains.size).toBe(0);
  });

  it('refuses at the field before creating anything: missing media, not an ISO, an account, user-data or apps', async () => {
    const { host, deployer } = setup();
    host.files.push({ path: '/var/lib/libvirt/images/disk.qcow2', format: 'qcow2', sizeBytes: GiB, pool: 'default', volume: 'disk.qcow2' });
    const field = 'request.os.installMedia';
    await expect(deployer.deploy(installer({ installMedia: { kind: 'volume', pool: 'default', volume: 'gone.iso' } }))).rejects.toMatchObject({
      kind: 'NotFound',
      code: 'deploy.install-media-missing',
      message: 'ISO volume default/gone.iso not found: storage pool "default" on Host H has no volume "gone.iso"',
      details: { field },
    });
    await expect(deployer.deploy(installer({ installMedia: { kind: 'volume', pool: 'default', volume: 'disk.qcow2' } }))).rejects.toMatchObject({
      kind: 'InvalidInput',
      code: 'deploy.install-media-not-iso',
      message: '/var/lib/libvirt/images/disk.qcow2 is not an ISO image (libvirt reads it as qcow2)',
      details: { field },
    });
    await expect(deployer.deploy(installer({}, { user: { name: 'alice' } }))).rejects.toMatchObject({ code: 'deploy.install-media-no-seed', details: { field: 'user' } });
    await expect(deployer.deploy(installer({}, { userCloudConfig: { packages: ['htop'] } }))).rejects.toMatchObject({ details: { field: 'userCloudConfig' } });
    const withApps = installer();
    await expect(deployer.deploy({ ...withApps, request: { ...withApps.request, apps: ['nginx'] } })).rejects.toMatchObject({ details: { field: 'request.apps' } });
    const { installMedia: _none, ...os } = installer().request.os;
    await expect(deployer.deploy({ ...installer(), request: { ...installer().request, os } })).rejects.toMatchObject({
      code: 'deploy.no-install-media',
      details: { field },
    });
    await expect(deployer.deploy(installer({ source: 'cloud-image' }))).rejects.toMatchObject({ kind: 'InvalidInput', details: { field: 'request.os.installMedia' } });
    expect(host.log.filter((c) => c !== 'inspect')).toEqual([]);
  });

  it('a refusal about where the medium is (a stopped pool over its folder) is given at the medium field', async () => {
    const { host, deployer } = setup();
    host.inspect = async () => {
      throw new ConflictError('storage.pool-inactive', 'Storage pool "isos" covers /srv/isos but is not started', { details: { pool: 'isos' } });
    };
    await expect(deployer.deploy(installer({ installMedia: { kind: 'path', path: '/srv/isos/x.iso' } }))).rejects.toMatchObject({
      kind: 'Conflict',
      code: 'storage.pool-inactive',
      details: { pool: 'isos', field: 'request.os.installMedia' },
    });
  });

  it('previews the XML the deploy defines and the one its installer first runs on', async () => {
    const { host, jobs, deployer } = setup({ newUuid: () => '6f1c0a52-3c1e-4d5e-9a0b-1c2d3e4f5a6b' });
    const { xml, firstBootXml } = await deployer.previewXml(installer());
    expect(xml).toContain('<boot dev="hd"/>');
    expect(xml).not.toContain('installer.iso');
    expect(firstBootXml).toContain('<source pool="default" volume="installer.iso"/>');
    expect(firstBootXml).toContain('<boot dev="cdrom"/><boot dev="hd"/>');
    const job = await jobs.wait((await deployer.deploy(installer())).id);
    expect(job.state).toBe('succeeded');
    expect(host.defined).toEqual([xml]);
    expect(host.firstBoots).toEqual([firstBootXml]);
  });
});

describe('Deployer from a template saved from a VM (requestFromDomain)', () => {
  const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'libvirt', `domain-${name}.xml`), 'utf8');
  /** The template's request, as "Save as template" stores it, on the scripted host's Debian 11 image. */
  const fromVm = (name: string) => ({
    hostId: 'h',
    name: 'copy',
    request: { ...requestFromDomain(fixture(name), () => 10 * GiB).request, os: { osinfoId: 'debian11', source: 'cloud-image' as const } },
  });
  const devicesOf = (xml: string) => {
    const root = new XmlNode(XmlDocument.parse(xml).root);
    return {
      machine: root.value('os/type/@machine'),
      efi: root.value('os/@firmware') === 'efi',
      secureBoot: root.value("os/firmware/feature[@name='secure-boot']/@enabled") === 'yes',
      disks: root.elements('devices/disk').map((d) => `${d.value('@device')} ${d.value('target/@dev')} ${d.value('target/@bus')}`),
      nics: root.elements('devices/interface').map((n) => n.value('model/@type')),
      tpm: root.value('devices/tpm/@model'),
    };
  };
  const offer = { ...SCRIPTED_OFFER, graphics: ['vnc' as const, 'spice' as const], networks: [...SCRIPTED_OFFER.networks, { name: 'lab', active: true, forward: 'isolated' }] };

  it.each([
    ['pc-ide-e1000', { machine: 'pc', efi: false, secureBoot: false, disks: ['disk hda ide', 'cdrom hdb ide'], nics: ['e1000', 'rtl8139'], tpm: undefined }],
    ['q35-sata-uefi-secureboot', { machine: 'q35', efi: true, secureBoot: true, disks: ['disk sda sata', 'cdrom sdb sata'], nics: ['e1000e'], tpm: 'tpm-crb' }],
    ['pc-uefi-virtio-ide', { machine: 'pc', efi: true, secureBoot: false, disks: ['disk vda virtio', 'disk hda ide', 'cdrom hdb ide'], nics: ['virtio'], tpm: undefined }],
  ])('%s: the deploy defines the VM on the same chipset, firmware, disk buses and NIC models; libvirt schema validates it', async (name, expected) => {
    const { host, jobs, deployer } = setup({ offers: { offer: async () => offer } });
    const { xml } = await deployer.previewXml(fromVm(name));
    expect(devicesOf(xml)).toEqual(expected);
    await virtXmlValidate(xml);
    const job = await jobs.wait((await deployer.deploy(fromVm(name))).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(devicesOf(host.defined[0]!)).toEqual(expected);
  });

  it("a template saved before machine types were kept (no machine): today's choice, q35, and its virtio devices", async () => {
    const { deployer } = setup();
    const request = fromVm('pc-uefi-virtio-ide').request;
    const { machine: _machine, ...hardware } = request.hardware;
    const old = { hostId: 'h', name: 'old', request: { ...request, hardware: { ...hardware, disks: [{ sizeGiB: 10 }], nics: [{ network: 'default' }] } } };
    const { xml } = await deployer.previewXml(old);
    expect(devicesOf(xml)).toMatchObject({ machine: 'q35', disks: ['disk vda virtio', 'cdrom sda sata'], nics: ['virtio'] });
    await virtXmlValidate(xml);
  });

  it("refuses a chipset the host's QEMU lacks at the machine field, creating nothing", async () => {
    const { host, deployer } = setup({ offers: { offer: async () => ({ ...offer, chipsets: { x86_64: ['q35' as const] } }) } });
    await expect(deployer.deploy(fromVm('pc-ide-e1000'))).rejects.toMatchObject({ code: 'deploy.machine', details: { field: 'request.hardware.machine' } });
    expect(host.created).toEqual([]);
  });

  it('refuses Secure Boot on i440fx at the machine field, creating nothing (OVMF builds Secure Boot for q35 only)', async () => {
    const { host, deployer } = setup();
    const request = fromVm('pc-uefi-virtio-ide');
    request.request.hardware.secureBoot = true;
    await expect(deployer.deploy(request)).rejects.toMatchObject({ code: 'deploy.secure-boot-machine', details: { field: 'request.hardware.machine' } });
    expect(host.created).toEqual([]);
  });
});
