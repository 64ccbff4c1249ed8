/**
 * The Deployer's job against a scripted port (an in-memory host that records what exists): the order of the
 * steps, the rollback in reverse order after a failure at each step, and a rollback that itself fails is
 * reported with what is left, never swallowed. The real libvirt side: test/integration/testbed/deploy.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationFailedError } from '../../errors';
import { JobRegistry } from '../../jobs/JobRegistry';
import { OsDatabase } from '../osinfo/OsDatabase';
import { SCRIPTED_OFFER, ScriptedHost, type DeployCall } from '../../testing/scriptedDeployHost';
import { Deployer, type DeployerDeps } from './Deployer';



let db: OsDatabase;
beforeAll(async () => {
  db = await OsDatabase.load();
});

function setup(extra: Partial<DeployerDeps> = {}): { host: ScriptedHost; jobs: JobRegistry; deployer: Deployer } {
  const host = new ScriptedHost();
  const jobs = new JobRegistry();
  const deps: DeployerDeps = {
    jobs,
    port: host,
    offers: { offer: async () => SCRIPTED_OFFER },
    osDatabase: async () => db,
    apps: async () => new Map(),
    addressPollMs: 1,
    ...extra,
  };
  return { host, jobs, deployer: new Deployer(deps) };
}

const REQUEST = {
  hostId: 'h',
  name: 'web',
  request: { os: { osinfoId: 'debian11' }, hardware: { vcpus: 1, memoryMiB: 512, disks: [{ sizeGiB: 10 }, { sizeGiB: 5 }], nics: [{ network: 'default' }] } },
};

describe('Deployer', () => {
  it('creates disks, seed, domain, starts it and reports the address', async () => {
    const { host, jobs, deployer } = setup();
    const job = await jobs.wait((await deployer.deploy(REQUEST)).id);
    expect(job.state).toBe('succeeded');
    expect(job.result).toMatchObject({ name: 'web', address: '192.168.122.50' });
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
