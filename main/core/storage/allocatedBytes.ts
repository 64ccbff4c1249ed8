import { stat } from 'node:fs/promises';

/** The bytes a file takes on disk (its allocated blocks, so a sparse file counts what it holds); 0 if it is gone. */
export async function allocatedBytes(path: string): Promise<number> {
  try {
    return (await stat(path)).blocks * 512;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
