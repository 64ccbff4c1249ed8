import { mkdtemp, open, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allocatedBytes } from './allocatedBytes';

describe('allocatedBytes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-allocated-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the blocks a sparse file holds, not its length', async () => {
    const path = join(dir, 'sparse.img');
    await writeFile(path, '');
    await truncate(path, 64 * 1024 * 1024);
    const file = await open(path, 'r+');
    await file.write(Buffer.alloc(1024 * 1024, 1), 0, 1024 * 1024, 8 * 1024 * 1024);
    await file.sync();
    await file.close();
    const bytes = await allocatedBytes(path);
    expect(bytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(bytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('is 0 for a file that is gone, and for a link to one; a link counts what it points to', async () => {
    expect(await allocatedBytes(join(dir, 'missing'))).toBe(0);
    await symlink(join(dir, 'missing'), join(dir, 'dangling'));
    expect(await allocatedBytes(join(dir, 'dangling'))).toBe(0);
    await writeFile(join(dir, 'data'), Buffer.alloc(64 * 1024, 1));
    await symlink(join(dir, 'data'), join(dir, 'link'));
    expect(await allocatedBytes(join(dir, 'link'))).toBe(await allocatedBytes(join(dir, 'data')));
  });

  it('throws any other error (a path through a file) instead of calling it 0', async () => {
    await writeFile(join(dir, 'plain'), 'x');
    await expect(allocatedBytes(join(dir, 'plain', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
