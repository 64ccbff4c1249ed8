/**
 * The LabDeployer against a scripted host (volumes, domains, networks in memory) and the real Deployer and
 * NetworkService over it: one job with one progress, the network first; a failure of the third VM removes
 * the two VMs before it, every volume and the network. The real libvirt side: test/integration/testbed/labs.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HostUnreachableError, NotFoundError, OperationFailedError } from '../../errors';
import { GuestAddressWatcher } from '../../guestAddresses/GuestAddressWatcher';
import { JobRegistry } from '../../jobs/JobRegistry';
import type { NetworkPort } from '../../networks/NetworkPort';
import { NetworkService } from '../../networks/NetworkService';
import { parseNetworkXml } from '../../networks/networkXml';
import { OsDatabase } from '../osinfo/OsDatabase';
import { SCRIPTED_ISO_VOLUME, SCRIPTED_OFFER, ScriptedHost } from '../../testing/scriptedDeployHost';
import { Deployer } from './Deployer';
import { LabDeployer } from './LabDeployer';




class ScriptedNetworks implements NetworkPort {
  readonly networks = new Map<string, string>();
  readonly log: string[] = [];
  /** Thrown by define after the network exists: the host dropped before its reply came. */
  lostReply: Error | undefined;
  async listNetworks() {
    return [...this.networks].map(([name, xml]) => ({ name, uuid: name, xml, active: true, persistent: true, autostart: true }));
  }
  async listDomains() {
    return [];
  }
  async define(_h: string, xml: string) {
    const name = /<name>([^<]+)<\/name>/.exec(xml)![1]!;
    this.log.push(`define ${name}`);
    this.networks.set(name, xml);
    if (this.lostReply) throw this.lostReply;
    return name;
  }
  async remove(_h: string, name: string) {
    this.log.push(`remove ${name}`);
    if (!this.networks.delete(name)) throw new NotFoundError('libvirt.VIR_ERR_NO_NETWORK', `Network not found: no network with matching name '${name}'`);
  }
  async setActive(_h: string, name: string, active: boolean) {
    this.log.push(`${active ? 'start' : 'stop'} ${name}`);
  }
  async setAutostart(_h: string, name: string, autostart: boolean) {
    this.log.push(`autostart ${name} ${autostart}`);
  }
}

let db: OsDatabase;
beforeAll(async () => {
  db = await OsDatabase.load();
});

function setup() {
  const host = new ScriptedHost();
  const nets = new ScriptedNetworks();
  const jobs = new JobRegistry();
  const addresses = new GuestAddressWatcher({ port: host, pollMs: 1 });
  const deployer = new Deployer({ jobs, port: host, media: host, offers: { offer: async () => SCRIPTED_OFFER }, osDatabase: async () => db, apps: async () => new Map(), addresses });
  const labs = new LabDeployer({ jobs, deployer, networks: new NetworkService(nets) });
  return { host, nets, jobs, labs };
}

const vm = (name: string) => ({ name, request: { os: { osinfoId: 'debian11' }, hardware: { vcpus: 1, memoryMiB: 256, disks: [{ sizeGiB: 1 }] } } });
const LAB = { hostId: 'h', name: 'lab1', subnet: '10.60.0.0/24', vms: [vm('a'), vm('b'), vm('c')] };

