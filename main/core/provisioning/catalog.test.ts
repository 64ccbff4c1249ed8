import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import { cloudConfigForApps, loadCatalog, problemsOf, searchCatalog, sizeClassOf, userTemplateFrom, type Catalog } from './catalog';
import { OsDatabase } from './osinfo/OsDatabase';
import { UserTemplateSchema, VmRequestSchema, type Template } from './schemas';

let catalog: Catalog;
let db: OsDatabase;
beforeAll(async () => {
  catalog = await loadCatalog();
  db = await OsDatabase.load(['/usr/share/osinfo']);
});

const ids = (hits: Array<{ template: Template }>) => hits.map((h) => h.template.id).sort();

describe('the shipped catalog (assets/catalog)', () => {
  it('is valid, and every template names a real OS and apps that install on it', () => {
    expect(catalog.templates.length).toBeGreaterThanOrEqual(10);
    expect(catalog.apps.size).toBeGreaterThanOrEqual(6);
    for (const template of catalog.templates) expect(problemsOf(template, catalog.apps, db)).toEqual([]);
    expect(new Set(catalog.templates.map((t) => t.id)).size).toBe(catalog.templates.length);
  });

  it('asks Windows 11 for what Windows 11 needs', () => {
    const win = catalog.templates.find((t) => t.id === 'windows-11')!;
    expect(win.request.hardware).toMatchObject({ firmware: 'uefi', secureBoot: true, tpm: true });
  });
});

describe('searchCatalog', () => {
  const search = (query: Parameters<typeof searchCatalog>[1]) =>
    ids(searchCatalog(catalog.templates, query, (id) => db.get(id), catalog.apps));

  it('filters by OS family and by distro', () => {
    expect(search({ osFamily: 'winnt' })).toEqual(['windows-11', 'windows-server-2022']);
    expect(search({ osFamily: 'debian' })).toEqual(['debian-minimal', 'debian-nginx']);
    expect(search({ osFamily: 'linux' })).not.toContain('windows-11');
  });

  it('filters by purpose and size', () => {
    expect(search({ purpose: 'database' })).toEqual(['ubuntu-postgresql']);
    expect(search({ size: 'small' })).toEqual(['alpine-tiny', 'debian-minimal', 'debian-nginx', 'fedora-server', 'rocky-server']);
    expect(search({ size: 'medium', purpose: 'development' })).toEqual(['ubuntu-dev', 'ubuntu-docker']);
    expect(search({ size: 'large' })).toEqual([]);
  });

  it('finds words in names, descriptions, OS and app names', () => {
    expect(search({ text: 'nginx' })).toEqual(['debian-nginx']);
    expect(search({ text: 'Redis ubuntu' })).toEqual(['ubuntu-dev']);
    expect(search({ text: 'Rocky Linux 9' })).toEqual(['rocky-server']);
    expect(search({ text: 'nothing-like-this' })).toEqual([]);
    expect(search({})).toHaveLength(catalog.templates.length);
  });

  it('sorts by name and reports the size class', () => {
    const hits = searchCatalog(catalog.templates, { osFamily: 'winnt' }, (id) => db.get(id));
    expect(hits.map((h) => h.template.name)).toEqual(['Windows 11 desktop', 'Windows Server 2022']);
    expect(hits.map((h) => h.size)).toEqual(['medium', 'medium']);
    expect(hits[0]!.os?.name).toBe('Microsoft Windows 11');
  });
});

describe('sizeClassOf', () => {
  it.each([
    [1, 512, 'small'],
    [2, 2048, 'small'],
    [3, 2048, 'medium'],
    [2, 2049, 'medium'],
    [4, 8192, 'medium'],
    [5, 1024, 'large'],
    [4, 8193, 'large'],
  ] as const)('%i vCPUs, %i MiB: %s', (vcpus, memoryMiB, size) => {
    expect(sizeClassOf({ vcpus, memoryMiB })).toBe(size);
  });
});

