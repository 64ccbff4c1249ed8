/**
 * What the deploy suites (deploy, deployInstallMedia, labs, guestAddresses, connectionLoss) create on a test bed
 * host, seen and removed through virsh, an independent reader: the domains, volumes and networks a deploy
 * leaves, and the suite's own storage pool, never-started network and folders.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Disposable } from '../../../main/core/hosts/HostDriver';
import type { InProcessTandem } from '../../support/inProcessTandem';

const execFileAsync = promisify(execFile);

export type Virsh = (...args: string[]) => Promise<string>;

/** A "Debian 11 cloud image" to osinfo, which identifies it by its file name: the image cloud-image deploys start from. */
export const BASE_IMAGE = 'debian-11-genericcloud-amd64.qcow2';

export function virshOn(uri: string): Virsh {
  return async (...args) => (await execFileAsync('virsh', ['-c', uri, ...args])).stdout;
}

export async function domainNames(virsh: Virsh): Promise<string[]> {
  return (await virsh('list', '--all', '--name')).split('\n').map((s) => s.trim());
}

export async function networkNames(virsh: Virsh): Promise<string[]> {
  return (await virsh('net-list', '--all', '--name')).split('\n').map((s) => s.trim());
}

/** A transient pool (`pool-create-as`) in `dir` holding an empty 64 MiB qcow2 as BASE_IMAGE. */
export async function createBaseImagePool(virsh: Virsh, pool: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await virsh('pool-create-as', pool, 'dir', '--target', dir);
  await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, BASE_IMAGE), '64M']);
  await virsh('pool-refresh', pool);
}

/**
 * The afterAll of a suite with a transient pool (createBaseImagePool): every domain (stopped, undefined, its
 * serial log in `imagesDir` deleted) and network whose name starts with `prefix`, then the pool and its folder.
 */
export async function removePoolSuite(virsh: Virsh, suite: { prefix: string; pool: string; poolDir: string; imagesDir: string }): Promise<void> {
  for (const name of (await domainNames(virsh)).filter((n) => n && n.startsWith(suite.prefix))) {
    await virsh('destroy', name).catch(() => undefined);
    await virsh('undefine', name).catch(() => undefined);
    await rm(join(suite.imagesDir, `${name}.serial.log`), { force: true });
  }
  for (const name of (await networkNames(virsh)).filter((n) => n && n.startsWith(suite.prefix))) {
    await virsh('net-destroy', name).catch(() => undefined);
    await virsh('net-undefine', name).catch(() => undefined);
  }
  await virsh('pool-destroy', suite.pool).catch(() => undefined);
  await rm(suite.poolDir, { recursive: true, force: true });
}

/** The volumes of `pool` after a refresh (files put there behind libvirt's back included). */
export async function poolVolumes(virsh: Virsh, pool: string): Promise<string[]> {
  await virsh('pool-refresh', pool);
  return (await virsh('vol-list', pool))
    .split('\n')
    .slice(2)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** Domains and volumes of `pool` named from `prefix` that libvirt still has. */
export async function deployLeftovers(virsh: Virsh, pool: string, prefix: string): Promise<string[]> {
  const domains = await domainNames(virsh);
  return [...domains, ...(await poolVolumes(virsh, pool))].filter((n) => n.startsWith(prefix));
}

/** The domain `name` (stopped, undefined with its NVRAM) and its volumes in `pool`, whatever is left of them. */
export async function removeDeployedVm(virsh: Virsh, pool: string, name: string): Promise<void> {
  await virsh('destroy', name).catch(() => undefined);
  await virsh('undefine', name, '--nvram').catch(() => undefined);
  for (const vol of await deployLeftovers(virsh, pool, name)) await virsh('vol-delete', '--pool', pool, vol).catch(() => undefined);
}

export interface DeploySuiteResources {
  /** Every domain, and every file in `imagesDir`, whose name starts with it is the suite's. */
  vmPrefix: string;
  pool: string;
  offNetwork: string;
  folders: string[];
  /** Where the deployed VMs' serial logs are. */
  imagesDir: string;
}

/** A deploy suite's afterAll: its VMs, its never-started network, its pool, its folders and its serial logs. */
export async function removeDeploySuite(virsh: Virsh, suite: DeploySuiteResources): Promise<void> {
  for (const name of await domainNames(virsh)) if (name.startsWith(suite.vmPrefix)) await removeDeployedVm(virsh, suite.pool, name);
  await virsh('net-undefine', suite.offNetwork).catch(() => undefined);
  await virsh('pool-destroy', suite.pool).catch(() => undefined);
  await virsh('pool-undefine', suite.pool).catch(() => undefined);
  for (const folder of suite.folders) await rm(folder, { recursive: true, force: true });
  // Serial logs of VMs a test did not remove itself (a deploy rolled back after its VM started keeps its log).
  for (const file of await readdir(suite.imagesDir)) if (file.startsWith(suite.vmPrefix)) await rm(join(suite.imagesDir, file), { force: true });
}

/** Defined, never started: libvirt refuses to start a VM with a NIC on it ("network is not active"). */
export async function defineOffNetwork(uri: string, name: string): Promise<void> {
  await execFileAsync('sh', ['-c', `printf '%s' "$0" | virsh -c '${uri}' net-define /dev/stdin`, `<network><name>${name}</name></network>`]);
}

/**
 * Cancels the deploy of `vmName` from the job's own progress report (synchronously), so that the cancel lands in
 * exactly `step`. Dispose of it at the end of the test.
 */
export function cancelDeployAtStep(t: InProcessTandem, vmName: string, step: string): Disposable {
  let cancelled = false;
  return t.tandem.jobs.jobChanged.on((j) => {
    if (cancelled || j.kind !== 'deploy' || j.state !== 'running' || j.progress.figures.step !== step || !j.title.endsWith(vmName)) return;
    cancelled = true;
    t.tandem.jobs.cancel(j.id);
  });
}
