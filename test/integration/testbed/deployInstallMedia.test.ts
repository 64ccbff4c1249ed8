/**
 * Deploying from install media through the contract on the test bed: the tiny guest as a bootable installer
 * ISO (isolinux, built by scripts/testbed/build-guest.sh) is put in a storage pool of host1 (TCP, as a remote
 * host), and another copy in a folder no pool covers. The picker lists the pool's ISO (not a qcow2 beside
 * it); placement keeps host1 and says why host2 can't; a deploy boots the VM from the CD-ROM (isolinux's
 * banner, then the guest's marker on serial) with an empty disk of the requested size, on q35 (Debian 11) and
 * on i440fx from the path outside any pool (Debian 8: osinfo lists no q35 for it): the installer's run boots
 * the CD-ROM (live XML), the definition boots the disk with the drive ejected (what the VM boots once the
 * installer rebooted: test/integration/testbed/installerReboot.test.ts). A cancel at every step and libvirt
 * refusing the start leave the ISO byte for byte and nothing else; bad media is refused at the field.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STEPS } from '../../../main/core/provisioning/deploy/Deployer';
import { DomainXml } from '../../../main/core/inventory/DomainXml';
import { DeployReportSchema, type DeployRequestInput } from '../../../preload/api/deploy';
import type { ContractCallError } from '../../../preload/client';
import type { HostSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, tinyGuestDeployOptions, waitForSerial } from '../../testbed/tinyGuest';
import { cancelDeployAtStep, defineOffNetwork, deployLeftovers, poolVolumes as poolVolumesOf, removeDeployedVm, removeDeploySuite, virshOn } from './deploySuiteHost';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const tag = randomBytes(3).toString('hex');
const POOL = `isos-${tag}`;
const ISO = 'tandem-install.iso';
const NOT_ISO = 'not-an-iso.qcow2';
const OFF_NETWORK = `iso-off-${tag}`;
const ISOLINUX_BANNER = /^ISOLINUX \d/m;
const INSTALLER_READY = /^TANDEM-GUEST-READY id=installer$/m;

describe.skipIf(!env)('deploying from install media on the test bed', () => {
  let t: InProcessTandem;
  let host1: HostSummary;
  let host2: HostSummary;
  const poolDir = join(env?.images ?? '', `iso-pool-${tag}`);
  const outsideDir = join(env?.images ?? '', `iso-outside-${tag}`);
  const outsideIso = join(outsideDir, 'netinst.iso');
  let isoDigest = '';
  const virsh = virshOn(env?.host1Uri ?? '');
  const digest = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

  /** Domains and volumes named after the VM that libvirt still has, per virsh. */
  const leftovers = (prefix: string) => deployLeftovers(virsh, POOL, prefix);
  const poolVolumes = () => poolVolumesOf(virsh, POOL);

  /** The user's ISOs are where they were, byte for byte. */
  async function expectIsosIntact(): Promise<void> {
    expect(await poolVolumes()).toEqual(expect.arrayContaining([ISO, NOT_ISO]));
    expect(await digest(join(poolDir, ISO))).toBe(isoDigest);
    expect(await digest(outsideIso)).toBe(isoDigest);
  }

  function deployInput(name: string, os: Record<string, unknown> = {}, more: Partial<DeployRequestInput> = {}): DeployRequestInput {
    return {
      hostId: host1.id,
      name,
      storagePool: POOL,
      request: {
        os: { osinfoId: 'debian11', source: 'install-media', installMedia: { kind: 'volume', pool: POOL, volume: ISO }, ...os },
        hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'vnc' },
      },
      ...more,
    } as DeployRequestInput;
  }

  async function removeVm(name: string): Promise<void> {
    await removeDeployedVm(virsh, POOL, name);
    await rm(join(env!.images, `${name}.serial.log`), { force: true });
  }

  beforeAll(async () => {
    expect(env!.installIso, 'the test bed predates the installer ISO: npm run testbed -- down; npm run testbed').toBeDefined();
    await mkdir(poolDir, { recursive: true });
    await mkdir(outsideDir, { recursive: true });
    await copyFile(env!.installIso!, join(poolDir, ISO));
    await copyFile(env!.installIso!, outsideIso);
    isoDigest = await digest(env!.installIso!);
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', join(poolDir, NOT_ISO), '16M']);
    await virsh('pool-define-as', POOL, 'dir', '--target', poolDir);
    await virsh('pool-start', POOL);
    await defineOffNetwork(env!.host1Uri, OFF_NETWORK);
    t = await startInProcessTandem({ demo: 'never', ...tinyGuestDeployOptions(env!) });
    host1 = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
    host2 = await t.client.call('hosts.add', { uri: env!.host2Uri, name: 'testbed host2' });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (env) await removeDeploySuite(virsh, { vmPrefix: `i${tag}`, pool: POOL, offNetwork: OFF_NETWORK, folders: [poolDir, outsideDir], imagesDir: env.images });
  });

  it("lists the pool's ISO for the picker (not the qcow2 beside it), and places the VM only on the host that stores it", async () => {
    const { media } = await t.client.call('provisioning.installMedia', {});
    const ours = media.filter((m) => m.pool === POOL);
    expect(ours).toEqual([
      { hostId: host1.id, hostName: 'testbed host1', pool: POOL, volume: ISO, path: join(poolDir, ISO), sizeBytes: (await readFile(env!.installIso!)).length },
    ]);
    const { request } = deployInput('unused');
    const placement = await t.client.call('provisioning.place', { request: request as never });
    expect(placement.chosen?.hostId).toBe(host1.id);
    expect(placement.chosen?.image).toEqual({ pool: POOL, volume: ISO, format: 'iso' });
    expect(placement.refusals).toEqual([
      { hostId: host2.id, hostName: 'testbed host2', reasons: [`ISO volume ${POOL}/${ISO} is not on this host (install media is used on the host that stores it)`] },
    ]);
  });

  it('deploys on q35: boots the ISO from the SATA CD-ROM, the empty disk has the requested size, the review XML shows both', async () => {
    const name = `i${tag}-q35`;
    const { xml: preview, firstBootXml } = await t.client.call('provisioning.previewXml', deployInput(name));
    expect(DomainXml.parse(preview).bootOrder).toEqual(['hd']);
    expect(DomainXml.parse(firstBootXml!).bootOrder).toEqual(['cdrom', 'hd']);
    const { jobId } = await t.client.call('provisioning.deploy', deployInput(name));
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const report = DeployReportSchema.parse(job.result);
    expect(report.volumes).toEqual([{ pool: POOL, volume: `${name}-disk0.qcow2` }]);
    expect(Object.keys(report.stepsMs)).toEqual([...DEPLOY_STEPS]);

    // The firmware booted the CD (isolinux's banner), which booted the guest with its own command line.
    const serial = join(env!.images, `${name}.serial.log`);
    await waitForSerial(serial, ISOLINUX_BANNER, 90_000);
    await waitForSerial(serial, INSTALLER_READY, 90_000);
    await waitForSerial(serial, SERIAL.diskCounter, 30_000); // it sees the empty disk as /dev/vda

    // Running the installer's configuration; defined on the final one (the disk, the drive kept and ejected).
    const live = DomainXml.parse(await virsh('dumpxml', name));
    expect(live.machine).toMatch(/q35/);
    expect(live.bootOrder).toEqual(['cdrom', 'hd']);
    expect(live.disks.find((d) => d.device === 'cdrom')).toMatchObject({ bus: 'sata', source: ISO, readonly: true });
    const defined = DomainXml.parse(await virsh('dumpxml', '--inactive', name));
    expect(defined.bootOrder).toEqual(['hd']);
    expect(defined.graphics).toEqual([{ type: 'vnc', listen: '127.0.0.1' }]);
    expect(defined.disks.find((d) => d.device === 'cdrom')).toMatchObject({ bus: 'sata', readonly: true });
    expect(defined.disks.find((d) => d.device === 'cdrom')?.source).toBeUndefined();
    expect(await virsh('dumpxml', '--inactive', name)).not.toMatch(/<kernel>/);
    const disk = await virsh('vol-dumpxml', '--pool', POOL, `${name}-disk0.qcow2`);
    expect(disk).toMatch(/<capacity unit='bytes'>1073741824<\/capacity>/);
    expect(disk).not.toContain('<backingStore>');
    expect(await poolVolumes()).not.toContain(`${name}-seed.iso`);
    expect(await virsh('domstate', name)).toMatch(/running/);
    await removeVm(name);
    await expectIsosIntact();
  }, 180_000);

  it('deploys on i440fx from a path outside every pool (Debian 8): an IDE CD-ROM of that file, and boots it', async () => {
    const name = `i${tag}-pc`;
    const { jobId } = await t.client.call('provisioning.deploy', deployInput(name, { osinfoId: 'debian8', installMedia: { kind: 'path', path: outsideIso } }));
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const serial = join(env!.images, `${name}.serial.log`);
    await waitForSerial(serial, ISOLINUX_BANNER, 90_000);
    await waitForSerial(serial, INSTALLER_READY, 90_000);
    const live = DomainXml.parse(await virsh('dumpxml', name));
    expect(live.machine).toMatch(/^pc/);
    expect(live.disks.find((d) => d.device === 'cdrom')).toMatchObject({ target: 'hda', bus: 'ide', source: outsideIso, readonly: true });
    // The look at the folder left no transient pool behind.
    expect(await virsh('pool-list', '--all', '--name')).not.toMatch(/tandem-probe/);
    await removeVm(name);
    await expectIsosIntact();
  }, 180_000);

  it.each(DEPLOY_STEPS.map((step) => [step]))('a cancel at step "%s" leaves the ISO intact and nothing else', async (step) => {
    const name = `i${tag}-cancel-${step.replace(/ /g, '-')}`;
    const off = cancelDeployAtStep(t, name, step);
    try {
      const { jobId } = await t.client.call('provisioning.deploy', deployInput(name, {}, {}));
      const job = await waitForJobEnd(t, jobId, 120_000);
      expect(job.state).toBe('cancelled');
      expect(job.error?.code).toBe('deploy.cancelled');
      expect(await leftovers(name)).toEqual([]);
      await expectIsosIntact();
    } finally {
      off.dispose();
      await rm(join(env!.images, `${name}.serial.log`), { force: true });
    }
  }, 120_000);

  it('libvirt refusing the start (a NIC on an inactive network) fails the job: the disk and domain go, the ISO stays', async () => {
    const name = `i${tag}-refused`;
    const input = deployInput(name);
    const { jobId } = await t.client.call('provisioning.deploy', {
      ...input,
      request: { ...input.request, hardware: { ...input.request.hardware, nics: [{ network: OFF_NETWORK }] } },
    } as DeployRequestInput);
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(/not active/);
    expect(await leftovers(name)).toEqual([]);
    await expectIsosIntact();
  }, 120_000);

  it('refuses bad media at the field and creates nothing', async () => {
    const name = `i${tag}-bad`;
    const field = 'request.os.installMedia';
    const cases: Array<[DeployRequestInput, string, string, RegExp]> = [
      [deployInput(name, { installMedia: { kind: 'volume', pool: POOL, volume: 'gone.iso' } }), 'NotFound', field, /has no volume "gone\.iso"/],
      [deployInput(name, { installMedia: { kind: 'volume', pool: POOL, volume: NOT_ISO } }), 'InvalidInput', field, /is not an ISO image \(libvirt reads it as qcow2\)/],
      [deployInput(name, { installMedia: { kind: 'volume', pool: 'no-such-pool', volume: ISO } }), 'NotFound', field, /no storage pool "no-such-pool"/],
      [deployInput(name, { installMedia: { kind: 'path', path: join(outsideDir, 'gone.iso') } }), 'NotFound', field, /there is no file/],
      [deployInput(name, { installMedia: { kind: 'path', path: `/nowhere-${tag}/x.iso` } }), 'NotFound', field, /there is no folder/],
      [deployInput(name, {}, { user: { name: 'alice', sshAuthorizedKeys: [] } }), 'InvalidInput', 'user', /does not read cloud-init/],
    ];
    for (const [input, errorName, errorField, message] of cases) {
      const error = (await callError(t.client.call('provisioning.deploy', input))) as ContractCallError;
      expect(error.errorName, error.message).toBe(errorName);
      expect(error.details?.field, error.message).toBe(errorField);
      expect(error.message).toMatch(message);
    }
    // The wizard's check says the same at the field, before any deploy.
    const { errors } = await t.client.call('provisioning.validate', {
      name,
      hostId: host1.id,
      request: deployInput(name, { installMedia: { kind: 'volume', pool: POOL, volume: NOT_ISO } }).request,
    });
    expect(errors).toEqual([{ field: 'os.installMedia', message: `${join(poolDir, NOT_ISO)} is not an ISO image (libvirt reads it as qcow2)` }]);
    expect(await leftovers(name)).toEqual([]);
    expect(await virsh('pool-list', '--all', '--name')).not.toMatch(/tandem-probe/);
    await expectIsosIntact();
  }, 60_000);
});