describe('problemsOf', () => {
  it('names an unknown OS, an unknown app, an app for another distro, a duplicate', () => {
    const request = VmRequestSchema.parse({
      os: { osinfoId: 'fedora37' },
      hardware: { vcpus: 1, memoryMiB: 1024, disks: [{ sizeGiB: 10 }] },
      apps: ['nginx', 'no-such-app', 'qemu-guest-agent', 'qemu-guest-agent'],
    });
    expect(problemsOf({ id: 't', request }, catalog.apps, db)).toEqual([
      't: nginx installs on debian, ubuntu, not on Fedora Linux 37',
      't: unknown application "no-such-app"',
      't: application "qemu-guest-agent" listed twice',
    ]);
    expect(
      problemsOf({ id: 'u', request: { ...request, os: { osinfoId: 'beos5', source: 'cloud-image' }, apps: [] } }, catalog.apps, db),
    ).toEqual(['u: unknown OS "beos5" (not in the osinfo database)']);
  });
});

describe('cloudConfigForApps', () => {
  it('merges packages (once each), files and commands in order', () => {
    const config = cloudConfigForApps(['nginx', 'docker', 'qemu-guest-agent'], catalog.apps);
    expect(config.packages).toEqual(['nginx', 'docker.io', 'qemu-guest-agent']);
    expect(config.write_files.map((f) => f.path)).toEqual(['/var/www/html/index.html']);
    expect(config.runcmd[0]).toEqual(['systemctl', 'enable', '--now', 'nginx']);
    expect(config.runcmd.at(-1)).toEqual(['systemctl', 'enable', '--now', 'qemu-guest-agent']);
  });

  it('refuses an unknown app and two apps writing one file', () => {
    expect(() => cloudConfigForApps(['nope'], catalog.apps)).toThrow(InvalidInputError);
    const nginx = catalog.apps.get('nginx')!;
    const apps = new Map(catalog.apps).set('nginx2', { ...nginx, id: 'nginx2', name: 'Other nginx' });
    expect(() => cloudConfigForApps(['nginx', 'nginx2'], apps)).toThrow('Other nginx writes /var/www/html/index.html');
  });
});

describe('loading a broken catalog', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-catalog-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('says which file and which field', async () => {
    await writeFile(join(dir, 'apps.json'), JSON.stringify({ version: 1, apps: [] }));
    await writeFile(
      join(dir, 'templates.json'),
      JSON.stringify({
        version: 1,
        templates: [
          {
            id: 'x',
            name: 'X',
            description: 'x',
            purposes: ['web'],
            request: { os: { osinfoId: 'debian11' }, hardware: { vcpus: 0, memoryMiB: 1024, disks: [{ sizeGiB: 10 }] } },
          },
        ],
      }),
    );
    await expect(loadCatalog(dir)).rejects.toThrow(/templates\.json: templates\.0\.request\.hardware\.vcpus: /);
    await writeFile(join(dir, 'templates.json'), '{ nope');
    await expect(loadCatalog(dir)).rejects.toThrow(/templates\.json is not valid JSON/);
    await writeFile(join(dir, 'templates.json'), JSON.stringify({ version: 2, templates: [] }));
    await expect(loadCatalog(dir)).rejects.toMatchObject({
      code: 'catalog.invalid',
      details: { file: 'templates.json', path: ['version'] },
    });
  });
});

describe('user templates', () => {
  it('are made from a request, validated, and independent of it', () => {
    const request = catalog.templates.find((t) => t.id === 'debian-nginx')!.request;
    const saved = userTemplateFrom(
      { id: 'my-web', name: 'My web server', description: 'nginx, my way', purposes: ['web'] },
      request,
      { kind: 'vm', hostId: 'host-1', vmName: 'web01' },
      new Date('2026-11-26T01:00:00Z'),
    );
    expect(UserTemplateSchema.parse(saved)).toEqual(saved);
    expect(saved.createdAt).toBe('2026-11-26T01:00:00.000Z');
    saved.request.hardware.vcpus = 16;
    expect(request.hardware.vcpus).toBe(2);
    expect(UserTemplateSchema.safeParse({ ...saved, origin: { kind: 'vm', hostId: '', vmName: 'x' } }).success).toBe(false);
  });
});
