/**
 * A connection lost under a call, on real daemons. libvirt's client reports it as a system or internal error
 * of its RPC layer ("Cannot recv data: Connection reset by peer", "End of file while reading data", then
 * "client socket is closed"), which Tandem must read as the host going away (HostUnreachable), not as libvirt
 * refusing the call: a call whose reply was lost may have done its work.
 * - host2's libvirtd is stopped (SIGSTOP) with a call on its way, then killed: the call and the next one fail
 *   as HostUnreachable; the daemon is started again.
 * - a deploy on host1, through a loopback proxy that swallows libvirtd's replies once the job reaches its
 *   "define" step and cuts the connection once virsh sees the domain defined: the define's reply is lost. The
 *   job fails as HostUnreachable, and its rollback (once Tandem reconnected) removes the domain it never heard
 *   of, the disks and the seed: nothing is left, as virsh sees it.
 * - a lab on host4 (the network host, a unix socket: the proxy is a unix socket too) whose network
 *   definition's reply is lost the same way, or the reply of its start: the job fails as HostUnreachable
 *   and the network is removed (not left running because undoing its start on a dead connection failed).
 */

/** libvirt's remote protocol procedure of virNetworkDefineXMLFlags (what the binding calls), as libvirt 9.0 sends it. */
const REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS = 432;
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HostUnreachableError } from '../../../main/core/errors';
import { mapLibvirtError } from '../../../main/drivers/libvirt/mapLibvirtError';
import { LibvirtError, openConnection } from '../../../native-helpers/libvirt/lib/index';
import type { DeployRequestInput } from '../../../preload/api/deploy';
import type { LabRequestInput } from '../../../preload/api/labs';
import type { Job } from '../../../preload/api/jobs';
import type { HostSummary } from '../../../preload/contract';
import { startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { netHostUri, testSubnet } from '../../testbed/netHost';
import { startReplyProxy, type ReplyProxy } from '../../testbed/replyProxy';
import { tinyGuestDeployOptions } from '../../testbed/tinyGuest';
import { createBaseImagePool, deployLeftovers, removePoolSuite } from './deploySuiteHost';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const tag = randomBytes(3).toString('hex');
const POOL = `loss-${tag}`;

/** Starts the test bed's hosts that are not running (hosts.sh start is idempotent). */
async function startHosts(): Promise<void> {
  const slot = /^qemu\+tcp:\/\/127\.0\.(\d)\./.exec(env!.host1Uri)?.[1] ?? '0';
  await execFileAsync('bash', [join(import.meta.dirname, '..', '..', '..', 'scripts', 'testbed', 'hosts.sh'), 'start'], {
    env: { ...process.env, TANDEM_TESTBED_SLOT: slot, TANDEM_TESTBED_DIR: env!.dir },
  });
}

/** The PID of host N's libvirtd, checked to be that host's libvirtd (never signal a recycled PID). */
async function libvirtdPid(host: number): Promise<number> {
  const dir = join(env!.dir, `host${host}`);
  const pid = Number((await readFile(join(dir, 'libvirtd.pid'), 'utf8')).trim());
  expect(await readlink(`/proc/${pid}/exe`)).toBe('/usr/sbin/libvirtd');
  const [its, hosts] = await Promise.all([stat(`/proc/${pid}/root/run/libvirt`), stat(join(dir, 'run', 'libvirt'))]);
  expect([its.dev, its.ino]).toEqual([hosts.dev, hosts.ino]);
  return pid;
}

describe.skipIf(!env)('a connection lost under a call', () => {
  it('a daemon killed with a call on its way: that call and the next are HostUnreachable', async () => {
    const conn = await openConnection(env!.host2Uri);
    const pid = await libvirtdPid(2);
    try {
      process.kill(pid, 'SIGSTOP');
      const waiting = conn.listAllDomains().then(
        () => undefined,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(pid, 'SIGKILL');
      const lost = await waiting;
      expect(lost).toBeInstanceOf(LibvirtError);
      expect((lost as LibvirtError).domainName).toBe('VIR_FROM_RPC');
      expect(mapLibvirtError(lost)).toBeInstanceOf(HostUnreachableError);
      const after = await conn.getHostname().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(after, String(after)).toBeInstanceOf(LibvirtError);
      expect(mapLibvirtError(after)).toBeInstanceOf(HostUnreachableError);
    } finally {
      await conn.close().catch(() => undefined);
      await startHosts();
    }
  });

  describe('a deploy whose define reply is lost', () => {
    let t: InProcessTandem;
    let host: HostSummary;
    let proxy: ReplyProxy;
    const poolDir = join(env?.images ?? '', `loss-pool-${tag}`);
    const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', env!.host1Uri, ...args])).stdout;
    const name = `loss${tag}`;

    const leftovers = () => deployLeftovers(virsh, POOL, name);

    beforeAll(async () => {
      await createBaseImagePool(virsh, POOL, poolDir);
      const target = new URL(env!.host1Uri);
      proxy = await startReplyProxy({ host: target.hostname, port: Number(target.port) });
      t = await startInProcessTandem({ demo: 'never', ...tinyGuestDeployOptions(env!), reconnect: { firstRetryMs: 250, maxRetryMs: 1000 } });
      host = await t.client.call('hosts.add', { uri: proxy.uri, name: 'host1 through a proxy' });
    }, 60_000);

    afterAll(async () => {
      await t?.stop();
      proxy?.server.close();
      if (env) await removePoolSuite(virsh, { prefix: name, pool: POOL, poolDir, imagesDir: env.images });
    });

    it('fails as HostUnreachable, and the rollback removes the domain it never heard of, disks and seed', async () => {
      let held = false;
      // The step is reported before its call is made, synchronously: the define request is the next to go out.
      const off = t.tandem.jobs.jobChanged.on((j) => {
        if (held || j.kind !== 'deploy' || j.progress.figures.step !== 'define' || !j.title.endsWith(name)) return;
        held = true;
        proxy.hold();
      });
      try {
        const input = {
          hostId: host.id,
          name,
          request: { os: { osinfoId: 'debian11', source: 'cloud-image' }, hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'none' } },
        } as DeployRequestInput;
        const { jobId } = await t.client.call('provisioning.deploy', input);
        // libvirtd defined the domain; its answer went nowhere.
        await vi.waitFor(async () => expect(await virsh('dominfo', name)).toMatch(/State:\s+shut off/), { timeout: 30_000, interval: 200 });
        expect(held).toBe(true);
        proxy.cut();
        const job = await waitForJobEnd(t, jobId, 120_000);
        expect(job.state).toBe('failed');
        expect(job.error?.name, job.error?.message).toBe('HostUnreachable');
        expect(await leftovers()).toEqual([]);
      } finally {
        off.dispose();
      }
    }, 180_000);
  });

  describe('a lab whose network call loses its reply', () => {
    let t: InProcessTandem;
    let host: HostSummary;
    let proxy: ReplyProxy;
    let proxyDir = '';
    const lab = `lossl${tag}`;
    const labPool = `lossl-${tag}`;
    const poolDir = join(env?.images ?? '', `lossl-pool-${tag}`);
    const uri = env ? netHostUri(env) : '';
    const virsh = async (...args: string[]) => (await execFileAsync('virsh', ['-c', uri, ...args])).stdout;
    const names = (out: string) => out.split('\n').map((s) => s.trim()).filter((n) => n.startsWith(lab));

    beforeAll(async () => {
      await createBaseImagePool(virsh, labPool, poolDir);
      proxyDir = await mkdtemp(join(tmpdir(), 'tandem-proxy-'));
      proxy = await startReplyProxy({ socket: new URL(uri).searchParams.get('socket')! }, join(proxyDir, 'libvirt-sock'));
      t = await startInProcessTandem({ demo: 'never', ...tinyGuestDeployOptions(env!), reconnect: { firstRetryMs: 250, maxRetryMs: 1000 } });
      host = await t.client.call('hosts.add', { uri: proxy.uri, name: 'host4 through a proxy' });
    }, 60_000);

    afterAll(async () => {
      await t?.stop();
      proxy?.server.close();
      await rm(proxyDir, { recursive: true, force: true });
      if (env) await removePoolSuite(virsh, { prefix: lab, pool: labPool, poolDir, imagesDir: env.images });
    });

    const labVm = (name: string) => ({
      name,
      request: { os: { osinfoId: 'debian11', source: 'cloud-image' }, hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'none' } },
    });
    /** Deploys a one-VM lab, cuts the proxy once virsh sees its network `until`, and returns the job at its end. */
    async function labCutWhen(suffix: string, offset: number, until: RegExp): Promise<Job> {
      const name = `${lab}${suffix}`;
      const input = { hostId: host.id, name, subnet: testSubnet(env!, offset), vms: [labVm(`${name}-a`)] } as LabRequestInput;
      const { jobId } = await t.client.call('provisioning.deployLab', input);
      await vi.waitFor(async () => expect(await virsh('net-info', name)).toMatch(until), { timeout: 30_000, interval: 200 });
      proxy.cut();
      return waitForJobEnd(t, jobId, 120_000);
    }

    it('its definition: fails as HostUnreachable, and the rollback removes the network it never heard of', async () => {
      let held = false;
      // The step is reported before the network's definition is sent.
      const off = t.tandem.jobs.jobChanged.on((j) => {
        if (held || j.kind !== 'deploy-lab' || !j.progress.phase.startsWith('creating the network')) return;
        held = true;
        proxy.hold();
      });
      try {
        const job = await labCutWhen('d', 40, /Active:\s+no/);
        expect(held).toBe(true);
        expect(job.state).toBe('failed');
        expect(job.error?.name, job.error?.message).toBe('HostUnreachable');
        expect(names(await virsh('net-list', '--all', '--name'))).toEqual([]);
        expect(names(await virsh('list', '--all', '--name'))).toEqual([]);
      } finally {
        off.dispose();
      }
    }, 180_000);

    it('its start: fails as HostUnreachable, and the rollback stops and removes the running network', async () => {
      // The definition's answer goes through; the start's (the next call) does not.
      proxy.holdAfterReply(REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS);
      const job = await labCutWhen('s', 41, /Active:\s+yes/);
      expect(job.state).toBe('failed');
      expect(job.error?.name, job.error?.message).toBe('HostUnreachable');
      expect(names(await virsh('net-list', '--all', '--name'))).toEqual([]);
      expect(names(await virsh('list', '--all', '--name'))).toEqual([]);
    }, 180_000);
  });
});
