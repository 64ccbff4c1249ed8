/**
 * Crash safety of the checkpoint engine on the QEMU test bed: a child process running the engine is
 * SIGKILLed at a journaled step of take and of revert (TANDEM_CHECKPOINT_HALT_AT; a take dead after making its
 * background snapshot's overlays is its 'begin' halt plus those files), among them while QEMU
 * writes a background snapshot's memory (and, separately, with that file then cut short), and host1's
 * libvirtd is SIGKILLed in the middle of a take; then a fresh engine on the same data folder runs recover(),
 * and the VM must be running (never left paused), every listed checkpoint revertable, no overlay chain
 * broken, QEMU's background-snapshot capability off.
 */
import { execFile } from 'node:child_process';
import { access, readdir, readFile, stat, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virDomainState } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { counterResumedSince, SERIAL, serialLogSize, waitForSerial } from '../../testbed/tinyGuest';
import { checkpointEngine, checkpointFolderOf, checkpointHostUri, HOST_ID, killCrashChildAt, removeCheckpointGuest, startCheckpointGuest } from './checkpointFixture';
import { diskCounter, lastCounter, qemuImgInfo, waitForCounterAbove, type RunningGuest } from './snapshotTestbed';

const execFileAsync = promisify(execFile);
const env = testbedOrFail();
const REPO = resolve(import.meta.dirname, '../../..');

async function qmp(g: RunningGuest, execute: string): Promise<unknown> {
  return (JSON.parse(await g.dom.qemuMonitorCommand(JSON.stringify({ execute }))) as { return: unknown }).return;
}

async function capabilityOn(g: RunningGuest): Promise<boolean | undefined> {
  return ((await qmp(g, 'query-migrate-capabilities')) as Array<{ capability: string; state: boolean }>).find((c) => c.capability === 'background-snapshot')?.state;
}

async function layerFiles(folder: string): Promise<string[]> {
  return (await readdir(folder).catch(() => [] as string[])).sort();
}

