/**
 * Memory state files kept exactly as libvirt writes them (its save-image format), whole, unencrypted (TPM
 * state copies too, in private files): for
 * core unit tests with scripted ports and the test-bed suites about disks and recovery. The app stores
 * sealed deltas (main/drivers/memoryState/SealedMemoryStateStore.ts).
 */
import { copyFile, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OperationFailedError } from '../errors';
import { syncFolder } from '../storage/JsonFile';
import type { MemoryStateRef, MemoryStateStore, SealedState, TpmCopyOwner } from './ports';
import { allocatedBytes } from '../storage/allocatedBytes';

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

  sizeOnDisk(path: string): Promise<number> {
    return allocatedBytes(path);
  }

  async delete(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async discardTemporaries(): Promise<void> {}

  async saveTpmCopy(path: string, _owner: TpmCopyOwner, bytes: Buffer): Promise<void> {
    const temporary = `${path}.partial`;
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncFolder(dirname(path));
  }

  async loadTpmCopy(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
