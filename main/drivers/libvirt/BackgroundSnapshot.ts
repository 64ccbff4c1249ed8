/**
 * QEMU's background snapshot through libvirt 9.0, which has no API for it (checkpoint memory states, see
 * core/checkpoints/ports.ts MemoryMethod).
 *
 * QEMU 7.2 with the migration capability `background-snapshot` saves the device state while the guest is
 * stopped, write-protects guest RAM with userfaultfd, lets the guest run, and writes RAM as it was at that
 * instant (a page the guest writes is copied out first). QEMU's sandbox forbids `exec:` and 7.2 has no
 * `file:` URI, so the stream goes to a file descriptor: Tandem opens the memory file, writes libvirt's save
 * image header and the domain XML (qemuSaveImage.ts), and passes the descriptor with QMP `getfd` through
 * virDomainQemuMonitorCommandWithFiles. libvirt can pass descriptors over a unix socket only: remote and TCP
 * connections fall back to libvirt's live snapshot (probe() says why; the URI decides, see passesFileDescriptors).
 * Tandem's own live migrations switch a capability left on off first (disarmForMigration) and never run while
 * a checkpoint operation runs on the same VM (core/vmOperations).
 *
 * One instant for disks and memory:
 *   1. libvirt pauses the guest (virDomainSuspend);
 *   2. libvirt switches the disks to their overlays (disk-only external snapshot, no metadata; the overlay
 *      files were made before the pause, precreatedOverlays.ts);
 *   3. QMP `migrate fd:<name>`: QEMU's snapshot thread stops the (already stopped) guest, saves the device
 *      state, write-protects RAM and starts the guest itself (7.2 always does; libvirt sees QEMU's RESUME
 *      event and marks the domain running). Nothing ran between 1 and 3, so both are the state of 1.
 * The guest must not be resumed by anyone before QEMU did it (it would run before RAM is protected), so
 * Tandem waits for the RESUMED event or for the migration to have ended, and resumes it itself only then.
 *
 * A write that fails midway must never happen: QEMU 7.2 does not lift the write protection when a background
 * snapshot fails or is cancelled (fixed in QEMU 8.1 by "migration: stop tracking ram writes when cancelling
 * background migration"), so the guest's next write to a page not yet copied blocks its vCPU for good
 * (measured: a 4 MiB filesystem filled by the write left the vCPU thread in handle_userfault and the next
 * virDomainSuspend hanging; only killing QEMU ended it). So Tandem reserves the file's whole size before the
 * pause (fallocate, keeping the size; the excess is released at the end), falls back to the live snapshot when
 * the space is not there, and never cancels a background snapshot once it runs: if Tandem or libvirtd dies,
 * QEMU finishes the file alone and recovery settles it (settle()).
 *
 * libvirt's view: each QMP command runs under a short libvirt query job and taints the domain
 * ("custom-monitor", logged once per QEMU process); the migration itself is not a libvirt job, so libvirt
 * ignores its events and a libvirt save or migration started meanwhile is refused by QEMU. Tandem puts back
 * what it changed (the capability, the named descriptor) whatever happens, and a take interrupted by a crash
 * is settled by recovery (settle()).
 */
