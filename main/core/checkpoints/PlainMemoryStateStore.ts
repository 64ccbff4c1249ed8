/**
 * Memory state files kept exactly as libvirt writes them (its save-image format), one per checkpoint in the
 * VM's checkpoint folder. The sealed format (encrypted, authenticated, delta) replaces this behind
 * MemoryStateStore; until then verification is "the file exists and is not empty".
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationFailedError } from '../errors';
import type { MemoryStateStore } from './ports';

export class PlainMemoryStateStore implements MemoryStateStore {
  targetFor(vmFolder: string, checkpointId: string): string {
    return join(vmFolder, `${checkpointId}.mem`);
  }

  async seal(): Promise<void> {}

  async openForRestore(path: string, checkpointId: string): Promise<string> {
    const size = await this.sizeOnDisk(path);
    if (size === 0) {
      throw new OperationFailedError('checkpoint.memory-missing', `The memory state of checkpoint ${checkpointId} is missing or empty (${path})`, {
        details: { checkpointId, path },
      });
    }
    return path;
  }

  async closeAfterRestore(): Promise<void> {}

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
}
