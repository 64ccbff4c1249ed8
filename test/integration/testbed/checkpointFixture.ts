/**
 * The checkpoint engine wired to a real test bed host through the binding (the same parts createTandem
 * wires), for the checkpoint suites and their crash child (checkpointCrashChild.ts).
 */
import { join } from 'node:path';
import { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import type { MemoryStateStore } from '../../../main/core/checkpoints/ports';
import { PlainMemoryStateStore } from '../../../main/core/checkpoints/PlainMemoryStateStore';
import { LibvirtCheckpointHypervisor, type LibvirtCheckpointOptions } from '../../../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { QemuImgDiskImages } from '../../../main/drivers/qemuImg/QemuImgDiskImages';
import type { Connection } from '../../../native-helpers/libvirt/lib/index';
import type { TestbedEnv } from '../../testbed/testbedEnv';

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
