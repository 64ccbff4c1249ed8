/** Persists each VM's checkpoint tree as <dataDir>/checkpoints/trees/<hostId>/<uuid>.json (durable writes). */
import { readdir } from 'node:fs/promises';
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

  /** Every stored tree (at start, to clean what a crash left in their folders). */
  async all(): Promise<VmCheckpointTree[]> {
    const trees: VmCheckpointTree[] = [];
    for (const host of await readdir(this.folder).catch(() => [] as string[])) {
      for (const file of await readdir(join(this.folder, host))) {
        if (!file.endsWith('.json')) continue;
        const tree = await readJsonIfPresent<VmCheckpointTree>(join(this.folder, host, file));
        if (tree) trees.push(tree);
      }
    }
    return trees;
  }

  remove(vm: CheckpointVm): Promise<void> {
    return removeDurably(this.path(vm));
  }
}
