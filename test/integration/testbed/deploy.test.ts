/**
 * Deploy through the contract (`provisioning.deploy`) on the test bed's host1 (TCP, so the seed upload and
 * volume calls go over the wire as to a remote host): a storage pool of our own holds a "Debian 11 cloud
 * image" that is the tiny guest's disk (osinfo identifies it by its file name); the deploy boots it with the
 * tiny guest's kernel + initramfs (direct kernel boot), and the guest mounts the seed CD-ROM and prints its
 * user-data on the serial log. Then: a cancel at each step, a real refusal by libvirt midway, and bad input
 * leave nothing behind, as virsh (an independent reader) sees it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STEPS } from '../../../main/core/provisioning/deploy/Deployer';
import { DeployReportSchema, type DeployRequestInput } from '../../../preload/api/deploy';
import type { HostSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, tinyGuestDeployOptions, waitForSerial } from '../../testbed/tinyGuest';
import { BASE_IMAGE, cancelDeployAtStep, defineOffNetwork, deployLeftovers, removeDeployedVm, removeDeploySuite, virshOn } from './deploySuiteHost';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkQk0B9cT3sXbHqJ0m8p1mJt1V5bQq3eS2y8ZgL0aBc alice@laptop';
const tag = randomBytes(3).toString('hex');
const POOL = `deploy-${tag}`;
const OFF_NETWORK = `deploy-off-${tag}`;

describe.skipIf(!env)('provisioning.deploy on the test bed', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  const poolDir = join(env?.images ?? '', `deploy-pool-${tag}`);
  const virsh = virshOn(env?.host1Uri ?? '');

  /** Domains and volumes of ours that libvirt still has, per virsh. */
  const leftovers = (prefix: string) => deployLeftovers(virsh, POOL, prefix);

  function request(overrides: Partial<DeployRequestInput> = {}, hardware: Record<string, unknown> = {}): DeployRequestInput {
    return {
      hostId: host.id,
      name: 'unset',
      request: {
        os: { osinfoId: 'debian11', source: 'cloud-image' },
        hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'none', ...hardware },
      },
      user: { name: 'alice', sshAuthorizedKeys: [KEY] },
      ...overrides,
    } as DeployRequestInput;
  }


  beforeAll(async () => {
    await mkdir(poolDir, { recursive: true });
    // Persistent, so it comes back with the daemon in the host-drop test.
    await virsh('pool-define-as', POOL, 'dir', '--target', poolDir);
    await virsh('pool-start', POOL);
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', join(poolDir, BASE_IMAGE), '64M']);
    await virsh('pool-refresh', POOL);
    await defineOffNetwork(env!.host1Uri, OFF_NETWORK);
    t = await startInProcessTandem({
      demo: 'never',
      ...tinyGuestDeployOptions(env!),
      // Short backoff: the host-drop test waits for the daemon, not for a 60 s retry delay.
      reconnect: { firstRetryMs: 250, maxRetryMs: 1000 },
    });
    host = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (env) await removeDeploySuite(virsh, { vmPrefix: `d${tag}`, pool: POOL, offNetwork: OFF_NETWORK, folders: [poolDir], imagesDir: env.images });
  });

  it('deploys a linked clone that boots, and the seed user-data reaches the guest', async () => {
    const name = `d${tag}-linked`;
    const phases: string[] = [];
    const off = t.client.on('jobs.changed', (j) => {
      if (j.kind === 'deploy' && j.state === 'running') phases.push(String(j.progress.figures.step ?? j.progress.phase));
    });
    const { jobId } = await t.client.call('provisioning.deploy', request({ name }));
    const job = await waitForJobEnd(t, jobId, 120_000);
    off();
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const report = DeployReportSchema.parse(job.result);
    expect(report).toMatchObject({ name, address: null, addressNote: 'The VM has no network interface' });
    expect(Object.keys(report.stepsMs)).toEqual([...DEPLOY_STEPS]);
    expect([...new Set(phases)]).toEqual(expect.arrayContaining([...DEPLOY_STEPS]));

    const serial = join(env!.images, `${name}.serial.log`);
    expect((await waitForSerial(serial, SERIAL.ready, 90_000))[1]).toBe(name);
    await waitForSerial(serial, /^tandem-seed: #cloud-config$/m, 30_000);
    await waitForSerial(serial, new RegExp(`^tandem-seed:   "hostname": "${name}",$`, 'm'), 10_000);
    await waitForSerial(serial, /^tandem-seed: {7}"name": "alice",$/m, 10_000);
    expect(await virsh('domstate', name)).toMatch(/running/);

    // The system disk is a thin overlay on the base image; the seed is labelled cidata.
    const diskXml = await virsh('vol-dumpxml', '--pool', POOL, `${name}-disk0.qcow2`);
    expect(diskXml).toContain(`<path>${join(poolDir, BASE_IMAGE)}</path>`);
    const { stdout: pvd } = await execFileAsync('isoinfo', ['-d', '-i', join(poolDir, `${name}-seed.iso`)]);
    expect(pvd).toMatch(/^Volume id: cidata$/m);

    // The same name again: refused at the field, and the running VM is untouched.
    const duplicate = await callError(t.client.call('provisioning.deploy', request({ name })));
    expect(duplicate).toMatchObject({ errorName: 'Conflict', code: 'deploy.name-taken' });
    expect(await virsh('domstate', name)).toMatch(/running/);
    await removeDeployedVm(virsh, POOL, name);
    await rm(serial, { force: true });
  }, 180_000);

  it('deploys a full copy (no backing store) and an extra empty data disk', async () => {
    const name = `d${tag}-full`;
    const { jobId } = await t.client.call('provisioning.deploy', request({ name, systemDisk: 'full-copy' }, { disks: [{ sizeGiB: 1 }, { sizeGiB: 2, bus: 'sata' }] }));
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(await virsh('vol-dumpxml', '--pool', POOL, `${name}-disk0.qcow2`)).not.toContain('<backingStore>');
    expect(await virsh('vol-dumpxml', '--pool', POOL, `${name}-disk1.qcow2`)).toMatch(/<capacity unit='bytes'>2147483648<\/capacity>/);
    expect(await virsh('domblklist', name)).toMatch(/sda\s+\S+disk1\.qcow2/);
    await waitForSerial(join(env!.images, `${name}.serial.log`), SERIAL.ready, 90_000);
    await removeDeployedVm(virsh, POOL, name);
    await rm(join(env!.images, `${name}.serial.log`), { force: true });
  }, 180_000);

  it.each(DEPLOY_STEPS.map((step) => [step]))('a cancel at step "%s" leaves nothing behind', async (step) => {
    const name = `d${tag}-cancel-${step.replace(/ /g, '-')}`;
    const off = cancelDeployAtStep(t, name, step);
    try {
      const { jobId } = await t.client.call('provisioning.deploy', request({ name }, { disks: [{ sizeGiB: 1 }, { sizeGiB: 1 }] }));
      const job = await waitForJobEnd(t, jobId, 120_000);
      expect(job.state).toBe('cancelled');
      expect(job.error?.code).toBe('deploy.cancelled');
      expect(await leftovers(name)).toEqual([]);
    } finally {
      off.dispose();
      await rm(join(env!.images, `${name}.serial.log`), { force: true });
    }
  }, 120_000);

  it('a cancel through the contract (jobs.cancel) while it runs leaves nothing behind', async () => {
    const name = `d${tag}-cancel-rpc`;
    const { jobId } = await t.client.call('provisioning.deploy', request({ name }));
    await t.client.call('jobs.cancel', { jobId });
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state).toBe('cancelled');
    expect(await leftovers(name)).toEqual([]);
    await rm(join(env!.images, `${name}.serial.log`), { force: true });
  }, 120_000);

  it('libvirt refusing the start midway (NIC on an inactive network) fails the job and removes disks, seed and domain', async () => {
    const name = `d${tag}-refused`;
    const { jobId } = await t.client.call('provisioning.deploy', request({ name }, { nics: [{ network: OFF_NETWORK }] }));
    const job = await waitForJobEnd(t, jobId, 120_000);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(/not active/);
    expect(await leftovers(name)).toEqual([]);
    await rm(join(env!.images, `${name}.serial.log`), { force: true });
  }, 120_000);

  it('the host dropping midway (libvirtd killed): the rollback waits for it to come back and leaves nothing', async () => {
    const name = `d${tag}-drop`;
    const pid = Number((await readFile(join(env!.dir, 'host1', 'libvirtd.pid'), 'utf8')).trim());
    expect(await readlink(`/proc/${pid}/exe`)).toBe('/usr/sbin/libvirtd'); // never signal a recycled PID
    let killed = false;
    const off = t.tandem.jobs.jobChanged.on((j) => {
      if (killed || j.kind !== 'deploy' || j.progress.figures.step !== 'seed' || !j.title.endsWith(name)) return;
      killed = true;
      process.kill(pid, 'SIGKILL');
    });
    try {
      const down = t.nextEvent('hosts.changed', (h) => h.id === host.id && h.status === 'unreachable', 30_000);
      // The daemon comes back only once a step met it dead and the rollback began (building the seed ISO could
      // otherwise outlast the restart on a loaded machine, and the job would see no drop at all).
      const rollingBack = t.nextEvent('jobs.changed', (j) => j.title.endsWith(name) && j.progress.phase === 'removing what was created', 60_000);
      const { jobId } = await t.client.call('provisioning.deploy', request({ name }, { disks: [{ sizeGiB: 1 }, { sizeGiB: 1 }] }));
      await down;
      await rollingBack;
      const back = t.nextEvent('hosts.changed', (h) => h.id === host.id && h.status === 'connected', 90_000);
      const slot = /^qemu\+tcp:\/\/127\.0\.(\d)\./.exec(env!.host1Uri)?.[1] ?? '0';
      await execFileAsync('bash', [join(import.meta.dirname, '..', '..', '..', 'scripts', 'testbed', 'hosts.sh'), 'start'], {
        env: { ...process.env, TANDEM_TESTBED_SLOT: slot, TANDEM_TESTBED_DIR: env!.dir },
      });
      await back;
      const job = await waitForJobEnd(t, jobId, 120_000);
      expect(job.state).toBe('failed');
      expect(job.error?.name, job.error?.message).toBe('HostUnreachable');
      expect(await leftovers(name)).toEqual([]);
    } finally {
      off.dispose();
      await rm(join(env!.images, `${name}.serial.log`), { force: true });
    }
  }, 180_000);

  it('bad input is refused at the field and creates nothing', async () => {
    const cases: Array<[DeployRequestInput, string, RegExp]> = [
      [request({ name: 'bad/name' }), 'InvalidInput', /name/],
      [request({ name: '12345' }), 'InvalidInput', /name/],
      [request({ name: `d${tag}-small` }, { memoryMiB: 16 }), 'InvalidInput', /memoryMiB/],
      [request({ name: `d${tag}-huge` }, { disks: [{ sizeGiB: 1_000_000 }] }), 'InvalidInput', /sizeGiB/],
      [{ ...request({ name: `d${tag}-os` }), request: { ...request().request, os: { osinfoId: 'nosuchos1', source: 'cloud-image' } } } as DeployRequestInput, 'InvalidInput', /osinfoId|operating system/],
      [{ ...request({ name: `d${tag}-img` }), request: { ...request().request, os: { osinfoId: 'debian10', source: 'cloud-image' } } } as DeployRequestInput, 'NotFound', /cloud image/],
      [request({ name: `d${tag}-pool` }, { disks: [{ sizeGiB: 1, pool: 'no-such-pool' }] }), 'InvalidInput', /no-such-pool/],
      [request({ name: `d${tag}-net` }, { nics: [{ network: 'no-such-net' }] }), 'InvalidInput', /no-such-net/],
      [request({ name: `d${tag}-user`, user: { name: 'root', sshAuthorizedKeys: [] } }), 'InvalidInput', /root/],
      [request({ name: `d${tag}-key`, user: { name: 'bob', sshAuthorizedKeys: ['not a key'] } }), 'InvalidInput', /OpenSSH/],
    ];
    for (const [input, errorName, message] of cases) {
      const error = await callError(t.client.call('provisioning.deploy', input));
      expect(error.errorName, `${input.name}: ${error.message}`).toBe(errorName);
      expect(error.message, input.name).toMatch(message);
    }
    expect(await leftovers(`d${tag}-`)).toEqual([]);
    expect(await leftovers('bad')).toEqual([]);
  }, 60_000);
});