describe('LabDeployer', () => {
  it('creates the network, then each VM with a NIC on it (the gateway also on its uplink), as one job', async () => {
    const { host, nets, jobs, labs } = setup();
    const fractions: number[] = [];
    jobs.jobChanged.on((j) => {
      if (j.state === 'running' && j.progress.fraction !== undefined) fractions.push(j.progress.fraction);
    });
    const job = await jobs.wait((await labs.deploy({ ...LAB, gateway: { vm: 'a', uplink: 'default' } })).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.kind).toBe('deploy-lab');
    expect(job.result).toMatchObject({ network: 'lab1', vms: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    expect(nets.log).toEqual(['define lab1']);
    expect(host.domains.size).toBe(3);
    // All three run before the first address is read: one wait for the lab, not one per VM in turn.
    expect(host.log.slice(0, host.addressReads[0]).filter((c) => c === 'startDomain')).toHaveLength(3);
    expect((job.result as { vms: Array<{ address: string }> }).vms.map((v) => v.address)).toEqual(['192.168.122.50', '192.168.122.51', '192.168.122.52']);
    expect(fractions).toEqual([...fractions].sort((x, y) => x - y));
    expect(fractions.at(-1)).toBe(1);
  });

  it('a failure of the third VM removes the first two, every volume and the network', async () => {
    const { host, nets, jobs, labs } = setup();
    host.failOn.startDomain = new OperationFailedError('libvirt.VIR_ERR_INTERNAL_ERROR', 'start refused');
    host.failAfter = 2;
    const job = await jobs.wait((await labs.deploy(LAB)).id);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toBe('start refused');
    expect(host.domains.size).toBe(0);
    expect([...host.volumes]).toEqual([SCRIPTED_ISO_VOLUME]);
    expect(nets.networks.size).toBe(0);
    expect(nets.log).toEqual(['define lab1', 'remove lab1']);
  });

  it('refuses before anything exists: a VM name taken, two VMs of one name, an overlapping subnet', async () => {
    const { host, nets, labs } = setup();
    host.domains.set('c', { running: false });
    await expect(labs.deploy(LAB)).rejects.toMatchObject({ kind: 'Conflict', code: 'deploy.name-taken', details: { field: 'vms.2.name' } });
    await expect(labs.deploy({ ...LAB, vms: [vm('x'), vm('x')] })).rejects.toMatchObject({ code: 'lab.duplicate-name', details: { field: 'vms.1.name' } });
    nets.networks.set('other', "<network><name>other</name><ip address='10.60.0.1' netmask='255.255.0.0'/></network>");
    await expect(labs.deploy({ ...LAB, vms: [vm('x')] })).rejects.toMatchObject({ code: 'network.subnet-overlap', details: { field: 'subnet' } });
    expect(host.log).toEqual([]);
    expect(nets.log).toEqual([]);
  });

  it('the host dropping under the network definition: the job fails as HostUnreachable and removes the network it may have made', async () => {
    const { host, nets, jobs, labs } = setup();
    nets.lostReply = new HostUnreachableError('libvirt.VIR_ERR_SYSTEM_ERROR', 'End of file while reading data: Input/output error');
    const job = await jobs.wait((await labs.deploy(LAB)).id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ name: 'HostUnreachable' });
    expect(nets.log).toEqual(['define lab1', 'remove lab1']);
    expect(nets.networks.size).toBe(0);
    expect(host.domains.size).toBe(0);
  });

  it('a network the lost call did not create is no failure of the rollback', async () => {
    const { nets, jobs, labs } = setup();
    nets.lostReply = new HostUnreachableError('libvirt.VIR_ERR_SYSTEM_ERROR', 'Cannot recv data: Connection reset by peer');
    nets.define = async () => {
      throw nets.lostReply;
    };
    const job = await jobs.wait((await labs.deploy(LAB)).id);
    expect(job.error).toMatchObject({ name: 'HostUnreachable', message: 'Cannot recv data: Connection reset by peer' });
  });

  it('a routed lab: its network forwards by route through the device asked for; a bad device is refused at its field, nothing created', async () => {
    const { host, nets, jobs, labs } = setup();
    const job = await jobs.wait((await labs.deploy({ ...LAB, vms: [vm('a')], mode: 'routed', forwardDevice: 'eth1' })).id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(parseNetworkXml(nets.networks.get('lab1')!)).toMatchObject({ mode: 'routed', forwardDevice: 'eth1', subnets: [expect.anything()] });

    const refused = setup();
    await expect(refused.labs.deploy({ ...LAB, mode: 'routed', forwardDevice: 'eth 1' })).rejects.toMatchObject({ code: 'network.invalid', details: { field: 'forwardDevice' } });
    await expect(refused.labs.deploy({ ...LAB, mode: 'isolated', forwardDevice: 'eth1' })).rejects.toMatchObject({ code: 'network.forward-isolated', details: { field: 'forwardDevice' } });
    expect(refused.nets.log).toEqual([]);
    expect([...refused.host.volumes]).toEqual([SCRIPTED_ISO_VOLUME]);
    expect(host.domains.size).toBe(1);
  });
});