import { execFile } from 'node:child_process';
import { open, rm, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  virDomainSnapshotCreateFlags,
  virDomainState,
  virDomainXMLFlags,
  type Connection,
  type Domain,
} from '../../../native-helpers/libvirt/lib/index';
import type { SnapshotOutcome, SnapshotRequest } from '../../core/checkpoints/ports';
import { ConflictError, OperationFailedError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { mapped } from './mapLibvirtError';
import { PauseWatch } from './PauseWatch';
import { createOverlays, removeOverlays } from './precreatedOverlays';
import { QemuMonitor } from './QemuMonitor';
import { encodeSaveImageHeader, saveImageIsComplete } from './qemuSaveImage';

const log = createLogger('background-snapshot');
const execFileAsync = promisify(execFile);
const MiB = 1024 * 1024;

const CAPABILITY = 'background-snapshot';
/** query-migrate states after which QEMU's migration thread is gone. */
const ENDED = new Set(['completed', 'failed', 'cancelled']);
const POLL_MS = 50;
const SETTLE_TIMEOUT_MS = 10 * 60_000;
const RESUMED_EVENT_GRACE_MS = 2_000;

interface MigrationInfo {
  status?: string;
  'error-desc'?: string;
}

interface CapabilityState {
  capability: string;
  state: boolean;
}

async function setCapability(monitor: QmpCommands, state: boolean): Promise<void> {
  await monitor.command('migrate-set-capabilities', { capabilities: [{ capability: CAPABILITY, state }] });
}

async function capabilityState(monitor: QmpCommands): Promise<boolean | undefined> {
  const caps = await monitor.command<CapabilityState[]>('query-migrate-capabilities');
  return caps.find((c) => c.capability === CAPABILITY)?.state;
}

/** A migration (or background snapshot) QEMU's migration thread is still running: none ran, or it ended, is not. */
function underWay(info: MigrationInfo): boolean {
  return info.status !== undefined && info.status !== 'none' && !ENDED.has(info.status);
}

/**
 * Polls query-migrate until QEMU's migration thread ended (or none ran), or `enough()` says to stop earlier;
 * `wake` is the wait between polls (it may end early).
 */
async function untilMigrationEnded(monitor: QemuMonitor, wake: (ms: number) => Promise<unknown>, deadline = Infinity, enough = () => false): Promise<MigrationInfo> {
  for (;;) {
    const info = await monitor.command<MigrationInfo>('query-migrate');
    if (!underWay(info) || enough()) return info;
    if (performance.now() > deadline) {
      throw new ConflictError('checkpoint.memory-write-running', `QEMU is still writing a background snapshot (${info.status}); recovery continues at the next start`);
    }
    await wake(POLL_MS);
  }
}

/**
 * The most a background snapshot writes: every RAM page once (a 4,096-byte page is a 4,104-byte record), RAM
 * blocks besides guest memory (ROMs, video memory: up to 256 MiB allowed for), then the device state and its
 * JSON description (16 MiB allowed for).
 */
async function streamBound(monitor: QemuMonitor): Promise<number> {
  const memory = await monitor.command<{ 'base-memory': number; 'plugged-memory'?: number }>('query-memory-size-summary');
  const ram = memory['base-memory'] + (memory['plugged-memory'] ?? 0) + 256 * MiB;
  return Math.ceil((ram / 4096) * 4104) + 16 * MiB;
}

/** Reserves `bytes` of disk for `path` beyond its end without changing its size (util-linux fallocate --keep-size). */
async function reserve(path: string, bytes: number): Promise<void> {
  const { bavail, bsize } = await statfs(dirname(path));
  if (bavail * bsize < bytes) {
    throw new OperationFailedError('checkpoint.memory-space', `${Math.floor((bavail * bsize) / MiB)} MiB free where the memory state goes, ${Math.ceil(bytes / MiB)} MiB needed`);
  }
  await execFileAsync('fallocate', ['--keep-size', '--length', String(bytes), path]);
}

/**
 * Whether libvirt can pass file descriptors over a connection to `uri`: only over a local unix socket
 * (`qemu:///system`, `qemu:///session`, `qemu+unix://...`). It must be known before trying: when a call with
 * descriptors fails on another transport, libvirt 9.0's client closes the whole connection ("Sending file
 * descriptors is not supported on this socket", then "client socket is closed" for every later call).
 */
export function passesFileDescriptors(uri: string): boolean {
  const parts = /^[a-z0-9]+(?:\+([a-z0-9-]+))?:\/\/([^/?]*)/i.exec(uri.trim());
  if (!parts) return false;
  const transport = parts[1]?.toLowerCase();
  return transport === 'unix' || (transport === undefined && parts[2] === '');
}

function noDescriptors(uri: string): string {
  return `libvirt cannot hand QEMU a file over this connection (${uri}): it passes descriptors over a local unix socket only (qemu:///system, qemu:///session)`;
}

/**
 * null when a background snapshot of this running domain is worth trying through this connection now, else
 * the reason it is not. Reads only: it neither passes a descriptor nor switches the capability on to see
 * whether QEMU accepts it (a probe that switched it on and back off left it on whenever the second call was
 * lost, with nothing journaled to switch it off later). Whether QEMU accepts the capability (userfaultfd
 * write-protection) and a descriptor is learned by take() itself, before the guest is paused, with libvirt's
 * live snapshot as the fallback; the take is journaled, so recovery switches the capability off after a crash.
 */
export async function probe(conn: Connection, dom: Domain): Promise<string | null> {
  const uri = await mapped(() => conn.getURI());
  if (!passesFileDescriptors(uri)) return noDescriptors(uri);
  const monitor = new QemuMonitor(dom);
  const state = await capabilityState(monitor);
  if (state === undefined) return 'this QEMU has no background-snapshot capability (QEMU 6.0 or later has)';
  const running = await monitor.command<MigrationInfo>('query-migrate');
  if (underWay(running)) return `a migration is under way in QEMU (${running.status})`;
  return null;
}

/** What QEMU's migration settings were before a live migration (see disarmForMigration). */
export type MigrationReadiness = 'no-capability' | 'off' | 'switched-off';

/** The QMP commands disarmForMigration needs (QemuMonitor; scripted in unit tests). */
export interface QmpCommands {
  command<T = unknown>(execute: string, args?: Record<string, unknown>): Promise<T>;
}

/**
 * Makes sure QEMU will not run the next migration as a background snapshot: with the capability on, QEMU
 * "completes" a migration while the source keeps running, so the VM would run on both hosts on the same
 * disks. A capability left on (a crash or a lost call between a take's "on" and "off", or anyone's QMP) is
 * switched off and read back. A background snapshot still being written is refused with a Conflict: its
 * capability cannot be switched off while it runs (QEMU refuses), and it must not be cancelled (see the top).
 */
export async function disarmForMigration(monitor: QmpCommands): Promise<MigrationReadiness> {
  const on = await capabilityState(monitor);
  if (on === undefined) return 'no-capability';
  if (!on) return 'off';
  const info = await monitor.command<MigrationInfo>('query-migrate');
  if (underWay(info)) {
    throw new ConflictError(
      'migration.background-snapshot-running',
      `QEMU is writing a background snapshot of this VM (${info.status}); migrate it once that has ended`,
    );
  }
  await setCapability(monitor, false);
  if ((await capabilityState(monitor)) !== false) {
    throw new OperationFailedError('migration.background-snapshot-on', `QEMU's ${CAPABILITY} capability stays on: a migration would leave this VM running on both hosts`);
  }
  log.warn(`${CAPABILITY} was left on in QEMU: switched off before a live migration`);
  return 'switched-off';
}

/**
 * Pauses the guest, switches its disks (`diskSnapshotXml`, libvirt's disk-only snapshot), and has QEMU
 * write its memory in the background to `request.memoryFile` as a libvirt save image. Resolves once the file
 * is complete and flushed. `fallBack` runs instead when the preparation fails before the guest is paused.
 */
export async function take(
  conn: Connection,
  dom: Domain,
  request: SnapshotRequest & { memoryFile: string },
  diskSnapshotXml: (domainXml: string) => string,
  fallBack: (reason: string) => Promise<SnapshotOutcome>,
): Promise<SnapshotOutcome> {
  const uri = await mapped(() => conn.getURI());
  if (!passesFileDescriptors(uri)) return fallBack(noDescriptors(uri));
  const monitor = new QemuMonitor(dom);
  const given: Given = { fdName: null, capability: false };
  // The XML libvirt would put in its own save image; also the disks' list for the snapshot XML.
  const domainXml = await mapped(() => dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_MIGRATABLE));
  const prepareStarted = performance.now();
  // Made now, not by libvirt inside the pause (see precreatedOverlays.ts); removed again on any failure
  // before the pause: nothing can have switched to them yet.
  const overlays = await createOverlays(dom, domainXml, request.overlays);
  const file = await open(request.memoryFile, 'wx', 0o600).catch(async (error: unknown) => {
    await removeOverlays(overlays);
    throw error;
  });
  try {
    const header = encodeSaveImageHeader(domainXml, { wasRunning: true });
    await file.write(header);
    await reserve(request.memoryFile, header.length + (await streamBound(monitor)));
    await monitor.passFd(request.name, file.fd);
    given.fdName = request.name;
    // Counted as on before the call: a call whose reply was lost may have switched it on all the same.
    given.capability = true;
    await setCapability(monitor, true);
  } catch (error) {
    // Nothing is paused or switched yet: libvirt's live snapshot can still take it, once the capability is
    // known to be off (libvirt's live snapshot is a QEMU migration too: with it on, QEMU would run that one as
    // a background snapshot behind libvirt's back).
    const reason = (error as Error).message;
    await file.close();
    const capabilityOff = await cleanUp(monitor, given);
    await rm(request.memoryFile, { force: true });
    // libvirt's live snapshot creates its overlays itself (and refuses files already there).
    await removeOverlays(overlays);
    if (!capabilityOff) throw error;
    log.warn(`background snapshot of ${dom.getName()} not possible, taking a live snapshot instead: ${reason}`);
    return fallBack(reason);
  }

  const pause = await PauseWatch.start(conn, dom).catch(async (error: unknown) => {
    await file.close();
    await cleanUp(monitor, given);
    await removeOverlays(overlays);
    throw error;
  });
  let pausedByUs = false;
  // Once QEMU's migration thread exists, only it may resume the guest until it ended: resumed earlier, the
  // guest would run before its RAM is write-protected, and the memory would no longer match the disks.
  let migration: 'not started' | 'running' | 'ended' = 'not started';
  try {
    // Prepared before the pause (xmldom parses the domain XML): inside it, only the three calls.
    const diskXml = diskSnapshotXml(domainXml);
    const started = performance.now();
    const prepareMs = (started - prepareStarted).toFixed(1);
    const steps: string[] = [];
    const step = (what: string) => steps.push(`${what} ${(performance.now() - started).toFixed(1)}`);
    await mapped(() => dom.suspend());
    pausedByUs = true;
    step('paused');
    const F = virDomainSnapshotCreateFlags;
    // REUSE_EXT: the overlays exist already; libvirt relabels them, opens them over the current images and
    // switches. A failure from here on is settled by the caller's recovery, which reads from the domain's XML
    // whether the disks switched before it removes anything.
    const snapshot = await mapped(
      () =>
        dom.snapshotCreateXML(
          diskXml,
          F.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | F.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC | F.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | F.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT,
        ),
      { name: request.name },
    );
    snapshot.free();
    step('disks switched');
    await monitor.command('migrate', { uri: `fd:${request.name}` });
    given.fdName = null; // the migration owns the descriptor now and closes it when it ends
    migration = 'running';
    step('migration started');
    let info = await untilMigrationEnded(monitor, (ms) => (pause.resumed ? sleep(ms) : pause.untilResumed(ms)), Infinity, () => pause.resumed);
    step(pause.resumed ? 'resumed' : `migration ${info.status ?? 'gone'}`);
    log.debug(`${dom.getName()}: overlays, memory file and QEMU prepared in ${prepareMs} ms; ${steps.join(', ')} ms after the suspend call`);
    if (!ENDED.has(info.status ?? '')) {
      // The guest runs again and the disks are switched; QEMU is still writing.
      await request.whileMemoryIsWritten?.();
      info = await untilMigrationEnded(monitor, (ms) => sleep(ms));
    }
    migration = 'ended';
    // Switched off as soon as QEMU allows it (not while the migration runs), before the flush: the shorter it
    // is on, the smaller the window for a migration someone else starts. Here, not by cleanUp (which only
    // logs a failure): left on, the next live migration of this VM would run as a background snapshot (the
    // source keeps running after it "completed"). Failing here sends the take through the caller's recovery,
    // whose settle() switches it off or keeps the journal; Tandem's own migrations switch it off first anyway.
    await setCapability(monitor, false);
    given.capability = false;
    if (info.status !== 'completed') {
      throw new OperationFailedError('checkpoint.memory-write-failed', `QEMU's background snapshot ${info.status ?? 'vanished'}${info['error-desc'] ? `: ${info['error-desc']}` : ''}`);
    }
    await file.sync();
    // Releases what the reservation kept beyond the end (a truncate to the same size does, on ext4 and XFS).
    await file.truncate((await file.stat()).size);
    const wallMs = Math.round((performance.now() - started) * 10) / 10;
    if (!(await pause.untilResumed(RESUMED_EVENT_GRACE_MS))) await resumeIfPaused(dom);
    return { stunMs: pause.stunMs, wallMs, memoryMethod: 'background-snapshot' };
  } catch (error) {
    // A background snapshot under way is left to finish (never cancelled: see the top of this file); the
    // caller's recovery settles it. QEMU starts the guest once RAM is protected; if it never got there (the
    // migration refused or ended first), the pause is ours to end.
    if (pausedByUs && !pause.resumed && migration !== 'running') await resumeIfPaused(dom);
    throw error;
  } finally {
    await cleanUp(monitor, given);
    await file.close();
    await pause.stop();
  }
}

