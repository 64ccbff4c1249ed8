/**
 * Crash safety of a revert when host1's libvirtd dies in the middle of it (the take has its own test in
 * checkpointRecovery.test.ts). The daemon is SIGKILLed at each step of a revert where it matters: before the
 * VM is stopped, right after it was stopped, right before the memory restore, while the restore launches
 * QEMU (libvirt has recorded the start, not yet QEMU's process) and while QEMU loads the state. The daemon is
 * restarted (the test bed's hosts.sh), a fresh engine on the same data folder runs recover(), and then: the
 * VM runs, the tree is consistent (every checkpoint's images and memory file exist, every backing chain
 * resolves, the VM's disk is a fresh layer over the current checkpoint, no file is left that nothing
 * references, no stray QEMU process), and a revert completes.
 *
 * One window is libvirt's own: killed while launching QEMU for the restore, libvirt 9.0 keeps the domain
 * "starting up" with a start job nobody owns (no API can stop or change it, across restarts). Tandem keeps
 * the revert in its journal and says exactly what clears it; the test then does what the message says and
 * the revert completes.
 *
 * The kill is injected by a hypervisor adapter that wraps the real one: the daemon, QEMU and the files are
 * the real ones; only the moment of the SIGKILL is chosen by the test (from libvirt's own status file for
 * the restore's steps).
 *
 * Last, the whole app (in process, through the contract): the daemon is killed once the revert has stopped
 * the VM, and Tandem settles the revert by itself when its connection to the host comes back.
 */
