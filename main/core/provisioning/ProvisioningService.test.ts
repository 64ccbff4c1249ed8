import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Emitter } from '../Emitter';
import { ConflictError, HostUnreachableError } from '../errors';
import type { HostIsoVolume, HostOffer } from './HostOffer';
import type { MediaInspection } from './installMedia';
import { loadCatalog } from './catalog';
import { host, isoVolume, loadFixtureDb, request } from './fixtures/offers';
import { LazyOsDatabase, type OsDatabase } from './osinfo/OsDatabase';
import { ProvisioningService, type ProvisioningHost } from './ProvisioningService';
import { VmRequestSchema } from './schemas';
import { UserTemplateStore } from './UserTemplateStore';
import { GiB } from './units';

let db: OsDatabase;
beforeAll(async () => {
  db = await loadFixtureDb();
});

/** A file a scripted host has, as its install media reader sees it. */
type File = HostIsoVolume & { format: string };

function setup(
  options: {
    hosts?: ProvisioningHost[];
    offers?: Record<string, HostOffer>;
    vmNames?: Record<string, string[]>;
    files?: Record<string, File[]>;
    inspectErrors?: Record<string, Error>;
  } = {},
) {
  const hosts = options.hosts ?? [{ id: 'server', name: 'server', status: 'connected' }];
  const offers = options.offers ?? { server: host('server') };
  const reads: string[] = [];
  const inspected: string[] = [];
  let failNext: Error | undefined;
  let vmNotes: string[] = [];
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
    media: {
      async list(hostId) {
        return (options.files?.[hostId] ?? []).filter((f) => f.format === 'iso').map(({ format: _f, ...iso }) => iso);
      },
      async inspect(hostId, media): Promise<MediaInspection> {
        inspected.push(`${hostId} ${JSON.stringify(media)}`);
        const refusal = options.inspectErrors?.[hostId];
        if (refusal) throw refusal;
        const file = (options.files?.[hostId] ?? []).find((f) => (media.kind === 'path' ? f.path === media.path : f.pool === media.pool && f.volume === media.volume));
        if (!file) return { state: 'missing', reason: `nothing there on ${hostId}` };
        const { format, ...iso } = file;
        return format === 'iso' ? { state: 'iso', iso } : { state: 'not-iso', format, path: file.path };
      },
    },
    osDb: new LazyOsDatabase(async () => db),
    catalog: () => loadCatalog(),
    userTemplates: (reserved) => {
      const dir = join(tmpdir(), `tandem-prov-${process.pid}-${dirs.length}`);
      dirs.push(dir);
      return new UserTemplateStore(dir, reserved);
    },
    vmRequest: async () => ({ name: 'vm', request: VmRequestSchema.parse(request()), notes: vmNotes }),
    now: () => new Date('2026-11-26T00:00:00Z'),
  });
  cleanups.push(async () => {
    service.dispose();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  return { service, reads, inspected, hostChanged, hostRemoved, vmChanged, vmRemoved, failOnce: (e: Error) => (failNext = e), setVmNotes: (notes: string[]) => (vmNotes = notes) };
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
    expect(first.refusals).toEqual([{ hostId: 'server', hostName: 'server', reasons: ['its offer could not be read: connection reset'] }]);
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

  it("keeps what a VM's template could not carry as it is (its notes) in the template's origin, across a reload", async () => {
    const { service, setVmNotes } = setup();
    setVmNotes(['NIC 2 (bridge br0) goes on the "default" network: a template names libvirt networks only']);
    await service.saveTemplate({ id: 'bridged', name: 'Bridged', description: '', purposes: ['web'], replace: false }, { fromVm: { hostId: 'server', uuid: 'u' } });
    expect((await service.listTemplates()).find((t) => t.id === 'bridged')?.origin).toEqual({
      kind: 'vm',
      hostId: 'server',
      vmName: 'vm',
      notes: ['NIC 2 (bridge br0) goes on the "default" network: a template names libvirt networks only'],
    });
  });

  describe('install media', () => {
    const hosts: ProvisioningHost[] = [
      { id: 'a', name: 'alpha', status: 'connected' },
      { id: 'b', name: 'beta', status: 'connected' },
      { id: 'c', name: 'gamma', status: 'unreachable', statusReason: 'connection refused' },
    ];
    const offers = { a: host('a', { hostName: 'alpha', isoVolumes: [] }), b: host('b', { hostName: 'beta', isoVolumes: [isoVolume('win11.iso', { osinfoId: 'win11' })] }) };
    const files: Record<string, File[]> = {
      a: [
        { path: '/home/me/Downloads/ubuntu.iso', sizeBytes: 5 * GiB, format: 'iso' },
        { pool: 'default', volume: 'disk.qcow2', path: '/var/lib/libvirt/images/disk.qcow2', sizeBytes: GiB, format: 'qcow2' },
      ],
      b: [{ ...isoVolume('win11.iso', { osinfoId: 'win11' }), format: 'iso' }],
    };
    const fromIso = (installMedia: object) => VmRequestSchema.parse(request({}, { source: 'install-media', installMedia: installMedia as never }));

    it('lists the ISOs of connected hosts for the picker (with the OS osinfo knows), and why a host is missing', async () => {
      const { service, reads } = setup({ hosts, offers, files });
      await service.propose(req());
      const listed = await service.installMedia({});
      expect(listed.media).toEqual([
        { hostId: 'a', hostName: 'alpha', path: '/home/me/Downloads/ubuntu.iso', sizeBytes: 5 * GiB },
        { hostId: 'b', hostName: 'beta', pool: 'default', volume: 'win11.iso', path: '/var/lib/libvirt/images/win11.iso', sizeBytes: 4 * GiB, osinfoId: 'win11', osName: 'Microsoft Windows 11' },
      ]);
      expect(listed.unavailable).toEqual([{ hostId: 'c', hostName: 'gamma', reason: 'not connected (connection refused)' }]);
      // A fresh listing drops the kept offers: the next proposal reads the hosts again and sees the same ISOs.
      await service.propose(req());
      expect(reads.sort()).toEqual(['a', 'a', 'b', 'b']);
      expect((await service.installMedia({ hostId: 'b' })).media.map((m) => m.hostId)).toEqual(['b']);
    });

    it('proposes only the host that stores a named ISO volume', async () => {
      const { service } = setup({ hosts, offers, files });
      const { proposals, refusals } = await service.propose(fromIso({ kind: 'volume', pool: 'default', volume: 'win11.iso' }));
      expect(proposals.map((p) => p.hostId)).toEqual(['b']);
      expect(proposals[0]!.image).toEqual({ pool: 'default', volume: 'win11.iso', format: 'iso' });
      expect(refusals.map((r) => [r.hostId, r.reasons[0]])).toEqual([
        ['a', 'ISO volume default/win11.iso is not on this host (install media is used on the host that stores it)'],
        ['c', 'not connected (connection refused)'],
      ]);
    });

    it('finds a path outside every pool by asking the host that has it once, until the host changes', async () => {
      const { service, inspected, hostChanged } = setup({ hosts, offers, files });
      const media = { kind: 'path', path: '/home/me/Downloads/ubuntu.iso' };
      const placement = await service.place(fromIso(media), {});
      expect(placement.chosen?.hostId).toBe('a');
      expect(placement.chosen?.config.os.installMedia).toEqual(media);
      await service.propose(fromIso(media));
      // beta, which does not have it, is asked each time (the file may have been copied there since).
      expect(inspected.sort()).toEqual([`a ${JSON.stringify(media)}`, `b ${JSON.stringify(media)}`, `b ${JSON.stringify(media)}`]);
      hostChanged.emit({ id: 'a' });
      await service.propose(fromIso(media));
      expect(inspected.filter((i) => i.startsWith('a '))).toHaveLength(2);
    });

    it('a host where the medium could not be looked for is refused with that reason, not as an unreadable offer', async () => {
      const stopped = new ConflictError('storage.pool-inactive', 'Storage pool "isos" covers /srv/isos but is not started');
      const { service } = setup({ hosts, offers, files, inspectErrors: { b: stopped } });
      const { refusals } = await service.propose(fromIso({ kind: 'path', path: '/srv/isos/x.iso' }));
      expect(refusals.find((r) => r.hostId === 'b')?.reasons).toEqual([
        'ISO /srv/isos/x.iso could not be looked for: Storage pool "isos" covers /srv/isos but is not started',
      ]);
    });

    it('asks again about a medium that was missing or not an ISO: the file copied in since is found', async () => {
      const hostFiles: Record<string, File[]> = { a: [], b: [] };
      const { service, inspected } = setup({ hosts, offers, files: hostFiles });
      const path = '/srv/isos/netinst.iso';
      const draft = { name: 'inst', hostId: 'a', request: request({}, { source: 'install-media', installMedia: { kind: 'path', path } }) };
      expect(await service.validate(draft)).toEqual([{ field: 'os.installMedia', message: `ISO ${path} not found: nothing there on a` }]);
      hostFiles.a!.push({ path, sizeBytes: GiB, format: 'qcow2' });
      expect(await service.validate(draft)).toEqual([{ field: 'os.installMedia', message: `${path} is not an ISO image (libvirt reads it as qcow2)` }]);
      hostFiles.a![0]!.format = 'iso';
      expect(await service.validate(draft)).toEqual([]);
      // Found, it is kept until the host changes.
      expect(await service.validate(draft)).toEqual([]);
      expect(inspected).toHaveLength(3);
    });

    it('validates the medium at its field: found somewhere, missing everywhere, or not an ISO', async () => {
      const { service } = setup({ hosts, offers, files });
      const draft = (installMedia: object) => ({ name: 'inst', request: request({}, { source: 'install-media', installMedia: installMedia as never }) });
      expect(await service.validate(draft({ kind: 'volume', pool: 'default', volume: 'win11.iso' }))).toEqual([]);
      expect(await service.validate(draft({ kind: 'volume', pool: 'default', volume: 'gone.iso' }))).toEqual([
        { field: 'os.installMedia', message: 'ISO volume default/gone.iso not found: nothing there on a; nothing there on b' },
      ]);
      expect(await service.validate(draft({ kind: 'volume', pool: 'default', volume: 'disk.qcow2' }))).toEqual([
        { field: 'os.installMedia', message: '/var/lib/libvirt/images/disk.qcow2 is not an ISO image (libvirt reads it as qcow2)' },
      ]);
      expect(await service.validate({ ...draft({ kind: 'volume', pool: 'default', volume: 'win11.iso' }), hostId: 'a' })).toEqual([
        { field: 'os.installMedia', message: 'ISO volume default/win11.iso not found: nothing there on a' },
      ]);
      expect(await service.validate(draft({ kind: 'path', path: 'relative.iso' }))).toEqual([{ field: 'os.installMedia.path', message: expect.stringMatching(/absolute path/) }]);
      expect(await service.validate({ name: 'x', request: request({}, { source: 'cloud-image', installMedia: { kind: 'path', path: '/a.iso' } }) })).toEqual([
        { field: 'os.installMedia', message: 'install media goes with the source "install-media"' },
      ]);
    });
  });
});
