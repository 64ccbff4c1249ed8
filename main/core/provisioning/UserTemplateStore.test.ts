import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { UserTemplateStore } from './UserTemplateStore';
import { userTemplateFrom } from './catalog';
import { VmRequestSchema, type UserTemplate } from './schemas';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-templates-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const template = (id: string, vcpus = 2): UserTemplate =>
  userTemplateFrom(
    { id, name: `Template ${id}`, description: 'saved', purposes: ['web'] },
    VmRequestSchema.parse({
      os: { osinfoId: 'debian11' },
      hardware: { vcpus, memoryMiB: 2048, disks: [{ sizeGiB: 20 }] },
      apps: ['nginx'],
    }),
    { kind: 'wizard' },
    new Date('2026-11-26T01:00:00Z'),
  );

describe('UserTemplateStore', () => {
  it('starts empty, saves, and reads back after a restart', async () => {
    const store = new UserTemplateStore(dir);
    expect(await store.list()).toEqual([]);
    await store.save(template('web'));
    await store.save(template('db'));
    expect((await new UserTemplateStore(dir).list()).map((t) => t.id)).toEqual(['web', 'db']);
    expect(JSON.parse(await readFile(join(dir, 'templates.json'), 'utf8')).version).toBe(1);
  });

  it('refuses a duplicate id unless asked to replace', async () => {
    const store = new UserTemplateStore(dir);
    await store.save(template('web'));
    await expect(store.save(template('web', 4))).rejects.toThrow(ConflictError);
    await store.save(template('web', 4), { replace: true });
    expect((await store.list())[0]!.request.hardware.vcpus).toBe(4);
  });

  it("refuses an id of Tandem's catalog and invalid templates, writing nothing", async () => {
    const store = new UserTemplateStore(dir, new Set(['debian-nginx']));
    await expect(store.save(template('debian-nginx'))).rejects.toMatchObject({ code: 'template.id-taken' });
    await expect(store.save({ ...template('x'), name: '' })).rejects.toThrow(InvalidInputError);
    await expect(store.save({ ...template('x'), id: 'Bad Id' })).rejects.toMatchObject({ details: { field: 'id' } });
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes, and says when there is nothing to remove', async () => {
    const store = new UserTemplateStore(dir);
    await store.save(template('web'));
    await store.remove('web');
    expect(await new UserTemplateStore(dir).list()).toEqual([]);
    await expect(store.remove('web')).rejects.toThrow(NotFoundError);
  });

  it('serializes concurrent saves', async () => {
    const store = new UserTemplateStore(dir);
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => store.save(template(id))));
    expect((await new UserTemplateStore(dir).list()).map((t) => t.id).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('moves an unreadable file aside instead of overwriting it', async () => {
    await writeFile(join(dir, 'templates.json'), '{"version": 1, "templates": [{"id": 3}]}');
    const store = new UserTemplateStore(dir);
    expect(await store.list()).toEqual([]);
    expect((await readdir(dir)).some((f) => f.startsWith('templates.json.unreadable-'))).toBe(true);
    await store.save(template('web'));
    expect((await store.list()).map((t) => t.id)).toEqual(['web']);
  });

  it('reads a file saved before templates kept the chipset (no machine, no bus or model written): the defaults, no machine', async () => {
    const old = {
      version: 1,
      templates: [
        {
          id: 'old-vm',
          name: 'Old VM',
          description: 'saved from a VM',
          purposes: ['testing'],
          request: { os: { osinfoId: 'debian11', source: 'cloud-image' }, hardware: { vcpus: 1, memoryMiB: 512, disks: [{ sizeGiB: 4 }], nics: [{ network: 'default' }] }, apps: [] },
          origin: { kind: 'vm', hostId: 'h', vmName: 'old' },
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    };
    await writeFile(join(dir, 'templates.json'), JSON.stringify(old));
    const [read] = await new UserTemplateStore(dir).list();
    expect(read!.request.hardware).toMatchObject({ firmware: 'bios', disks: [{ sizeGiB: 4, bus: 'virtio' }], nics: [{ network: 'default', model: 'virtio' }] });
    expect(read!.request.hardware).not.toHaveProperty('machine');
  });
});
