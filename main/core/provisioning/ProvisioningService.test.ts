import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Emitter } from '../Emitter';
import { ConflictError, HostUnreachableError } from '../errors';
import type { HostOffer } from './HostOffer';
import { loadCatalog } from './catalog';
import { host, loadFixtureDb, request } from './fixtures/offers';
import { LazyOsDatabase, type OsDatabase } from './osinfo/OsDatabase';
import { ProvisioningService, type ProvisioningHost } from './ProvisioningService';
import { VmRequestSchema } from './schemas';
import { UserTemplateStore } from './UserTemplateStore';
import { GiB } from './units';

let db: OsDatabase;
beforeAll(async () => {
  db = await loadFixtureDb();
});

function setup(options: { hosts?: ProvisioningHost[]; offers?: Record<string, HostOffer>; vmNames?: Record<string, string[]> } = {}) {
  const hosts = options.hosts ?? [{ id: 'server', name: 'server', status: 'connected' }];
  const offers = options.offers ?? { server: host('server') };
  const reads: string[] = [];
  let failNext: Error | undefined;
  const hostChanged = new Emitter<{ id: string }>();
  const hostRemoved = new Emitter<string>();
  const vmChanged = new Emitter<{ hostId: string }>();
  const vmRemoved = new Emitter<{ hostId: string }>();
  const dirs: string[] = [];
  const service = new ProvisioningService({
    hosts: { list: () => hosts, hostChanged, hostRemoved },
    vmChanged,
    vmRemoved,
    vmNames: (hostId) => options.vmNames?.[hostId] ?? [],
    offers: {
      async offer(hostId) {
        reads.push(hostId);
        if (failNext) {
          const error = failNext;
          failNext = undefined;
          throw error;
        }
        return offers[hostId]!;
      },
    },
    osDb: new LazyOsDatabase(async () => db),
    catalog: () => loadCatalog(),
    userTemplates: (reserved) => {
      const dir = join(tmpdir(), `tandem-prov-${process.pid}-${dirs.length}`);
      dirs.push(dir);
      return new UserTemplateStore(dir, reserved);
    },
    vmRequest: async () => ({ name: 'vm', request: VmRequestSchema.parse(request()) }),
    now: () => new Date('2026-11-26T00:00:00Z'),
  });
  cleanups.push(async () => {
    service.dispose();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  return { service, reads, hostChanged, hostRemoved, vmChanged, vmRemoved, failOnce: (e: Error) => (failNext = e) };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const req = (hw: Parameters<typeof request>[0] = {}) => VmRequestSchema.parse(request(hw));

describe('ProvisioningService', () => {
  it('reads a host offer once, and again after its host or one of its VMs changes', async () => {
    const { service, reads, hostChanged, vmChanged, vmRemoved } = setup();
    await service.propose(req());
    await service.place(req(), {});
    expect(reads).toEqual(['server']);
    hostChanged.emit({ id: 'server' });
    await service.propose(req());
    vmChanged.emit({ hostId: 'other' }); // another host's VM: the offer stays
    await service.propose(req());
    vmRemoved.emit({ hostId: 'server' });
    await service.propose(req());
    expect(reads).toEqual(['server', 'server', 'server']);
  });

  it('does not keep a failed read: the host is refused with why, and the next call reads again', async () => {
    const { service, reads, failOnce } = setup();
    failOnce(new HostUnreachableError('host.unreachable', 'connection reset'));
    const first = await service.propose(req());
    expect(first.proposals).toEqual([]);
    expect(first.refusals).toEqual([{ hostId: 'server', hostName: 'server', reasons: ['not connected (its offer could not be read: connection reset)'] }]);
    const second = await service.propose(req());
    expect(second.proposals.map((p) => p.hostId)).toEqual(['server']);
    expect(reads).toEqual(['server', 'server']);
  });

  it('lists hosts that are not connected as refusals, without reading them', async () => {
    const { service, reads } = setup({
      hosts: [
        { id: 'server', name: 'server', status: 'connected' },
        { id: 'laptop', name: 'laptop', status: 'unreachable', statusReason: 'connection refused' },
      ],
    });
    const placement = await service.place(req(), {});
    expect(placement.chosen?.hostId).toBe('server');
    expect(placement.refusals).toEqual([{ hostId: 'laptop', hostName: 'laptop', reasons: ['not connected (connection refused)'] }]);
    expect(reads).toEqual(['server']);
  });

  it('shrinks memory to what the host spares, with the reason', async () => {
    const { service } = setup({ offers: { server: host('server', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 14 * GiB }) } });
    const { proposals } = await service.propose(req({ memoryMiB: 64 * 1024 }));
    expect(proposals[0]!.changes).toEqual([
      expect.objectContaining({ field: 'hardware.memoryMiB', from: '64 GiB', to: '12 GiB', text: expect.stringMatching(/^memory 64 GiB -> 12 GiB: /) }),
    ]);
    expect(proposals[0]!.config.hardware.memoryMiB).toBe(12 * 1024);
  });

  it('refuses a name the chosen host already has, at the field', async () => {
    const { service } = setup({ vmNames: { server: ['web'] } });
    const error = await service.place(req(), { name: 'web' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'provisioning.name-taken', details: { field: 'name' } });
    await expect(service.place(req(), { name: 'web2' })).resolves.toMatchObject({ chosen: { hostId: 'server' } });
  });

  it('collects every field error of a draft at once', async () => {
    const { service } = setup({ vmNames: { server: ['web'] } });
    expect(await service.validate({ name: 'web', hostId: 'server', request: request({ vcpus: 0, memoryMiB: 10 }) })).toEqual([
      { field: 'name', message: 'server already has a VM named "web"' },
      { field: 'hardware.vcpus', message: expect.any(String) },
      { field: 'hardware.memoryMiB', message: expect.any(String) },
    ]);
    expect(await service.validate({ name: '-x', request: request() })).toEqual([{ field: 'name', message: expect.stringMatching(/starting with a letter/) }]);
    expect(await service.validate({ name: 'x'.repeat(65), request: request() })).toEqual([{ field: 'name', message: 'at most 64 characters' }]);
    expect(await service.validate({ name: 'ok', request: { ...request(), os: { osinfoId: 'beos5' } } })).toEqual([
      { field: 'os.osinfoId', message: 'unknown operating system "beos5"' },
    ]);
    expect(await service.validate({ name: 'ok', request: { ...request(), apps: ['nope'] } })).toEqual([
      { field: 'apps', message: 'unknown application "nope"' },
    ]);
    expect(await service.validate({ name: 'ok', request: request() })).toEqual([]);
  });

  it('searches the OS database by words, newest first, with minimums in MiB/GiB', async () => {
    const { service } = setup();
    const { oses, total } = await service.osList({ text: 'ubuntu', limit: 3 });
    expect(total).toBe(5);
    expect(oses.map((o) => o.shortId)).toEqual(['ubuntu24.10', 'ubuntu24.04', 'ubuntu23.10']);
    expect(oses[1]!.minimum.memoryMiB).toBeGreaterThan(0);
    expect((await service.osList({ text: 'windows 11', limit: 50 })).oses.map((o) => [o.shortId, o.uefiRequired])).toEqual([['win11', true]]);
  });

  it('saves a wizard result and a VM as user templates, shown in the catalog as the user\'s', async () => {
    const { service } = setup();
    await service.saveTemplate({ id: 'mine', name: 'Mine', description: '', purposes: ['testing'], replace: false }, { request: req() });
    const fromVm = await service.saveTemplate(
      { id: 'copy', name: 'Copy', description: 'a copy', purposes: ['web'], replace: false },
      { fromVm: { hostId: 'server', uuid: 'u' } },
    );
    expect(fromVm.origin).toEqual({ kind: 'vm', hostId: 'server', vmName: 'vm' });
    const catalog = await service.catalog({ text: 'mine' });
    expect(catalog.templates).toEqual([expect.objectContaining({ source: 'user', template: expect.objectContaining({ id: 'mine', description: 'Mine' }) })]);
    await service.deleteTemplate('mine');
    expect((await service.listTemplates()).map((t) => t.id)).toEqual(['copy']);
  });
});
