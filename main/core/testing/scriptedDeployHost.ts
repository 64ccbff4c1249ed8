/**
 * Test doubles for the deploy engine's unit tests (Deployer, LabDeployer): a host offer and an in-memory host
 * behind the DeployPort and the GuestAddressPort. The real libvirt side is tested in
 * test/integration/testbed/deploy.test.ts and labs.test.ts.
 */
import { NotFoundError } from '../errors';
import type { GuestAddressPort } from '../guestAddresses/GuestAddressPort';
import type { GuestAddress } from '../guestAddresses/guestAddressSchemas';
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
export class ScriptedHost implements DeployPort, GuestAddressPort {
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

  /**
   * How many reads of a running domain's addresses find none before its lease shows (Infinity: never). The
   * n-th domain defined gets 192.168.122.(50 + n).
   */
  leaseAfterReads = 0;
  /** What the guest's agent reports (from the first read), per domain UUID. */
  readonly agentAddresses = new Map<string, GuestAddress[]>();
  /** `log.length` at each address read, to see when reads happened relative to the other calls. */
  readonly addressReads: number[] = [];
  private readonly reads = new Map<string, number>();
  async addresses(_h: string, uuid: string): Promise<GuestAddress[]> {
    this.addressReads.push(this.log.length);
    const domain = this.domains.get(uuid);
    if (!domain) throw new NotFoundError('libvirt.VIR_ERR_NO_DOMAIN', `Domain not found: no domain with matching uuid '${uuid}'`);
    if (!domain.running) return [];
    const reads = (this.reads.get(uuid) ?? 0) + 1;
    this.reads.set(uuid, reads);
    const agent = this.agentAddresses.get(uuid) ?? [];
    if (reads <= this.leaseAfterReads) return agent;
    const n = [...this.domains.keys()].indexOf(uuid);
    const lease: GuestAddress = { address: `192.168.122.${50 + n}`, prefix: 24, family: 'ipv4', mac: `52:54:00:00:00:${String(n).padStart(2, '0')}`, interface: 'vnet0', source: 'lease' };
    return [lease, ...agent];
  }
}
