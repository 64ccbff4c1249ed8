/**
 * Helpers of the binding's snapshot / checkpoint / backup suites on the QEMU test bed: a tiny guest driven
 * through the binding itself, image inspection with qemu-img, and waiting for a domain job to end.
 */
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import {
  openConnection,
  virDomainJobType,
  virDomainUndefineFlagsValues,
  type Connection,
  type Domain,
  type DomainJobInfo,
} from '../../../native-helpers/libvirt/lib/index';
import { completeLines, createTinyGuest, removeTinyGuest, SERIAL, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import type { TestbedEnv } from '../../testbed/testbedEnv';

const execFileAsync = promisify(execFile);

export interface RunningGuest {
  conn: Connection;
  guest: TinyGuest;
  dom: Domain;
}

/**
 * Defines and starts a tiny guest on host1 through the binding (over `uri`, by default host1's TCP URI), and
 * waits for its first counter line. When a step fails, what it had made is removed before the error goes on:
 * the caller never gets a guest to remove (a guest left running would slow every later suite under TCG).
 */
export async function startGuest(env: TestbedEnv, name: string, prepareDisk?: (diskPath: string) => Promise<void>, uri = env.host1Uri): Promise<RunningGuest> {
  const conn = await openConnection(uri);
  let guest: TinyGuest | undefined;
  let dom: Domain | undefined;
  try {
    guest = await createTinyGuest(env, { name, id: name });
    if (prepareDisk) await prepareDisk(guest.diskPath);
    dom = await conn.defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000);
    return { conn, guest, dom };
  } catch (error) {
    if (guest && dom) await removeGuest({ conn, guest, dom });
    else {
      await conn.close().catch(() => undefined);
      if (guest) await removeTinyGuest(guest);
    }
    throw error;
  }
}

/** Destroys and undefines the guest (with its snapshot and checkpoint metadata) and deletes its files. */
export async function removeGuest(g: RunningGuest | undefined, extraFiles: string[] = []): Promise<void> {
  if (g) {
    const { VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA } = virDomainUndefineFlagsValues;
    await g.dom.destroy().catch(() => undefined);
    await g.dom.undefine(VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA).catch(() => undefined);
    await g.conn.close().catch(() => undefined);
    await removeTinyGuest(g.guest);
  }
  for (const file of extraFiles) await rm(file, { force: true });
}

export interface ImageInfo {
  format: string;
  'virtual-size': number;
  'actual-size': number;
  'backing-filename'?: string;
}

export async function qemuImgInfo(path: string): Promise<ImageInfo> {
  const { stdout } = await execFileAsync('qemu-img', ['info', '-U', '--output=json', path]);
  return JSON.parse(stdout) as ImageInfo;
}

/**
 * The decimal counter on the first line of an image's guest-visible data (what the tiny guest writes to
 * /dev/vda), read by converting the image (or NBD URI) to raw; undefined when there is none.
 */
export async function diskCounter(source: string, format: 'qcow2' | 'raw', rawPath: string): Promise<number | undefined> {
  try {
    await execFileAsync('qemu-img', ['convert', '-U', '-f', format, '-O', 'raw', source, rawPath]);
    const head = (await readFile(rawPath)).subarray(0, 32).toString('latin1');
    const match = /^(\d+)\n/.exec(head);
    return match ? Number(match[1]) : undefined;
  } finally {
    await rm(rawPath, { force: true });
  }
}

/** Every `tandem-counter N` the guest printed so far. */
export async function printedCounters(guest: TinyGuest): Promise<Set<number>> {
  const text = completeLines(await readFile(guest.serialLogPath, 'utf8'));
  return new Set([...text.matchAll(/^tandem-counter (\d+)\r?$/gm)].map((m) => Number(m[1])));
}

/**
 * The guest's count now: the last one it printed (not the highest: after a revert the guest counts again
 * from where its checkpoint was, below what the log already holds).
 */
export async function lastCounter(guest: TinyGuest): Promise<number> {
  const text = completeLines(await readFile(guest.serialLogPath, 'utf8'));
  const last = [...text.matchAll(/^tandem-counter (\d+)\r?$/gm)].at(-1);
  return last ? Number(last[1]) : 0;
}

/**
 * Waits for a libvirt domain job (a backup, a migration: not a Tandem job, for which see waitForJobEnd in
 * test/support/inProcessTandem.ts). Polls getJobInfo until no job runs (NONE) or it reports an end state;
 * throws after the deadline.
 */
export async function waitForDomainJobEnd(dom: Domain, timeoutMs: number): Promise<DomainJobInfo> {
  const deadline = Date.now() + timeoutMs;
  const { VIR_DOMAIN_JOB_BOUNDED, VIR_DOMAIN_JOB_UNBOUNDED } = virDomainJobType;
  for (;;) {
    const info = await dom.getJobInfo();
    if (info.type !== VIR_DOMAIN_JOB_BOUNDED && info.type !== VIR_DOMAIN_JOB_UNBOUNDED) return info;
    if (Date.now() > deadline) throw new Error(`job still running after ${timeoutMs} ms: ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the guest's count (its last printed line) is above `after` (it keeps running). */
export async function waitForCounterAbove(guest: TinyGuest, after: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await lastCounter(guest)) <= after) {
    if (Date.now() > deadline) throw new Error(`guest printed no counter above ${after} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
