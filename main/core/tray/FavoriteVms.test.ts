import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VmRef } from '../../../preload/contract';
import { FavoriteVms } from './FavoriteVms';

const A = { hostId: 'demo', uuid: '11111111-1111-4111-8111-111111111111' };
const B = { hostId: 'lab', uuid: '22222222-2222-4222-8222-222222222222' };

describe('FavoriteVms', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-fav-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stars and unstars, newest first, persists across instances and announces each change', async () => {
    const favorites = new FavoriteVms(dir);
    await favorites.load();
    const seen: number[] = [];
    favorites.changed.on((list) => seen.push(list.length));
    await favorites.set(A, true);
    expect(await favorites.set(B, true)).toEqual([B, A]);
    await favorites.set(B, true); // no change, no event
    await favorites.set(A, false);
    expect(seen).toEqual([1, 2, 1]);
    const again = new FavoriteVms(dir);
    await again.load();
    expect(again.list()).toEqual([B]);
    expect(JSON.parse(await readFile(join(dir, 'favorites.json'), 'utf8'))).toEqual({ version: 1, favorites: [B] });
  });

  it('moves an unreadable file aside and starts empty', async () => {
    await writeFile(join(dir, 'favorites.json'), '{"version": 1, "favorites": [{"hostId": "x"}]}');
    const favorites = new FavoriteVms(dir);
    await favorites.load();
    expect(favorites.list()).toEqual([]);
    expect((await readdir(dir)).some((f) => f.startsWith('favorites.json.unreadable-'))).toBe(true);
  });

  it('a failed save changes nothing: no event, the list and the file as they were, a typed error', async () => {
    const favorites = new FavoriteVms(dir);
    await favorites.load();
    await favorites.set(A, true);
    const seen: VmRef[][] = [];
    favorites.changed.on((list) => seen.push(list));
    // A directory where the temp file goes: the write fails (EISDIR), whoever runs the test.
    const blocker = join(dir, `favorites.json.${process.pid}.tmp`);
    await mkdir(blocker);
    await expect(favorites.set(B, true)).rejects.toMatchObject({ kind: 'OperationFailed', code: 'favorites.save-failed' });
    await expect(favorites.set(A, false)).rejects.toMatchObject({ kind: 'OperationFailed', code: 'favorites.save-failed' });
    expect(favorites.list()).toEqual([A]);
    expect(seen).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'favorites.json'), 'utf8')).favorites).toEqual([A]);
    await rm(blocker, { recursive: true });
    expect(await favorites.set(B, true)).toEqual([B, A]);
    expect(seen).toEqual([[B, A]]);
  });

  it('concurrent changes are applied one after the other, none lost', async () => {
    const favorites = new FavoriteVms(dir);
    await favorites.load();
    await Promise.all([favorites.set(A, true), favorites.set(B, true)]);
    expect(favorites.list()).toEqual([B, A]);
    expect(JSON.parse(await readFile(join(dir, 'favorites.json'), 'utf8')).favorites).toEqual([B, A]);
  });

  it('a favorites file that cannot be read (not only unparsable) is moved aside and the list starts empty', async () => {
    // A directory in its place: reading fails with EISDIR, like EACCES would for a user without root.
    await mkdir(join(dir, 'favorites.json'));
    const favorites = new FavoriteVms(dir);
    await favorites.load();
    expect(favorites.list()).toEqual([]);
    const names = await readdir(dir);
    expect(names.some((f) => f.startsWith('favorites.json.unreadable-'))).toBe(true);
    expect(names).not.toContain('favorites.json');
    // Starring later writes a fresh file, the unreadable one stays aside.
    await favorites.set(A, true);
    expect(JSON.parse(await readFile(join(dir, 'favorites.json'), 'utf8')).favorites).toEqual([A]);
    expect((await readdir(dir)).some((f) => f.startsWith('favorites.json.unreadable-'))).toBe(true);
  });
});
