/**
 * Template to running domain on the test bed's host1 (TCP): Tandem's deploy (`provisioning.deploy`: linked
 * clone over the base image, seed ISO built with xorriso and uploaded, define, start) broken into its steps,
 * vs `virt-install --import` of the same base image in the same run, doing the same work (a linked clone in
 * the same pool with `--disk backing_store=`, a cloud-init seed with `--cloud-init`, the same kernel, memory
 * and machine). Each side is timed to "domain running" (Tandem: the job succeeded; virt-install: the
 * process exited) and to the guest's READY line on its serial log (booted, seed mounted). Rounds alternate.
 * virt-install uploads the seed into the host's /var/lib/libvirt/boot, which a fresh test bed host lacks:
 * it is created in that host's private /var/lib/libvirt. Skipped, with the reason, when the test bed is down.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createTandem } from '../main/bootstrap/createTandem';
import { DEPLOY_STEPS } from '../main/core/provisioning/deploy/Deployer';
import type { DeployReport } from '../main/core/provisioning/deploy/deploySchemas';
import { readTestbedEnv, type TestbedEnv } from '../test/testbed/testbedEnv';
import { SERIAL, tinyGuestDeployOptions, waitForSerial } from '../test/testbed/tinyGuest';
import { median, table } from './stats';

const run = promisify(execFile);
const ROUNDS = 3;
const BASE = 'debian-11-genericcloud-amd64.qcow2';
type Row = Record<string, string | number>;

export async function benchDeploy(): Promise<{ rows: Row[] } | { skipped: string }> {
  const env = readTestbedEnv();
  if (!env) return { skipped: 'the test bed is down (start it with `npm run testbed`)' };
  try {
    await run('virsh', ['-c', env.host1Uri, 'version'], { timeout: 10_000 });
    await run('virt-install', ['--version'], { timeout: 10_000 });
  } catch (error) {
    return { skipped: `host1 or virt-install (Debian package virtinst) unavailable: ${(error as Error).message.split('\n')[0]}` };
  }
  return { rows: await measure(env) };
}

async function measure(env: TestbedEnv): Promise<Row[]> {
  const tag = `bd${process.pid}`;
  const pool = `${tag}-pool`;
  const poolDir = join(env.images, `${tag}-pool`);
  const work = await mkdtemp(join(tmpdir(), 'tandem-bench-deploy-'));
  const virsh = (...args: string[]) => run('virsh', ['-c', env.host1Uri, ...args]);
  await mkdir(poolDir, { recursive: true });
  await mkdir(join(env.dir, 'host1', 'lib', 'libvirt', 'boot'), { recursive: true });
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(poolDir, BASE), '64M']);
  await virsh('pool-create-as', pool, 'dir', '--target', poolDir);
  // virt-install defines a "boot-scratch" pool for the seed it uploads: removed at the end unless it was there.
  const hadBootScratch = (await virsh('pool-list', '--all', '--name')).stdout.split('\n').some((n) => n.trim() === 'boot-scratch');
  const tandem = await createTandem({
    mode: 'headless',
    dataDir: join(work, 'data'),
    demo: 'never',
    localUri: null,
    deployDirectKernelBoot: tinyGuestDeployOptions(env).deployDirectKernelBoot,
  });
  const names: string[] = [];
  const tandemRuns: Array<{ running: number; booted: number; steps: Record<string, number> }> = [];
  const virtInstallRuns: Array<{ running: number; booted: number }> = [];
  try {
    await tandem.ready();
    const host = await tandem.hosts.add(env.host1Uri, 'host1');
    // The host's KVM probe (once per connection) runs here, outside the rounds; virt-install gets the same
    // domain type Tandem's deploy will use (TCG where KVM is listed but cannot start guests, as on the test bed).
    const details = await tandem.dispatch('hosts.details', { hostId: host.id });
    if (!details.ok) throw new Error(`host details: ${details.error.message}`);
    const virtType = (details.value as { acceleration: string }).acceleration === 'kvm' ? 'kvm' : 'qemu';
    for (let round = 0; round < ROUNDS; round++) {
      const name = `${tag}-t${round}`;
      names.push(name);
      const started = performance.now();
      const call = await tandem.dispatch('provisioning.deploy', {
        hostId: host.id,
        name,
        storagePool: pool,
        request: { os: { osinfoId: 'debian11' }, hardware: { vcpus: 1, memoryMiB: 128, disks: [{ sizeGiB: 1 }], graphics: 'none' } },
      });
      if (!call.ok) throw new Error(`deploy refused: ${call.error.message}`);
      const job = await tandem.jobs.wait((call.value as { jobId: string }).jobId);
      if (job.state !== 'succeeded') throw new Error(`deploy ${job.state}: ${job.error?.message}`);
      const running = performance.now() - started;
      await waitForSerial(join(env.images, `${name}.serial.log`), SERIAL.ready, 120_000);
      tandemRuns.push({ running, booted: performance.now() - started, steps: (job.result as unknown as DeployReport).stepsMs });

      const viName = `${tag}-v${round}`;
      names.push(viName);
      const userData = join(work, 'user-data');
      await writeFile(userData, `#cloud-config\n${JSON.stringify({ hostname: viName })}\n`);
      const viStarted = performance.now();
      await run('virt-install', [
        ...['--connect', env.host1Uri, '--name', viName, '--memory', '128', '--vcpus', '1', '--import', '--osinfo', 'debian11'],
        ...['--virt-type', virtType, '--machine', 'pc', '--graphics', 'none', '--network', 'none', '--noautoconsole'],
        ...['--disk', `pool=${pool},size=1,backing_store=${join(poolDir, BASE)},backing_format=qcow2,format=qcow2,bus=virtio`],
        ...['--cloud-init', `user-data=${userData}`],
        ...['--boot', `kernel=${env.kernel},initrd=${env.initrd},kernel_args=console=ttyS0 quiet panic=-1 tandem.id=${viName} tandem.seed=1`],
        ...['--serial', `file,path=${join(env.images, `${viName}.serial.log`)}`],
      ]);
      const viRunning = performance.now() - viStarted;
      await waitForSerial(join(env.images, `${viName}.serial.log`), SERIAL.ready, 120_000);
      virtInstallRuns.push({ running: viRunning, booted: performance.now() - viStarted });
      // One guest at a time: two TCG guests on 2 shared cores would slow each other's boot.
      for (const n of [name, viName]) await virsh('destroy', n).catch(() => undefined);
    }
  } finally {
    await tandem.dispose();
    for (const n of names) {
      await virsh('destroy', n).catch(() => undefined);
      await virsh('undefine', n, '--nvram').catch(() => undefined);
      await rm(join(env.images, `${n}.serial.log`), { force: true });
    }
    await virsh('pool-destroy', pool).catch(() => undefined);
    if (!hadBootScratch) {
      await virsh('pool-destroy', 'boot-scratch').catch(() => undefined);
      await virsh('pool-undefine', 'boot-scratch').catch(() => undefined);
    }
    await rm(poolDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
  const ms = (v: number) => `${Math.round(v)} ms`;
  const rows: Row[] = DEPLOY_STEPS.map((step) => ({
    measure: `Tandem step: ${step}`,
    tandem: ms(median(tandemRuns.map((r) => r.steps[step] ?? 0))),
    'virt-install': '',
    'ratio (Tandem / virt-install)': '',
  }));
  const pair = (label: string, key: 'running' | 'booted') => {
    const t = median(tandemRuns.map((r) => r[key]));
    const v = median(virtInstallRuns.map((r) => r[key]));
    return { measure: label, tandem: ms(t), 'virt-install': ms(v), 'ratio (Tandem / virt-install)': (t / v).toFixed(2) };
  };
  rows.push(pair(`call to domain running (median of ${ROUNDS})`, 'running'), pair(`call to guest READY on serial (median of ${ROUNDS})`, 'booted'));
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.TANDEM_LOG_LEVEL ??= 'error';
  const result = await benchDeploy();
  console.log('skipped' in result ? `Deploy: skipped, ${result.skipped}` : table(result.rows));
}
