/** Durable JSON files: written to a temporary name, fsync'd, renamed over the old one, folder fsync'd. */
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncFolder, writeJsonAtomically } from '../storage/JsonFile';

export function writeJsonDurably(path: string, value: unknown): Promise<void> {
  return writeJsonAtomically(path, value, { durable: true });
}

export async function readJsonIfPresent<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function removeDurably(path: string): Promise<void> {
  await rm(path, { force: true });
  await syncFolder(dirname(path));
}
