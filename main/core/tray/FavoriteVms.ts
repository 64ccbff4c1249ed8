/**
 * The user's favorite VMs: starred in the table, offered first in the tray. Persisted as `favorites.json` in
 * the data folder (schema-versioned, written atomically: temp file + rename). A VM that disappears stays
 * a favorite (its host may only be away); the tray simply does not show what the inventory lacks.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { VmRefSchema, type VmRef } from '../../../preload/contract';
import { Emitter } from '../Emitter';
import { createLogger } from '../logging';

const log = createLogger('favorites');

export const FAVORITES_VERSION = 1;
/** Enough for a tray menu and a starred column; a bigger list is a filter, not favorites. */
export const MAX_FAVORITES = 50;

const FileSchema = z.object({ version: z.literal(FAVORITES_VERSION), favorites: z.array(VmRefSchema).max(MAX_FAVORITES) });

const same = (a: VmRef, b: VmRef) => a.hostId === b.hostId && a.uuid === b.uuid;

export class FavoriteVms {
  private refs: VmRef[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly path: string;
  readonly changed = new Emitter<VmRef[]>();

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, 'favorites.json');
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = FileSchema.safeParse(json);
    if (!parsed.success) {
      const aside = `${this.path}.unreadable-${Date.now()}`;
      await rename(this.path, aside);
      log.warn(`${this.path} was not a valid favorites list; moved it to ${aside}`);
      return;
    }
    this.refs = parsed.data.favorites;
  }

  list(): VmRef[] {
    return [...this.refs];
  }

  has(ref: VmRef): boolean {
    return this.refs.some((r) => same(r, ref));
  }

  /** Stars or unstars; resolves once the file is written. Newest favorites come first. */
  async set(ref: VmRef, favorite: boolean): Promise<VmRef[]> {
    const rest = this.refs.filter((r) => !same(r, ref));
    const next = favorite ? [{ hostId: ref.hostId, uuid: ref.uuid }, ...rest].slice(0, MAX_FAVORITES) : rest;
    if (next.length === this.refs.length && next.every((r, i) => same(r, this.refs[i]!))) return this.list();
    this.refs = next;
    this.changed.emit(this.list());
    await this.save();
    return this.list();
  }

  private save(): Promise<void> {
    const body = JSON.stringify({ version: FAVORITES_VERSION, favorites: this.refs }, null, 2) + '\n';
    this.writing = this.writing.catch(() => undefined).then(async () => {
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, body, { mode: 0o600 });
      await rename(temp, this.path);
    });
    return this.writing;
  }
}
