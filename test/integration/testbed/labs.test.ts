/**
 * Labs through the contract (`provisioning.deployLab`) on the test bed's host1, with the tiny guest as each
 * VM's disk (direct kernel boot, as in deploy.test.ts). This machine cannot start a libvirt network (no
 * iptables / dnsmasq; only 127/8 in the shared namespace, testbed-facts), so where that holds the lab job is
 * refused by libvirt at its network and must leave nothing; where networks can start, three guests come up
 * on the lab network and each prints its marker. Refusals before the job create nothing. virsh is the
 * independent reader; everything is removed in afterAll.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../preload/api/jobs';
import type { LabRequestInput } from '../../../preload/api/labs';
import type { HostSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, tinyGuestDeployOptions, waitForSerial } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const BASE_IMAGE = 'debian-11-genericcloud-amd64.qcow2';
const tag = randomBytes(3).toString('hex');
const POOL = `lab-${tag}`;
const slot = Number(/127\.0\.(\d+)\./.exec(env?.host1Uri ?? '')?.[1] ?? 0);
const SUBNET = `10.${100 + slot}.${(process.pid * 3 + 11) % 250}.0/24`;
const canStartNetworks = existsSync('/usr/sbin/iptables') && existsSync('/usr/sbin/dnsmasq');

describe.skipIf(!env)('provisioning.deployLab on the test bed', () => {
  let t: InProcessTandem;
  let host: HostSummary;
  const poolDir = join(env?.images ?? '', `lab-pool-${tag}`);
  const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', env!.host1Uri, ...args])).stdout;
  const names = (out: string) => out.split('\n').map((s) => s.trim()).filter(Boolean);

  /** Our domains, volumes and networks that libvirt still has. */
  async function leftovers(): Promise<string[]> {
    await virsh('pool-refresh', POOL);
    const volumes = (await virsh('vol-list', POOL)).split('\n').slice(2).map((l) => l.trim().split(/\s+/)[0] ?? '');
    const all = [...names(await virsh('list', '--all', '--name')), ...volumes, ...names(await virsh('net-list', '--all', '--name'))];
    return all.filter((n) => n.startsWith(`l${tag}`));
  }

  const vm = (name: string) => ({
    name,
    request: { os: { osinfoId: 'debian11', source: 'cloud-image' }, hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'none' } },
  });
  const lab = (suffix: string, vmNames: string[]): LabRequestInput =>
    ({ hostId: host.id, name: `l${tag}-${suffix}`, subnet: SUBNET, vms: vmNames.map((n) => vm(`l${tag}-${n}`)) }) as LabRequestInput;

  async function jobEnd(jobId: string, timeoutMs = 180_000): Promise<Job> {
    const done = (j: Job) => j.id === jobId && ['succeeded', 'failed', 'cancelled'].includes(j.state);
    const current = (await t.client.call('jobs.list', {})).find(done);
    return current ?? t.nextEvent('jobs.changed', done, timeoutMs);
  }

  beforeAll(async () => {
    await mkdir(poolDir, { recursive: true });
    await virsh('pool-create-as', POOL, 'dir', '--target', poolDir);
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', join(poolDir, BASE_IMAGE), '64M']);
    await virsh('pool-refresh', POOL);
    t = await startInProcessTandem({
      demo: 'never',
      ...tinyGuestDeployOptions(env!),
    });
    host = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (!env) return;
    for (const name of names(await virsh('list', '--all', '--name')).filter((n) => n.startsWith(`l${tag}`))) {
      await virsh('destroy', name).catch(() => undefined);
      await virsh('undefine', name).catch(() => undefined);
    }
    for (const name of names(await virsh('net-list', '--all', '--name')).filter((n) => n.startsWith(`l${tag}`))) {
      await virsh('net-destroy', name).catch(() => undefined);
      await virsh('net-undefine', name).catch(() => undefined);
    }
    await virsh('pool-destroy', POOL).catch(() => undefined);
    await rm(poolDir, { recursive: true, force: true });
  });

  it('refuses a lab whose third VM name is taken, naming the field, and creates nothing', async () => {
    const taken = `l${tag}-taken`;
    await execFileAsync('sh', ['-c', `printf '%s' "$0" | virsh -c '${env!.host1Uri}' define /dev/stdin`, `<domain type='qemu'><name>${taken}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`]);
    const error = await callError(t.client.call('provisioning.deployLab', lab('refused', ['a', 'b', 'taken'])));
    expect(error).toMatchObject({ errorName: 'Conflict', code: 'deploy.name-taken', details: { field: 'vms.2.name' } });
    await virsh('undefine', taken);
    expect(await leftovers()).toEqual([]);
  });

  it.skipIf(canStartNetworks)('a lab whose network libvirt cannot start fails as one job and leaves nothing', async () => {
    const { jobId } = await t.client.call('provisioning.deployLab', lab('nonet', ['a', 'b', 'c']));
    const job = await jobEnd(jobId);
    expect(job).toMatchObject({ kind: 'deploy-lab', state: 'failed' });
    expect(job.error?.message).toMatch(/firewall|dnsmasq/);
    expect(await leftovers()).toEqual([]);
  });

  it.skipIf(!canStartNetworks)('three tiny guests come up on a new isolated network, each printing its marker', async () => {
    const { jobId } = await t.client.call('provisioning.deployLab', lab('up', ['a', 'b', 'c']));
    const job = await jobEnd(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    for (const n of ['a', 'b', 'c']) {
      const name = `l${tag}-${n}`;
      expect((await waitForSerial(join(env!.images, `${name}.serial.log`), SERIAL.ready, 90_000))[1]).toBe(name);
      expect(await virsh('domiflist', name)).toContain(`l${tag}-up`);
    }
  }, 300_000);
});
