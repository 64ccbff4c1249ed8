/**
 * The checkpoint engine wired to a real test bed host through the binding (the same parts createTandem
 * wires), for the checkpoint suites and their crash child (checkpointCrashChild.ts): the engine, the guest a
 * suite checkpoints and its teardown, and the child run until it halts at a journaled step.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import { HALT_ENV } from '../../../main/core/checkpoints/CheckpointJournal';
import type { MemoryStateStore } from '../../../main/core/checkpoints/ports';
import { PlainMemoryStateStore } from '../../../main/core/checkpoints/PlainMemoryStateStore';
import { LibvirtCheckpointHypervisor, type LibvirtCheckpointOptions } from '../../../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { QemuImgDiskImages } from '../../../main/drivers/qemuImg/QemuImgDiskImages';
import type { Connection, Domain } from '../../../native-helpers/libvirt/lib/index';
import type { TestbedEnv } from '../../testbed/testbedEnv';
import { removeTinyGuest, type TinyGuest } from '../../testbed/tinyGuest';
import { removeGuest, startGuest, type RunningGuest } from './snapshotTestbed';

export const HOST_ID = 'testbed-host1';

/**
 * The connection the checkpoint suites use: host1 through its daemon's unix socket, as Tandem reaches a local
 * `qemu:///system`, where a memory checkpoint is QEMU's background snapshot (descriptors can be passed).
 * Over host1's TCP URI the engine falls back to libvirt's live snapshot (checkpoints.test.ts covers that).
 */
export function checkpointHostUri(env: TestbedEnv): string {
  return env.host1SocketUri;
}

/**
 * Where the engine keeps a test bed guest's checkpoint files: `.tandem-checkpoints/<uuid>` next to its disk
 * (every tiny guest's disk is in env.images). Spelled out here, not taken from the engine, so that the suites
 * check the files where the README says they are.
 */
export function checkpointFolderOf(env: TestbedEnv, vmUuid: string): string {
  return join(env.images, '.tandem-checkpoints', vmUuid);
}

/** `memory`: the app's sealed store in the memory-state suite; whole plain files where a suite is about disks and recovery. */
export function checkpointEngine(conn: Connection, dataDir: string, memory: MemoryStateStore = new PlainMemoryStateStore(), options: LibvirtCheckpointOptions = {}): CheckpointEngine {
  return new CheckpointEngine({
    hypervisor: new LibvirtCheckpointHypervisor(() => conn, options),
    images: new QemuImgDiskImages(),
    memory,
    dataDir,
  });
}

/** A tiny guest on host1's unix socket with an engine whose data folder is its own. */
export async function startCheckpointGuest(env: TestbedEnv, suffix: string, memory?: MemoryStateStore): Promise<{ g: RunningGuest; engine: CheckpointEngine; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), `tandem-ckpt-${suffix}-`));
  try {
    const g = await startGuest(env, `ck-${process.pid}-${suffix}`, undefined, checkpointHostUri(env));
    return { g, engine: checkpointEngine(g.conn, dataDir, memory), dataDir };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The guest, its checkpoint folder next to its disk and the engine's data folder. */
export async function removeCheckpointGuest(env: TestbedEnv, g: RunningGuest | undefined, dataDir: string | undefined): Promise<void> {
  const folder = checkpointFolderOf(env, g?.guest.uuid ?? 'none');
  await removeGuest(g);
  await rm(folder, { recursive: true, force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

/**
 * For afterAll of a suite that defined its guest straight through the binding (anything may be unset when
 * beforeAll failed part-way): the domain, undefined with `undefineFlags` (what else it has: checkpoint
 * metadata, NVRAM, TPM state), the connection, the guest's files and its checkpoint folder.
 */
export async function removeDefinedCheckpointGuest(
  env: TestbedEnv,
  { dom, conn, guest }: { dom?: Domain; conn?: Connection; guest?: TinyGuest },
  undefineFlags: number,
): Promise<void> {
  await dom?.destroy().catch(() => undefined);
  await dom?.undefine(undefineFlags).catch(() => undefined);
  await conn?.close().catch(() => undefined);
  if (guest) {
    await removeTinyGuest(guest);
    await rm(checkpointFolderOf(env, guest.uuid), { recursive: true, force: true });
  }
}

const CRASH_CHILD = join(import.meta.dirname, 'checkpointCrashChild.ts');
const TSX = resolve(import.meta.dirname, '../../../node_modules/.bin/tsx');

/**
 * Runs the engine in checkpointCrashChild.ts (`args`: its argv) until it announces the halt at `halt`, then
 * SIGKILLs it. `sealedMemory`: the child stores sealed memory states (with the keychain this process uses).
 */
export async function killCrashChildAt(halt: string, args: string[], { sealedMemory = false } = {}): Promise<void> {
  const child = spawn(TSX, [CRASH_CHILD, ...args], {
    env: { ...process.env, [HALT_ENV]: halt, ...(sealedMemory ? { TANDEM_TEST_SEALED_MEMORY: '1' } : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  await new Promise<void>((done, fail) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`tandem-checkpoint-halted ${halt}`)) done();
    });
    child.on('exit', (code) => fail(new Error(`child exited (${code}) before halting at ${halt}:\n${stderr}`)));
  });
  const exited = new Promise((done) => child.once('exit', done));
  // tsx runs the engine in a child node process: the whole group (its own, detached) is killed.
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}
