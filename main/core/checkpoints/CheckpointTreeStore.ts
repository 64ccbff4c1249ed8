/** Persists each VM's checkpoint tree as <dataDir>/checkpoints/trees/<hostId>/<uuid>.json (durable writes). */
import { join } from 'node:path';
import { readJsonIfPresent, removeDurably, writeJsonDurably } from './atomicJson';
import type { VmCheckpointTree } from './model';
import type { CheckpointVm } from './ports';

export class CheckpointTreeStore {
  constructor(private readonly folder: string) {}

  private path(vm: CheckpointVm): string {
    return join(this.folder, encodeURIComponent(vm.hostId), `${encodeURIComponent(vm.uuid)}.json`);
  }

  load(vm: CheckpointVm): Promise<VmCheckpointTree | undefined> {
    return readJsonIfPresent<VmCheckpointTree>(this.path(vm));
  }

  save(tree: VmCheckpointTree): Promise<void> {
    return writeJsonDurably(this.path(tree), tree);
  }

  remove(vm: CheckpointVm): Promise<void> {
    return removeDurably(this.path(vm));
  }
}