import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import type { CheckpointVm } from '../../../main/core/checkpoints/ports';
import { PlainMemoryStateStore } from '../../../main/core/checkpoints/PlainMemoryStateStore';
import { domainDisks } from '../../../main/core/checkpoints/domainDisks';
import { LibvirtCheckpointHypervisor } from '../../../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { QemuImgDiskImages } from '../../../main/drivers/qemuImg/QemuImgDiskImages';
import { openConnection, virDomainState, virDomainXMLFlags, type Connection } from '../../../native-helpers/libvirt/lib/index';
import { callError, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { counterResumedSince, lastCounter, SERIAL, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { removeCheckpointAppGuest, startCheckpointAppGuest, type CheckpointAppGuest } from './checkpointAppGuest';
import { checkpointFolderOf, checkpointHostUri, HOST_ID, removeCheckpointGuest, startCheckpointGuest } from './checkpointFixture';
import type { RunningGuest } from './snapshotTestbed';

const execFileAsync = promisify(execFile);
const env = testbedOrFail();
const REPO = resolve(import.meta.dirname, '../../..');

type KillPoint = 'before-destroy' | 'after-destroy' | 'before-restore' | 'restore-launching' | 'restore-loading';

/** The real hypervisor adapter, with host1's libvirtd SIGKILLed at one point of a revert. */
class DaemonKillingHypervisor extends LibvirtCheckpointHypervisor {
  constructor(
    connectionFor: () => Connection,
    private readonly point: KillPoint,
    private readonly killDaemon: () => Promise<void>,
    /** Resolves once libvirt's status file of the restoring domain shows QEMU's pid as 0 (launching) or not. */
    private readonly restoreReached: (launched: boolean) => Promise<void>,
  ) {
    super(connectionFor);
  }

  override async destroy(vm: CheckpointVm): Promise<void> {
    if (this.point === 'before-destroy') await this.killDaemon();
    await super.destroy(vm);
    if (this.point === 'after-destroy') await this.killDaemon();
  }

  override async restore(vm: CheckpointVm, memoryFile: string, xml: string): Promise<void> {
    if (this.point === 'before-restore') await this.killDaemon();
    if (this.point !== 'restore-launching' && this.point !== 'restore-loading') return super.restore(vm, memoryFile, xml);
    const restoring = super.restore(vm, memoryFile, xml);
    // Rejections are awaited below; until then a failure must not count as unhandled.
    restoring.catch(() => undefined);
    await this.restoreReached(this.point === 'restore-loading');
    await this.killDaemon();
    return restoring;
  }
}

/** Waits until the guest's newest counter line (not the highest ever: reverts go back) is above `value`. */
async function waitForLatestCounterAbove(g: RunningGuest, value: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await lastCounter(g.guest)) <= value) {
    if (Date.now() > deadline) throw new Error(`the guest printed no counter above ${value} in 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function killHost1Daemon(): Promise<void> {
  const pid = Number((await readFile(join(env!.dir, 'host1', 'libvirtd.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (await access(`/proc/${pid}`).then(() => true, () => false)) {
    if (Date.now() > deadline) throw new Error(`libvirtd ${pid} still alive after SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function restartHost1Daemon(): Promise<void> {
  const slot = /127\.0\.(\d+)\.2/.exec(env!.host1Uri)?.[1] ?? '0';
  await execFileAsync('bash', [join(REPO, 'scripts/testbed/hosts.sh'), 'start'], { env: { ...process.env, TANDEM_TESTBED_DIR: env!.dir, TANDEM_TESTBED_SLOT: slot } });
}

/** QEMU processes running this guest (none left half-started by a restore the daemon lost). */
async function qemuProcessesOf(name: string): Promise<number> {
  let count = 0;
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('/usr/bin/qemu-system') && cmdline.includes(`guest=${name},`)) count += 1;
  }
  return count;
}

async function qemuImgChain(path: string): Promise<string[]> {
  const { stdout } = await execFileAsync('qemu-img', ['info', '-U', '--backing-chain', '--output=json', path]);
  return (JSON.parse(stdout) as { filename: string }[]).map((i) => i.filename);
}

describe.skipIf(!env)('checkpoint revert: libvirtd killed in the middle', () => {
  let g: RunningGuest;
  let dataDir: string;
  let folder: string;
  let checkpointId: string;
  /**
   * The counters the guest had printed when the take started and when it returned: its memory state is from some
   * instant in between (the call can last seconds on a loaded machine).
   */
  let atTake: number;
  let atTakeEnd: number;
  const vm = () => ({ hostId: HOST_ID, uuid: g.guest.uuid });
  const host1 = () => join(env!.dir, 'host1');

  const engineOn = (hypervisor: LibvirtCheckpointHypervisor) =>
    new CheckpointEngine({ hypervisor, images: new QemuImgDiskImages(), memory: new PlainMemoryStateStore(), dataDir });

  /**
   * libvirt writes the domain's status file (/run/libvirt/qemu/<name>.xml) when the restore's start job
   * begins, with pid 0, and again once QEMU runs, with its pid (the revert's destroy removed the old one).
   */
  async function restoreReached(launched: boolean): Promise<void> {
    const statusFile = join(host1(), 'run', 'libvirt', 'qemu', `${g.guest.name}.xml`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pid = /<domstatus [^>]*pid='(\d+)'/.exec(await readFile(statusFile, 'utf8').catch(() => ''))?.[1];
      if (pid !== undefined && (launched ? pid !== '0' : pid === '0')) return;
      if (Date.now() > deadline) throw new Error(`libvirt's status file ${statusFile} never showed ${launched ? 'a QEMU pid' : 'pid 0'}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  async function restartDaemonAndReconnect(): Promise<void> {
    await restartHost1Daemon();
    await g.conn.close().catch(() => undefined);
    g.conn = await openConnection(checkpointHostUri(env!));
    g.dom = await g.conn.lookupDomainByUUIDString(g.guest.uuid);
  }

  /**
   * The tree and the files agree: every checkpoint's images and memory file exist and their chains resolve;
   * the VM's disk (persistent and, when running, live) is one layer over the current checkpoint's image; the
   * checkpoint folder holds nothing else.
   */
  async function expectConsistent(engine: CheckpointEngine): Promise<void> {
    const tree = await engine.list(vm());
    const referenced = new Set<string>();
    for (const c of tree.checkpoints) {
      for (const d of c.disks) {
        await qemuImgChain(d.image);
        referenced.add(d.image);
      }
      if (c.kind === 'memory') {
        await access(c.memoryFile!);
        referenced.add(c.memoryFile!);
      }
    }
    const current = tree.checkpoints.find((c) => c.id === tree.currentId)!;
    expect(current).toBeDefined();
    const persistent = domainDisks(await g.dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE))[0]!.source;
    const chain = await qemuImgChain(persistent);
    expect(chain[1]).toBe(current.disks[0]!.image);
    expect(chain.at(-1)).toBe(g.guest.diskPath);
    referenced.add(persistent);
    const running = (await g.dom.getState()).state === virDomainState.VIR_DOMAIN_RUNNING;
    if (running) expect(domainDisks(await g.dom.getXMLDesc())[0]!.source).toBe(persistent);
    expect(await qemuProcessesOf(g.guest.name)).toBe(running ? 1 : 0);
    const files = (await readdir(folder)).map((f) => join(folder, f));
    expect(files.filter((f) => !referenced.has(f))).toEqual([]);
  }

  /** Reverts with a healthy daemon and checks that the guest resumes from the checkpoint. */
  async function expectRevertWorks(engine: CheckpointEngine): Promise<void> {
    await waitForLatestCounterAbove(g, (await lastCounter(g.guest)) + 1);
    const offset = await serialLogSize(g.guest.serialLogPath);
    await engine.revert(vm(), checkpointId);
    await expectCounterResumedFromCheckpoint(offset);
  }

  /** The guest's counter, in what its serial log got after `offset`, starts again at (about) its value at the take. */
  async function expectCounterResumedFromCheckpoint(offset: number): Promise<void> {
    const resumed = await counterResumedSince(g.guest, offset, 30_000);
    expect(resumed).toBeGreaterThanOrEqual(atTake - 1);
    expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);
  }

  /** After a recovery that completed the revert: the VM runs from the checkpoint, Tandem's tree is whole, and a revert works again. */
  async function expectRunningFromCheckpoint(offset: number): Promise<void> {
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    await expectCounterResumedFromCheckpoint(offset);
    const engine = engineOn(new LibvirtCheckpointHypervisor(() => g.conn));
    await expectConsistent(engine);
    await expectRevertWorks(engine);
  }

  /** Runs a revert whose daemon dies at `point`, restarts the daemon and recovers; returns recover()'s report. */
  async function revertKilledAt(point: KillPoint): Promise<{ outcome: string; report: string[]; offset: number }> {
    await waitForLatestCounterAbove(g, atTakeEnd + 3);
    const offset = await serialLogSize(g.guest.serialLogPath);
    const conn = g.conn;
    const engine = engineOn(new DaemonKillingHypervisor(() => conn, point, killHost1Daemon, restoreReached));
    const outcome = await engine.revert(vm(), checkpointId).then(
      () => 'finished',
      (error: unknown) => `failed: ${(error as Error).message}`,
    );
    await restartDaemonAndReconnect();
    const report = await engineOn(new LibvirtCheckpointHypervisor(() => g.conn)).recover();
    console.log(`revert with libvirtd killed ${point}: ${outcome}; recovery: ${JSON.stringify(report)}`);
    return { outcome, report, offset };
  }

  beforeAll(async () => {
    ({ g, dataDir } = await startCheckpointGuest(env!, 'rkill'));
    folder = checkpointFolderOf(env!, g.guest.uuid);
    await waitForLatestCounterAbove(g, 2);
    const offset = await serialLogSize(g.guest.serialLogPath);
    const cp = await engineOn(new LibvirtCheckpointHypervisor(() => g.conn)).take(vm(), { name: 'target' });
    checkpointId = cp.id;
    atTakeEnd = await lastCounter(g.guest);
    atTake = Number((await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]) - 1;
  }, 120_000);

  afterAll(() => removeCheckpointGuest(env!, g, dataDir));

  it('killed before the VM was stopped: rolled back, the VM runs on, untouched', async () => {
    const { outcome, report } = await revertKilledAt('before-destroy');
    expect(outcome).toMatch(/^failed/);
    expect(report).toEqual([expect.stringMatching(/^revert of .* at begin: rolled back \(the VM was not stopped yet\)$/)]);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    // Not reverted: it counts on from where it was.
    await waitForLatestCounterAbove(g, await lastCounter(g.guest));
    expect(await lastCounter(g.guest)).toBeGreaterThan(atTakeEnd + 3);
    const engine = engineOn(new LibvirtCheckpointHypervisor(() => g.conn));
    await expectConsistent(engine);
    await expectRevertWorks(engine);
  });

  it('killed right after the VM was stopped: recovery completes the revert, the guest resumes from the checkpoint', async () => {
    const { outcome, report, offset } = await revertKilledAt('after-destroy');
    expect(outcome).toMatch(/^failed/);
    expect(report).toEqual([expect.stringMatching(/^revert of .* at stopped: completed$/)]);
    await expectRunningFromCheckpoint(offset);
  });

  it('killed right before the memory restore: recovery restores it, the guest resumes from the checkpoint', async () => {
    const { outcome, report, offset } = await revertKilledAt('before-restore');
    expect(outcome).toMatch(/^failed/);
    expect(report).toEqual([expect.stringMatching(/^revert of .* at stopped: completed$/)]);
    await expectRunningFromCheckpoint(offset);
  });

  it('killed while QEMU loads the restored state: recovery leaves the guest running from the checkpoint', async () => {
    const { outcome, report, offset } = await revertKilledAt('restore-loading');
    expect(outcome).toMatch(/^failed/);
    expect(report).toEqual([expect.stringMatching(/^revert of .* at stopped: completed/)]);
    await expectRunningFromCheckpoint(offset);
  });

  it('killed while the restore launches QEMU: libvirt keeps the VM "starting up"; Tandem says what clears it, then completes', async () => {
    const { outcome, report } = await revertKilledAt('restore-launching');
    expect(outcome).toMatch(/^failed/);
    const stuck = `/run/libvirt/qemu/${g.guest.name}.xml`;
    expect(report).toEqual([expect.stringMatching(new RegExp(`^revert of .* at stopped: failed \\(libvirt shows VM ${g.guest.name} as starting up.*remove ${stuck} .*restart libvirtd`))]);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_PAUSED);
    expect(await qemuProcessesOf(g.guest.name)).toBe(0);
    // Tandem's tree is untouched while the revert waits in the journal: the checkpoint is still there, whole.
    const waiting = engineOn(new LibvirtCheckpointHypervisor(() => g.conn));
    const tree = await waiting.list(vm());
    expect(tree.currentId).toBe(checkpointId);
    for (const d of tree.checkpoints[0]!.disks) await qemuImgChain(d.image);
    await access(tree.checkpoints[0]!.memoryFile!);
    await expect(waiting.take(vm(), { name: 'refused' })).rejects.toMatchObject({ code: 'checkpoint.recovery-pending' });

    // What the message says, on the test bed host's private /run/libvirt; then recovery completes the revert.
    const offset = await serialLogSize(g.guest.serialLogPath);
    await rm(join(host1(), 'run', 'libvirt', 'qemu', `${g.guest.name}.xml`));
    await killHost1Daemon();
    await restartDaemonAndReconnect();
    expect(await engineOn(new LibvirtCheckpointHypervisor(() => g.conn)).recover()).toEqual([expect.stringMatching(/^revert of .* at stopped: completed$/)]);
    await expectRunningFromCheckpoint(offset);
  });
});

describe.skipIf(!env)('checkpoint revert in the app: libvirtd killed after the stop, settled when the host is back', () => {
  let app: CheckpointAppGuest | undefined;
  let t: InProcessTandem;
  let guest: TinyGuest;
  let conn: Connection;
  let hostId: string;
  const ref = () => ({ hostId, uuid: guest.uuid });
  const folder = () => checkpointFolderOf(env!, guest.uuid);

  beforeAll(async () => {
    app = await startCheckpointAppGuest(env!, 'rkill-app');
    ({ t, guest, hostId } = app);
  });

  afterAll(async () => {
    await removeCheckpointAppGuest(env!, app);
    await conn?.close().catch(() => undefined);
  });

  it('completes the revert by itself once it reconnects: the guest runs from the checkpoint, the journal is empty', async () => {
    const offset = await serialLogSize(guest.serialLogPath);
    const cp = await t.client.call('checkpoints.take', { ...ref(), name: 'target' });
    // Its memory state is from some instant in the call, which can last seconds on a loaded machine.
    const atTakeEnd = await lastCounter(guest);
    const atTake = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]) - 1;
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${atTakeEnd + 4}$`, 'm'), 30_000, { fromOffset: offset });

    // The revert's new overlay appears once the VM was stopped and the step journaled: kill the daemon then.
    const before = new Set(await readdir(folder()));
    const revertOffset = await serialLogSize(guest.serialLogPath);
    const reverting = callError(t.client.call('checkpoints.revert', { ...ref(), checkpointId: cp.id })).then(
      (error) => `failed: ${error.code}`,
      () => 'finished',
    );
    const deadline = Date.now() + 60_000;
    while (!(await readdir(folder())).some((f) => !before.has(f) && f.startsWith('layer-'))) {
      if (Date.now() > deadline) throw new Error('the revert created no overlay in 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    await killHost1Daemon();
    const outcome = await reverting;
    console.log(`app revert with libvirtd killed after the stop: ${outcome}`);
    expect(outcome).toBe('failed: checkpoint.revert-interrupted');

    const settled = t.nextEvent('checkpoints.changed', (tree) => tree.vm.uuid === guest.uuid && tree.currentId === cp.id, 90_000);
    await restartHost1Daemon();
    // Nobody calls recover() here: Tandem reconnects (with its backoff) and settles the journal by itself.
    await settled;
    const journal = join(t.dataDir, 'checkpoints', 'journal');
    expect(await readdir(journal)).toEqual([]);
    conn = await openConnection(env!.host1Uri);
    const dom = await conn.lookupDomainByUUIDString(guest.uuid);
    try {
      expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    } finally {
      dom.free();
    }
    const resumed = await counterResumedSince(guest, revertOffset, 30_000);
    expect(resumed).toBeGreaterThanOrEqual(atTake - 1);
    expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);
    expect(await qemuProcessesOf(guest.name)).toBe(1);
  });
});
