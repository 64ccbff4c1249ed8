/**
 * Memory state files kept exactly as libvirt writes them (its save-image format), whole, unencrypted: for
 * core unit tests with scripted ports and the test-bed suites about disks and recovery. The app stores
 * sealed deltas (main/drivers/memoryState/SealedMemoryStateStore.ts).
 */
import { copyFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationFailedError } from '../errors';
import type { MemoryStateRef, MemoryStateStore, SealedState } from './ports';

export class PlainMemoryStateStore implements MemoryStateStore {
  targetFor(vmFolder: string, checkpointId: string): string {
    return join(vmFolder, `${checkpointId}.mem`);
  }

  async assertReady(): Promise<void> {}

  async seal(state: { path: string }): Promise<SealedState> {
    const bytes = await this.sizeOnDisk(state.path);
    return { baseId: null, fullBytes: bytes, storedBytes: bytes };
  }

  async openForRestore(chain: MemoryStateRef[]): Promise<string> {
    const { path, checkpointId } = chain[chain.length - 1]!;
    const size = await this.sizeOnDisk(path);
    if (size === 0) {
      throw new OperationFailedError('checkpoint.memory-missing', `The memory state of checkpoint ${checkpointId} is missing or empty (${path})`, {
        details: { checkpointId, path },
      });
    }
    return path;
  }

  async closeAfterRestore(): Promise<void> {}

  async rebase(chain: MemoryStateRef[], _newBaseChain: MemoryStateRef[], newPath: string): Promise<SealedState> {
    await copyFile(chain[chain.length - 1]!.path, newPath);
    return this.seal({ path: newPath });
  }

  async sizeOnDisk(path: string): Promise<number> {
    try {
      return (await stat(path)).blocks * 512;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  async delete(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async discardTemporaries(): Promise<void> {}
}
