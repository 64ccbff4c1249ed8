/**
 * Test doubles for the deploy engine's unit tests (Deployer, LabDeployer): a host offer and an in-memory host
 * behind the DeployPort, the InstallMediaReader and the GuestAddressPort. The real libvirt side is tested in
 * test/integration/testbed/deploy.test.ts, deployInstallMedia.test.ts and labs.test.ts.
 */
import { NotFoundError } from '../errors';
import type { GuestAddressPort } from '../guestAddresses/GuestAddressPort';
import type { GuestAddress } from '../guestAddresses/guestAddressSchemas';
import type { HostIsoVolume, HostOffer } from '../provisioning/HostOffer';
import type { DeployPort, NewVolume, VolumeRef } from '../provisioning/deploy/DeployPort';
import type { InstallMediaReader, MediaInspection } from '../provisioning/installMedia';
import type { InstallMedia } from '../provisioning/schemas';
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
  isoVolumes: [{ pool: 'default', volume: 'installer.iso', path: '/var/lib/libvirt/images/installer.iso', sizeBytes: 600 * 2 ** 20 }],
};

export type DeployCall = keyof DeployPort;

/** The user's ISO in the scripted host's pool: a deploy must leave it there whatever happens. */
export const SCRIPTED_ISO_VOLUME = 'default/installer.iso';

/** A file on the scripted host: the user's, Tandem only ever reads it. */
export interface ScriptedFile {
  path: string;
  /** What libvirt reads it as: iso, qcow2, raw. */
  format: string;
  sizeBytes: number;
  /** Absent: outside every pool. */
  pool?: string;
  volume?: string;
}

/**
 * An in-memory host; `failOn` makes that call reject the way libvirt would. Its pool "default" holds the ISO
 * of SCRIPTED_OFFER as a volume (in `volumes`, so a deploy deleting it would show) and as a file.
 */
export class ScriptedHost implements DeployPort, InstallMediaReader, GuestAddressPort {
  readonly volumes = new Set<string>([SCRIPTED_ISO_VOLUME]);
  readonly files: ScriptedFile[] = [{ path: '/var/lib/libvirt/images/installer.iso', format: 'iso', sizeBytes: 600 * 2 ** 20, pool: 'default', volume: 'installer.iso' }];
  readonly domains = new Map<string, { running: boolean }>();
  readonly log: string[] = [];
  /** Every domain XML passed to defineDomain. */
  readonly defined: string[] = [];
  /** Every volume created, as asked, and every volume deleted ("pool/volume"). */
  readonly created: NewVolume[] = [];
  readonly deleted: string[] = [];
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
    this.created.push(v);
    this.volumes.add(`${v.pool}/${v.volume}`);
  }
  async uploadVolume() {
    this.check('uploadVolume');
  }
  async deleteVolume(_h: string, ref: VolumeRef) {
    this.check('deleteVolume');
    this.deleted.push(`${ref.pool}/${ref.volume}`);
    this.volumes.delete(`${ref.pool}/${ref.volume}`);
  }
  /** Every live configuration passed to startFirstBoot. */
  readonly firstBoots: string[] = [];
  async startFirstBoot(_h: string, xml: string) {
    this.check('startFirstBoot');
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(xml)?.[1] ?? '';
    const domain = this.domains.get(uuid);
    if (!domain) throw new NotFoundError('libvirt.VIR_ERR_NO_DOMAIN', `no domain ${uuid}`);
    this.firstBoots.push(xml);
    domain.running = true;
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
  async list(): Promise<HostIsoVolume[]> {
    return this.files.filter((f) => f.format === 'iso').map(({ format: _format, ...iso }) => iso);
  }
  async inspect(_h: string, media: InstallMedia): Promise<MediaInspection> {
    this.log.push('inspect');
    const file = this.files.find((f) => (media.kind === 'path' ? f.path === media.path : f.pool === media.pool && f.volume === media.volume));
    if (!file) return { state: 'missing', reason: media.kind === 'path' ? `there is no file ${media.path} on Host H` : `storage pool "${media.pool}" on Host H has no volume "${media.volume}"` };
    const { format, ...iso } = file;
    return format === 'iso' ? { state: 'iso', iso } : { state: 'not-iso', format, path: file.path };
  }
}
