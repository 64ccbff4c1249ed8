/**
 * The Deployer's job against a scripted port (an in-memory host that records what exists): the order of the
 * steps, the rollback in reverse order after a failure at each step, and a rollback that itself fails is
 * reported with what is left, never swallowed. The real libvirt side: test/integration/testbed/deploy.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OperationFailedError } from '../../errors';
import { JobRegistry } from '../../jobs/JobRegistry';
import type { HostOffer } from '../HostOffer';
import { OsDatabase } from '../osinfo/OsDatabase';
import { GiB } from '../units';
import type { DeployPort, NewVolume, VolumeRef } from './DeployPort';
import { Deployer, type DeployerDeps } from './Deployer';

const OFFER: HostOffer = {
  hostId: 'h',
  hostName: 'Host H',
  guestArches: ['x86_64'],
  kvmArches: ['x86_64'],
  cpus: 4,
  totalMemoryBytes: 16 * GiB,
  freeMemoryBytes: 12 * GiB,
  pools: [{ name: 'default', active: true, capacityBytes: 100 * GiB, freeBytes: 80 * GiB }],
  networks: [{ name: 'default', active: true, forward: 'nat' }],
  firmware: { uefi: true, secureBoot: true },
  tpmEmulator: true,
  graphics: ['vnc'],
  images: [{ osinfoId: 'debian11', arch: 'x86_64', kind: 'cloud-image', format: 'qcow2', cloudInit: true, pool: 'default', volume: 'debian-11-genericcloud-amd64.qcow2' }],
};

type Call = keyof DeployPort;

/** An in-memory host; `failOn` makes that call reject the way libvirt would. */
class ScriptedHost implements DeployPort {
  readonly volumes = new Set<string>();
  readonly domains = new Map<string, { running: boolean }>();
  readonly log: string[] = [];
  /** Every domain XML passed to defineDomain. */
  readonly defined: string[] = [];
  failOn: Partial<Record<Call, Error>> = {};

  private check(call: Call): void {
    this.log.push(call);
    const error = this.failOn[call];
    if (error) throw error;
  }
  async domainExists(_h: string, name: string) {
    return [...this.domains.keys()].includes(name);
  }
  async volumeExists(_h: string, ref: VolumeRef) {
    return this.volumes.has(`${ref.pool}/${ref.volume}`);
  }
  async createVolume(_h: string, v: NewVolume) {
    this.check('createVolume');
    this.volumes.add(`${v.pool}/${v.volume}`);
  }
  async uploadVolume() {
    this.check('uploadVolume');
  }
  async deleteVolume(_h: string, ref: VolumeRef) {
    this.check('deleteVolume');
    this.volumes.delete(`${ref.pool}/${ref.volume}`);
  }
  async defineDomain(_h: string, xml: string) {
    this.check('defineDomain');
    this.defined.push(xml);
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(xml)![1]!;
    this.domains.set(uuid, { running: false });
    return uuid;
  }
  async startDomain(_h: string, uuid: string) {
    this.check('startDomain');
    this.domains.get(uuid)!.running = true;
  }
  async destroyDomain(_h: string, uuid: string) {
    this.check('destroyDomain');
    this.domains.get(uuid)!.running = false;
  }
  async undefineDomain(_h: string, uuid: string) {
    this.check('undefineDomain');
    this.domains.delete(uuid);
  }
  async guestAddresses() {
    return ['192.168.122.50'];
  }
}

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
    offers: { offer: async () => OFFER },
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

  it.each<[Call, number]>([
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
