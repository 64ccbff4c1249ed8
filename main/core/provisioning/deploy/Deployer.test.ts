/**
 * The Deployer's job against a scripted port (an in-memory host that records what exists): the order of the
 * steps, the rollback in reverse order after a failure at each step, and a rollback that itself fails is
 * reported with what is left, never swallowed. The real libvirt side: test/integration/testbed/deploy.test.ts.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { OperationFailedError } from '../../errors';
import { GuestAddressWatcher } from '../../guestAddresses/GuestAddressWatcher';
import type { GuestAddressesChange } from '../../guestAddresses/guestAddressSchemas';
import { JobRegistry } from '../../jobs/JobRegistry';
import { OsDatabase } from '../osinfo/OsDatabase';
import { SCRIPTED_OFFER, ScriptedHost, type DeployCall } from '../../testing/scriptedDeployHost';
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
    expect([...host.volumes].sort()).toEqual(['default/web-disk0.qcow2', 'default/web-disk1.qcow2', 'default/web-seed.iso']);
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
    expect(host.volumes.size).toBe(0);
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
    await vi.waitFor(() => expect(found).toHaveLength(1));
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
    await vi.waitFor(() => expect(host.addressReads.length).toBeGreaterThan(2));
    jobs.cancel(id);
    const job = await jobs.wait(id);
    expect(job.state).toBe('cancelled');
    expect(host.domains.size + host.volumes.size).toBe(0);
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
    expect(host.volumes.size + host.domains.size).toBe(0);
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
