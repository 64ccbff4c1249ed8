import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readJsonFile, readJsonFileOrMoveAside, writeJsonAtomically } from './JsonFile';

const Schema = z.object({ version: z.literal(1), names: z.array(z.string()) });

describe('JsonFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-jsonfile-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads back what it wrote, private, with no temporary file left', async () => {
    const path = join(dir, 'data', 'list.json');
    for (const durable of [false, true]) {
      await writeJsonAtomically(path, { version: 1, names: ['a', String(durable)] }, { folderMode: 0o700, durable });
      expect(await readJsonFile(path, Schema)).toEqual({ state: 'valid', value: { version: 1, names: ['a', String(durable)] } });
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, 'data'))).toEqual(['list.json']);
  });

  it('tells a missing file from an invalid one, and moves only the invalid one aside', async () => {
    const path = join(dir, 'list.json');
    expect(await readJsonFileOrMoveAside(path, Schema)).toEqual({ state: 'missing' });
    for (const text of ['{not json', JSON.stringify({ version: 2, names: [] })]) {
      await writeFile(path, text);
      expect(await readJsonFile(path, Schema)).toEqual({ state: 'invalid' });
      const read = await readJsonFileOrMoveAside(path, Schema);
      expect(read.state).toBe('moved-aside');
      if (read.state === 'moved-aside') expect(await readFile(read.aside, 'utf8')).toBe(text);
      expect(await readJsonFile(path, Schema)).toEqual({ state: 'missing' });
    }
  });

  it('fails on a file it cannot read, without moving it', async () => {
    await expect(readJsonFileOrMoveAside(dir, Schema)).rejects.toMatchObject({ code: 'EISDIR' });
    expect((await stat(dir)).isDirectory()).toBe(true);
  });
});
