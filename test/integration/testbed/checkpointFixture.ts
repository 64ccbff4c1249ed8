/**
 * The checkpoint engine wired to a real test bed host through the binding (the same parts createTandem
 * wires), for the checkpoint suites and their crash child (checkpointCrashChild.ts).
 */
import { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import type { MemoryStateStore } from '../../../main/core/checkpoints/ports';
import { PlainMemoryStateStore } from '../../../main/core/checkpoints/PlainMemoryStateStore';
import { LibvirtCheckpointHypervisor } from '../../../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { QemuImgDiskImages } from '../../../main/drivers/qemuImg/QemuImgDiskImages';
import type { Connection } from '../../../native-helpers/libvirt/lib/index';

export const HOST_ID = 'testbed-host1';

/** `memory`: the app's sealed store in the memory-state suite; whole plain files where a suite is about disks and recovery. */
export function checkpointEngine(conn: Connection, dataDir: string, memory: MemoryStateStore = new PlainMemoryStateStore()): CheckpointEngine {
  return new CheckpointEngine({
    hypervisor: new LibvirtCheckpointHypervisor(() => conn),
    images: new QemuImgDiskImages(),
    memory,
    dataDir,
  });
}