describe.skipIf(!env)('checkpoint engine: recovery after a crash', () => {
  let g: RunningGuest;
  let dataDir: string;
  let folder: string;
  const vm = () => ({ hostId: HOST_ID, uuid: g.guest.uuid });
  const childArgs = (...rest: string[]) => [checkpointHostUri(env!), dataDir, g.guest.uuid, ...rest];

  beforeAll(async () => {
    ({ g, dataDir } = await startCheckpointGuest(env!, 'crash'));
    folder = checkpointFolderOf(env!, g.guest.uuid);
  });

  afterAll(() => removeCheckpointGuest(env!, g, dataDir));

  it('rolls back a take killed before the snapshot: no files left, VM running, tree unchanged', async () => {
    const engine = checkpointEngine(g.conn, dataDir);
    await waitForCounterAbove(g.guest, 2);
    const first = await engine.take(vm(), { name: 'kept' });
    const before = await layerFiles(folder);

    await killCrashChildAt('take:begin', childArgs('take', 'lost'));
    const report = await checkpointEngine(g.conn, dataDir).recover();
    console.log('recovery:', report);
    expect(report.join()).toMatch(/rolled back/);
    expect(await layerFiles(folder)).toEqual(before);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    expect((await engine.list(vm())).checkpoints.map((c) => c.id)).toEqual([first.id]);
  });

  it('removes the overlays of a take killed after it made them, before the pause (background snapshot: they are made ahead of it)', async () => {
    const before = await layerFiles(folder);
    const tree = await checkpointEngine(g.conn, dataDir).list(vm());
    await killCrashChildAt('take:begin', childArgs('take', 'killed-with-overlays-made'));
    // What the killed take leaves when it dies between making its overlays and pausing the guest: the overlays,
    // at the journaled paths, over the disks' current images (as precreatedOverlays.ts writes them).
    const journal = join(dataDir, 'checkpoints', 'journal');
    const [name] = await readdir(journal);
    const entry = JSON.parse(await readFile(join(journal, name!), 'utf8')) as { data: { memoryMethod?: string; overlays: { image: string }[]; checkpoint: { disks: { image: string; format: string }[] } } };
    expect(entry.data.memoryMethod).toBe('background-snapshot');
    const [disk] = entry.data.checkpoint.disks;
    for (const o of entry.data.overlays) await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', disk!.image, '-F', disk!.format, o.image, '64M']);
    expect((await layerFiles(folder)).length).toBe(before.length + entry.data.overlays.length);
    const report = await checkpointEngine(g.conn, dataDir).recover();
    console.log('recovery:', report);
    expect(report.join()).toMatch(/rolled back \(the disks had not switched\)/);
    expect(await layerFiles(folder)).toEqual(before);
    expect(await checkpointEngine(g.conn, dataDir).list(vm())).toEqual(tree);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
  });

  it("switches off the capability a take killed between its \"on\" and \"off\" left on, when the host reconnects", async () => {
    const before = await layerFiles(folder);
    const tree = await checkpointEngine(g.conn, dataDir).list(vm());
    await killCrashChildAt('take:begin', childArgs('take', 'killed-with-capability-on'));
    // What the killed take leaves when it dies right after QEMU accepted the capability (or when the reply to
    // its "off" was lost): the capability on, with no migration running.
    await g.dom.qemuMonitorCommand(JSON.stringify({ execute: 'migrate-set-capabilities', arguments: { capabilities: [{ capability: 'background-snapshot', state: true }] } }));
    expect(await capabilityOn(g)).toBe(true);
    // The reconnect path (createTandem runs recover(hostId) when a host comes back).
    const report = await checkpointEngine(g.conn, dataDir).recover(HOST_ID);
    console.log('recovery:', report);
    expect(report.join()).toMatch(/rolled back/);
    expect(await capabilityOn(g)).toBe(false);
    expect(await layerFiles(folder)).toEqual(before);
    expect(await checkpointEngine(g.conn, dataDir).list(vm())).toEqual(tree);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
  });

  it('completes a take killed after the snapshot: the checkpoint is listed and reverts', async () => {
    await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 2);
    const offset = await serialLogSize(g.guest.serialLogPath);
    await killCrashChildAt('take:snapshotted', childArgs('take', 'finished-by-recovery'));
    // The snapshot is from some instant before the child halted (starting it can take seconds on a loaded machine).
    const atHalt = await lastCounter(g.guest);
    const atTake = Number((await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]);
    const engine = checkpointEngine(g.conn, dataDir);
    expect((await engine.recover()).join()).toMatch(/completed/);
    const tree = await engine.list(vm());
    const cp = tree.checkpoints.find((c) => c.name === 'finished-by-recovery')!;
    expect(cp).toBeDefined();
    expect(tree.currentId).toBe(cp.id);
    const active = /<source file='([^']+)'/.exec(await g.dom.getXMLDesc())![1]!;
    expect((await qemuImgInfo(active))['backing-filename']).toBe(cp.disks[0]!.image);

    await waitForCounterAbove(g.guest, Math.max(atTake, atHalt) + 3);
    const revertOffset = await serialLogSize(g.guest.serialLogPath);
    await engine.revert(vm(), cp.id);
    const resumed = await counterResumedSince(g.guest, revertOffset, 30_000);
    expect(resumed).toBeGreaterThanOrEqual(atTake - 2);
    expect(resumed).toBeLessThanOrEqual(Math.max(atTake - 1, atHalt) + 2);
  });

  it('completes a take killed while QEMU writes its memory in the background: recovery waits for the file, which reverts', async () => {
    await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 2);
    const atTake = await lastCounter(g.guest);
    // Halted once the disks switched and the guest runs again, QEMU still writing (or just done): killed there.
    await killCrashChildAt('take:switched', childArgs('take', 'written-in-background'));
    // The memory state is from the switch, some instant before the child halted.
    const atHalt = await lastCounter(g.guest);
    const engine = checkpointEngine(g.conn, dataDir);
    const report = await engine.recover();
    console.log('recovery:', report);
    expect(report.join()).toMatch(/take of .* at switched: completed/);
    const cp = (await engine.list(vm())).checkpoints.find((c) => c.name === 'written-in-background')!;
    expect(cp).toMatchObject({ current: true, kind: 'memory' });
    expect(await capabilityOn(g)).toBe(false);

    await waitForCounterAbove(g.guest, atHalt + 3);
    const revertOffset = await serialLogSize(g.guest.serialLogPath);
    await engine.revert(vm(), cp.id);
    const resumed = await counterResumedSince(g.guest, revertOffset, 30_000);
    expect(resumed).toBeGreaterThanOrEqual(atTake - 1);
    expect(resumed).toBeLessThanOrEqual(atHalt + 2);
  });

  it('merges the disks back when the memory file of a take killed in the background is cut short: tree and disks as before', async () => {
    const engine = checkpointEngine(g.conn, dataDir);
    const before = await engine.list(vm());
    const active = /<source file='([^']+)'/.exec(await g.dom.getXMLDesc())![1]!;
    const files = await layerFiles(folder);
    await killCrashChildAt('take:switched', childArgs('take', 'cut-short'));
    // Let QEMU finish the file, then cut it: what a write that stopped midway leaves.
    const deadline = Date.now() + 30_000;
    while (/^(setup|active)$/.test(((await qmp(g, 'query-migrate')) as { status?: string }).status ?? '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const written = (await layerFiles(folder)).find((f) => f.endsWith('.mem') && !files.includes(f))!;
    await truncate(join(folder, written), Math.floor((await stat(join(folder, written))).size / 2));
    const atRecovery = await lastCounter(g.guest);

    const report = await engine.recover();
    console.log('recovery:', report);
    expect(report.join()).toMatch(/take of .* at switched: rolled back \(the disks had switched but the memory state was not written whole/);
    expect(await engine.list(vm())).toEqual(before);
    expect(/<source file='([^']+)'/.exec(await g.dom.getXMLDesc())![1]).toBe(active);
    expect(await g.dom.getXMLDesc(2)).toContain(`<source file='${active}'`);
    expect(await layerFiles(folder)).toEqual(files);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    expect(await capabilityOn(g)).toBe(false);
    // What the guest wrote to its disk after the switch was merged back into its layer.
    await waitForCounterAbove(g.guest, atRecovery + 1);
    expect(await diskCounter(active, 'qcow2', join(dataDir, 'raw'))).toBeGreaterThanOrEqual(atRecovery);
  });

  it('completes a revert killed after the VM was stopped: the VM runs from the checkpoint', async () => {
    const engine = checkpointEngine(g.conn, dataDir);
    const target = (await engine.list(vm())).checkpoints.find((c) => c.name === 'kept')!;
    await killCrashChildAt('revert:stopped', childArgs('revert', target.id));
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_SHUTOFF);
    const offset = await serialLogSize(g.guest.serialLogPath);
    expect((await engine.recover()).join()).toMatch(/completed/);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset });
    expect((await engine.list(vm())).currentId).toBe(target.id);
    // The persistent definition follows the new overlay too (a cold boot would use it).
    const active = /<source file='([^']+)'/.exec(await g.dom.getXMLDesc())![1]!;
    expect(await g.dom.getXMLDesc(2)).toContain(`<source file='${active}'`);
    await access(active);
  });

  it('completes a delete killed before its merge and a commit killed after its pivot', async () => {
    const engine = checkpointEngine(g.conn, dataDir);
    const middle = await engine.take(vm(), { name: 'middle' });
    await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 1);
    const last = await engine.take(vm(), { name: 'last' });
    await waitForCounterAbove(g.guest, (await lastCounter(g.guest)) + 1);

    await killCrashChildAt('delete:begin', childArgs('delete', middle.id));
    expect((await engine.recover()).join()).toMatch(/delete .* completed/);
    const tree = await engine.list(vm());
    expect(tree.checkpoints.map((c) => c.name)).not.toContain('middle');
    expect(tree.checkpoints.find((c) => c.id === last.id)!.parentId).toBe(middle.parentId);
    for (const c of tree.checkpoints) for (const d of c.disks) await access(d.image);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);

    await killCrashChildAt('commit:pivoted', childArgs('commit', 'fold'));
    expect((await engine.recover()).join()).toMatch(/commit .* completed/);
    expect((await engine.list(vm())).checkpoints).toEqual([]);
    expect(await layerFiles(folder)).toEqual([]);
    expect(await g.dom.getXMLDesc()).toContain(`<source file='${g.guest.diskPath}'`);
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    const offset = await serialLogSize(g.guest.serialLogPath);
    await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset });
  });

  it('recovers a take whose libvirtd was killed mid-snapshot: VM running, every listed checkpoint revertable', async () => {
    const slot = /127\.0\.(\d+)\.2/.exec(env!.host1Uri)?.[1] ?? '0';
    const pidFile = join(env!.dir, 'host1', 'libvirtd.pid');
    const engine = checkpointEngine(g.conn, dataDir);
    const memoryFilesBefore = (await layerFiles(folder)).filter((f) => f.endsWith('.mem'));
    const taking = engine.take(vm(), { name: 'daemon-killed' }).then(
      () => 'finished',
      (error: unknown) => `failed: ${(error as Error).message}`,
    );
    // Kill the daemon once QEMU writes the memory state (the snapshot is under way).
    const deadline = Date.now() + 20_000;
    while (!(await layerFiles(folder)).some((f) => f.endsWith('.mem') && !memoryFilesBefore.includes(f)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    console.log('take while libvirtd was killed:', await taking);

    await execFileAsync('bash', [join(REPO, 'scripts/testbed/hosts.sh'), 'start'], { env: { ...process.env, TANDEM_TESTBED_DIR: env!.dir, TANDEM_TESTBED_SLOT: slot } });
    await g.conn.close().catch(() => undefined);
    g.conn = await openConnection(checkpointHostUri(env!));
    g.dom = await g.conn.lookupDomainByUUIDString(g.guest.uuid);

    const recovered = checkpointEngine(g.conn, dataDir);
    const report = await recovered.recover();
    console.log('recovery:', report);
    // Usually the engine could not read the domain while its daemon was down and the journal carried the take
    // over; when the daemon died just after answering, the take settled at once.
    for (const line of report) expect(line).toMatch(/^take of .* at (begin|switched): (rolled back|completed)/);
    const state = (await g.dom.getState()).state;
    expect(state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    const tree = await recovered.list(vm());
    const active = /<source file='([^']+)'/.exec(await g.dom.getXMLDesc())![1]!;
    await access(active);
    for (const cp of tree.checkpoints) for (const d of cp.disks) await access(d.image);
    // The newest listed checkpoint (or a new one, when the take was rolled back) reverts, and the guest counts on.
    const newest = tree.checkpoints.at(-1) ?? (await recovered.take(vm(), { name: 'after-recovery' }));
    const offset = await serialLogSize(g.guest.serialLogPath);
    await recovered.revert(vm(), newest.id);
    await waitForSerial(g.guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset });
  });
});
