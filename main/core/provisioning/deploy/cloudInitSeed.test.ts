import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors';
import { buildSeedIso, hostNameOf, seedFiles, type SeedInput } from './cloudInitSeed';

const execFileAsync = promisify(execFile);
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkQk0B9cT3sXbHqJ0m8p1mJt1V5bQq3eS2y8ZgL0aBc alice@laptop';
const APPS: SeedInput['apps'] = {
  packages: ['nginx'],
  write_files: [{ path: '/var/www/html/index.html', content: '<h1>hello "world"</h1>\nline two\n', permissions: '0644' }],
  runcmd: [['systemctl', 'enable', '--now', 'nginx']],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-seed-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seedFiles', () => {
  it('writes a #cloud-config with host name, key-only user and the apps, and meta-data with the instance id', () => {
    const files = seedFiles({ vmName: 'Web_1.lab', instanceId: 'uuid-1', user: { name: 'alice', sshAuthorizedKeys: [KEY] }, apps: APPS });
    expect(files['user-data'].split('\n')[0]).toBe('#cloud-config');
    // JSON is YAML: cloud-init's YAML loader reads exactly this object.
    const config = JSON.parse(files['user-data'].slice('#cloud-config\n'.length)) as Record<string, unknown>;
    expect(config).toEqual({
      hostname: 'web-1-lab',
      users: ['default', { name: 'alice', groups: ['sudo'], shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: true, ssh_authorized_keys: [KEY] }],
      packages: ['nginx'],
      package_update: true,
      write_files: APPS.write_files,
      runcmd: APPS.runcmd,
    });
    expect(JSON.parse(files['meta-data'])).toEqual({ 'instance-id': 'uuid-1', 'local-hostname': 'web-1-lab' });
  });

  it('leaves out empty app sections and the user when none is given', () => {
    const config = JSON.parse(seedFiles({ vmName: 'db', instanceId: 'i', apps: { packages: [], write_files: [], runcmd: [] } })['user-data'].slice(14));
    expect(config).toEqual({ hostname: 'db', users: ['default'] });
  });

  it("merges the user's own cloud-config: lists appended after Tandem's, other keys the user's", () => {
    const files = seedFiles({
      vmName: 'web',
      instanceId: 'i',
      user: { name: 'alice', sshAuthorizedKeys: [KEY] },
      apps: APPS,
      userCloudConfig: { packages: ['htop'], package_update: false, timezone: 'Europe/Paris' },
    });
    const config = JSON.parse(files['user-data'].slice('#cloud-config\n'.length)) as Record<string, unknown>;
    expect(config.packages).toEqual(['nginx', 'htop']);
    expect(config.package_update).toBe(false);
    expect(config.timezone).toBe('Europe/Paris');
    expect((config.users as unknown[])[1]).toMatchObject({ name: 'alice' }); // the account stays
  });

  it('refuses an invalid cloud-config with the field (a package name with a shell metacharacter)', () => {
    const call = () => seedFiles({ vmName: 'x', instanceId: 'i', apps: { ...APPS, packages: ['nginx; rm -rf /'] } });
    expect(call).toThrow(InvalidInputError);
    expect(call).toThrow(/packages/);
  });

  it('derives host names libvirt names cannot be', () => {
    expect(hostNameOf('My.VM_2')).toBe('my-vm-2');
    expect(hostNameOf('___')).toBe('vm');
    expect(hostNameOf('a'.repeat(80))).toHaveLength(63);
  });
});

describe('buildSeedIso (xorriso)', () => {
  it('is an ISO 9660 volume labelled cidata that holds user-data and meta-data byte for byte', async () => {
    const files = seedFiles({ vmName: 'web-1', instanceId: 'uuid-2', user: { name: 'alice', sshAuthorizedKeys: [KEY] }, apps: APPS });
    const iso = join(dir, 'seed.iso');
    await writeFile(iso, await buildSeedIso(files));

    const { stdout: pvd } = await execFileAsync('isoinfo', ['-d', '-i', iso]);
    expect(pvd).toMatch(/^Volume id: cidata$/m);
    expect(pvd).toMatch(/Rock Ridge signatures version/);
    const { stdout: listing } = await execFileAsync('isoinfo', ['-R', '-f', '-i', iso]);
    expect(listing.split('\n').filter(Boolean).sort()).toEqual(['/meta-data', '/user-data']);
    const { stdout: userData } = await execFileAsync('isoinfo', ['-R', '-i', iso, '-x', '/user-data']);
    expect(userData).toBe(files['user-data']);
    const { stdout: metaData } = await execFileAsync('isoinfo', ['-R', '-i', iso, '-x', '/meta-data']);
    expect(metaData).toBe(files['meta-data']);

    // And xorriso reads it back the same (a second, independent reader).
    const out = join(dir, 'extracted');
    await execFileAsync('osirrox', ['-indev', iso, '-extract', '/', out]);
    expect(await readFile(join(out, 'user-data'), 'utf8')).toBe(files['user-data']);
  });
});
