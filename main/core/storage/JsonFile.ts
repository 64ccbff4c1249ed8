/**
 * Versioned JSON files in the data folder. Writes go to a temporary name and are renamed over the old file,
 * so a crash never leaves half a file; a file that is not what its schema (with its version) expects is
 * moved aside for inspection rather than overwritten.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';

export type JsonFileContent<T> = { state: 'missing' } | { state: 'valid'; value: T } | { state: 'invalid' };

/** Reads and validates `path`. Absent is `missing`; text that is not JSON or fails the schema is `invalid`. */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>): Promise<JsonFileContent<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw error;
  }
  const parsed = schema.safeParse(parseOrUndefined(text));
  return parsed.success ? { state: 'valid', value: parsed.data } : { state: 'invalid' };
}

/** Like readJsonFile, but an invalid file is first moved aside; `aside` is where it went. */
export async function readJsonFileOrMoveAside<T>(
  path: string,
  schema: z.ZodType<T>,
): Promise<{ state: 'missing' } | { state: 'valid'; value: T } | { state: 'moved-aside'; aside: string }> {
  const content = await readJsonFile(path, schema);
  if (content.state !== 'invalid') return content;
  return { state: 'moved-aside', aside: await moveAside(path) };
}

/** Renames `path` to a timestamped `.unreadable-` name next to it, and returns that name. */
export async function moveAside(path: string): Promise<string> {
  const aside = `${path}.unreadable-${Date.now()}`;
  await rename(path, aside);
  return aside;
}

export interface WriteJsonOptions {
  /** Mode of the folder if it has to be created (the data folder is private: 0o700). */
  folderMode?: number;
  /** fsync the file and its folder, for files whose loss after a crash would lose track of real state. */
  durable?: boolean;
}

/** Writes `value` as indented JSON (mode 0o600) to a temporary name, then renames it over `path`. */
export async function writeJsonAtomically(path: string, value: unknown, options: WriteJsonOptions = {}): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, ...(options.folderMode === undefined ? {} : { mode: options.folderMode }) });
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(JSON.stringify(value, null, 2) + '\n');
    if (options.durable) await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  if (options.durable) await syncFolder(folder);
}

/** fsyncs a folder, so a rename or removal in it survives a crash. */
export async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
