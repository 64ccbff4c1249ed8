/**
 * The VMs whose crash Tandem already alerted, kept across restarts in `alerts.json` in the data folder, so a
 * VM that crashed before and is still shut off with reason "crashed" at the next start is not alerted again;
 * a VM that crashed while Tandem was not running still is. A VM leaves the record when its crash condition
 * ends (it runs again, or is removed), when its host's first listing no longer has it (removed while Tandem
 * was closed), or with its host. Saves are atomic and serialized; an unreadable file is moved aside
 * and the record starts empty (at worst an old crash is alerted once more), never blocking startup.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../logging';
import { readJsonFileOrMoveAside, writeJsonAtomically } from '../storage/JsonFile';

const log = createLogger('alerts');

export const ALERTED_CRASHES_VERSION = 1;
const FileSchema = z.object({ version: z.literal(ALERTED_CRASHES_VERSION), crashedVms: z.array(z.string()) });

/** What AlertCenter needs: `hostId/uuid` keys. */
export interface CrashRecord {
  has(key: string): boolean;
  add(key: string): void;
  delete(key: string): void;
  /** Removes every key `drop` says no longer names a VM worth remembering. */
  deleteWhere(drop: (key: string) => boolean): void;
}

export class AlertedCrashes implements CrashRecord {
  readonly path: string;
  private readonly keys = new Set<string>();
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'alerts.json');
  }

  async load(): Promise<void> {
    try {
      const file = await readJsonFileOrMoveAside(this.path, FileSchema);
      if (file.state === 'valid') for (const key of file.value.crashedVms) this.keys.add(key);
      if (file.state === 'moved-aside') log.warn(`${this.path} was not a valid alert record; moved it to ${file.aside}`);
    } catch (error) {
      log.warn(`${this.path} could not be read; crashes alerted before this start may be alerted again`, error);
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    void this.save();
  }

  delete(key: string): void {
    if (this.keys.delete(key)) void this.save();
  }

  deleteWhere(drop: (key: string) => boolean): void {
    const dropped = [...this.keys].filter(drop);
    for (const key of dropped) this.keys.delete(key);
    if (dropped.length > 0) void this.save();
  }

  /** Resolves once every change so far is on disk (for tests and shutdown). */
  flushed(): Promise<void> {
    return this.writing;
  }

  private save(): Promise<void> {
    this.writing = this.writing
      .then(() => writeJsonAtomically(this.path, { version: ALERTED_CRASHES_VERSION, crashedVms: [...this.keys].sort() }, { folderMode: 0o700 }))
      .catch((error: unknown) => log.warn(`saving ${this.path} failed; this crash may be alerted again at the next start`, error));
    return this.writing;
  }
}
