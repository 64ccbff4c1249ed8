import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
