import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostConfigStore } from './HostConfigStore';

const tempDir = () => mkdtemp(join(tmpdir(), 'tandem-config-'));

describe('HostConfigStore', () => {
  it('round-trips the host list in a versioned file and leaves no temp file', async () => {
    const dir = await tempDir();
    const store = new HostConfigStore(dir);
    expect(await store.load()).toEqual([]);
    const hosts = [{ id: 'lab', name: 'Lab', uri: 'qemu+ssh://me@lab/system' }];
    await Promise.all([store.save([]), store.save(hosts)]);
    expect(await new HostConfigStore(dir).load()).toEqual(hosts);
    expect(JSON.parse(await readFile(join(dir, 'hosts.json'), 'utf8')).version).toBe(1);
    expect(await readdir(dir)).toEqual(['hosts.json']);
  });

  it('keeps saving after one write failed', async () => {
    const dir = await tempDir();
    const store = new HostConfigStore(join(dir, 'file-not-dir'));
    await writeFile(join(dir, 'file-not-dir'), 'a file where the data folder should be');
    await expect(store.save([])).rejects.toThrow();
    await rm(join(dir, 'file-not-dir'));
    const hosts = [{ id: 'lab', name: 'Lab', uri: 'qemu:///system' }];
    await store.save(hosts);
    expect(await store.load()).toEqual(hosts);
  });

  it('moves an unreadable file aside instead of failing or overwriting it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'hosts.json'), '{"version": 99, "hosts": "nope"}');
    expect(await new HostConfigStore(dir).load()).toEqual([]);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith('hosts.json.unreadable-'))).toBe(true);
  });
});
