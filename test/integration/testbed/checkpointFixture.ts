/**
 * The checkpoint engine wired to a real test bed host through the binding (the same parts createTandem
 * wires), for the checkpoint suites and their crash child (checkpointCrashChild.ts).
 */
import { CheckpointEngine } from '../../../main/core/checkpoints/CheckpointEngine';
import { PlainMemoryStateStore } from '../../../main/core/checkpoints/PlainMemoryStateStore';
import { LibvirtCheckpointHypervisor } from '../../../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { QemuImgDiskImages } from '../../../main/drivers/qemuImg/QemuImgDiskImages';
import type { Connection } from '../../../native-helpers/libvirt/lib/index';

export const HOST_ID = 'testbed-host1';

export function checkpointEngine(conn: Connection, dataDir: string): CheckpointEngine {
  return new CheckpointEngine({
    hypervisor: new LibvirtCheckpointHypervisor(() => conn),
    images: new QemuImgDiskImages(),
    memory: new PlainMemoryStateStore(),
    dataDir,
  });
}
