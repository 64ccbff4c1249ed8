/**
 * Test doubles for the deploy engine's unit tests (Deployer, LabDeployer): a host offer and an in-memory host
 * behind the DeployPort. The real libvirt side is tested in test/integration/testbed/deploy.test.ts and labs.test.ts.
 */
import type { HostOffer } from '../provisioning/HostOffer';
import type { DeployPort, NewVolume, VolumeRef } from '../provisioning/deploy/DeployPort';
import { GiB } from '../provisioning/units';

export const SCRIPTED_OFFER: HostOffer = {
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

export type DeployCall = keyof DeployPort;

/** An in-memory host; `failOn` makes that call reject the way libvirt would. */
export class ScriptedHost implements DeployPort {
  readonly volumes = new Set<string>();
  readonly domains = new Map<string, { running: boolean }>();
  readonly log: string[] = [];
  /** Every domain XML passed to defineDomain. */
  readonly defined: string[] = [];
  failOn: Partial<Record<DeployCall, Error>> = {};
  /** How many calls of a failing kind succeed first. */
  failAfter = 1;

  private check(call: DeployCall): void {
    this.log.push(call);
    const error = this.failOn[call];
    if (error && this.log.filter((c) => c === call).length >= this.failAfter) throw error;
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
