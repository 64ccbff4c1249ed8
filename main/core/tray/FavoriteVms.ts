/**
 * The user's favorite VMs: starred in the table, offered first in the tray. Persisted as `favorites.json` in
 * the data folder (schema-versioned, written atomically: temp file + rename). A VM that disappears stays
 * a favorite (its host may only be away); the tray simply does not show what the inventory lacks.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { VmRefSchema, type VmRef } from '../../../preload/contract';
import { Emitter } from '../Emitter';
import { OperationFailedError } from '../errors';
import { createLogger } from '../logging';
import { moveAside, readJsonFile, writeJsonAtomically } from '../storage/JsonFile';

const log = createLogger('favorites');

export const FAVORITES_VERSION = 1;
/** Enough for a tray menu and a starred column; a bigger list is a filter, not favorites. */
export const MAX_FAVORITES = 50;

const FileSchema = z.object({ version: z.literal(FAVORITES_VERSION), favorites: z.array(VmRefSchema).max(MAX_FAVORITES) });

const same = (a: VmRef, b: VmRef) => a.hostId === b.hostId && a.uuid === b.uuid;

export class FavoriteVms {
  private refs: VmRef[] = [];
  /** Serializes set(): each change is computed from the list the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Why saving is refused (an unreadable file that could not be moved aside must not be overwritten). */
  private unwritable: string | undefined;
  private readonly path: string;
  readonly changed = new Emitter<VmRef[]>();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'favorites.json');
  }

  /**
   * Never fails: favorites are not worth refusing to start over. A file that cannot be read or parsed is
   * moved aside (kept for inspection, never overwritten) and the list starts empty.
   */
  async load(): Promise<void> {
    let file;
    try {
      file = await readJsonFile(this.path, FileSchema);
    } catch (error) {
      await this.moveAside(`could not be read (${(error as Error).message})`);
      return;
    }
    if (file.state === 'invalid') await this.moveAside('was not a valid favorites list');
    if (file.state === 'valid') this.refs = file.value.favorites;
  }

  private async moveAside(why: string): Promise<void> {
    try {
      const aside = await moveAside(this.path);
      log.warn(`${this.path} ${why}; moved it to ${aside} and started with no favorites`);
    } catch (error) {
      // Could not move it either: keep it untouched, and refuse to save over it.
      this.unwritable = `${this.path} ${why} and could not be moved aside (${(error as Error).message})`;
      log.error(`${this.unwritable}; starting with no favorites, changes will not be saved`);
    }
  }

  list(): VmRef[] {
    return [...this.refs];
  }

  has(ref: VmRef): boolean {
    return this.refs.some((r) => same(r, ref));
  }

  /**
   * Stars or unstars; newest favorites come first. The file is written first: only a saved change reaches the
   * list and the `changed` event, and a failed save leaves both as they were. Calls run one after another.
   */
  set(ref: VmRef, favorite: boolean): Promise<VmRef[]> {
    const run = this.queue.then(async () => {
      const rest = this.refs.filter((r) => !same(r, ref));
      const next = favorite ? [{ hostId: ref.hostId, uuid: ref.uuid }, ...rest].slice(0, MAX_FAVORITES) : rest;
      if (next.length === this.refs.length && next.every((r, i) => same(r, this.refs[i]!))) return this.list();
      await this.save(next);
      this.refs = next;
      this.changed.emit(this.list());
      return this.list();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async save(refs: VmRef[]): Promise<void> {
    if (this.unwritable) throw new OperationFailedError('favorites.save-failed', `Favorites are not saved: ${this.unwritable}`);
    try {
      await writeJsonAtomically(this.path, { version: FAVORITES_VERSION, favorites: refs }, { folderMode: 0o700 });
    } catch (error) {
      throw new OperationFailedError('favorites.save-failed', `Could not save the favorites: ${(error as Error).message}`, { cause: error });
    }
  }
}