/**
 * Recovery of a take that did not end in this process: waits for QEMU's write to end, puts the capability
 * back, drops the descriptor if QEMU still holds it, and reads the memory file to tell whether it is whole.
 */
export async function settle(dom: Domain, snapshot: { name: string; memoryFile: string }): Promise<'completed' | 'incomplete'> {
  if (await mapped(() => dom.isActive())) {
    const monitor = new QemuMonitor(dom);
    await untilMigrationEnded(monitor, (ms) => sleep(ms), performance.now() + SETTLE_TIMEOUT_MS);
    await monitor.closeFd(snapshot.name);
    if (await capabilityState(monitor)) await setCapability(monitor, false);
  }
  if (!(await saveImageIsComplete(snapshot.memoryFile))) return 'incomplete';
  const file = await open(snapshot.memoryFile, 'r+');
  try {
    await file.sync();
    await file.truncate((await file.stat()).size); // what the reservation kept beyond the end
  } finally {
    await file.close();
  }
  return 'completed';
}

/** What QEMU holds for a take: a named descriptor (until `migrate` takes it over), the capability switched on. */
interface Given {
  fdName: string | null;
  capability: boolean;
}

/**
 * Takes back what QEMU was given; each step is attempted, a failure is logged (recovery's settle() redoes
 * them). false when the capability may still be on.
 */
async function cleanUp(monitor: QemuMonitor, given: Given): Promise<boolean> {
  const { fdName } = given;
  let capabilityOff = true;
  if (fdName) await monitor.closeFd(fdName).catch((error: unknown) => log.error(`closefd ${fdName} failed: ${(error as Error).message}`));
  if (given.capability) {
    capabilityOff = await setCapability(monitor, false).then(
      () => true,
      (error: unknown) => {
        log.error(`switching ${CAPABILITY} off failed: ${(error as Error).message}`);
        return false;
      },
    );
  }
  given.fdName = null;
  given.capability = false;
  return capabilityOff;
}

async function resumeIfPaused(dom: Domain): Promise<void> {
  try {
    if ((await dom.getState()).state === virDomainState.VIR_DOMAIN_PAUSED) await dom.resume();
  } catch (error) {
    log.error(`resuming ${dom.getName()} after a failed background snapshot failed: ${(error as Error).message}`);
  }
}
