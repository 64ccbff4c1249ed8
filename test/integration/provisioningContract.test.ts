/**
 * Provisioning through the contract on the embedded demo host (libvirt's test driver: hostCapabilities
 * treats it as a simulated host), over the browser-mode WebSocket with the renderer's own client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractCallError } from '../../preload/client';
import type { VmRequestInput } from '../../preload/api/provisioning';
import { callError, startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

const GiB = 1024 ** 3;
const WEB_FRONTEND = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';

const debian = (memoryMiB: number): VmRequestInput => ({
  os: { osinfoId: 'debian11', source: 'empty-disk' },
  hardware: { vcpus: 2, memoryMiB, disks: [{ sizeGiB: 10 }], nics: [{ network: 'default' }] },
  apps: [],
});

describe('provisioning through the contract on the demo host', () => {
  let t: InProcessTandem;
  beforeAll(async () => {
    t = await startInProcessTandem();
    await t.tandem.ready();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('lists the shipped catalog and filters it by family, purpose and size', async () => {
    const all = await t.client.call('provisioning.catalog', {});
    expect(all.templates.length).toBeGreaterThanOrEqual(10);
    expect(all.templates.every((e) => e.source === 'shipped')).toBe(true);
    expect(all.apps.map((a) => a.id)).toContain('qemu-guest-agent');
    const web = await t.client.call('provisioning.catalog', { purpose: 'web' });
    expect(web.templates.length).toBeGreaterThan(0);
    expect(web.templates.every((e) => e.template.purposes.includes('web'))).toBe(true);
    const small = await t.client.call('provisioning.catalog', { size: 'small', osFamily: 'debian' });
    expect(small.templates.every((e) => e.size === 'small' && e.distro === 'debian')).toBe(true);
  });

  it('searches the osinfo database, newest first', async () => {
    const { oses, total } = await t.client.call('provisioning.osList', { text: 'debian', limit: 5 });
    expect(total).toBeGreaterThan(5);
    expect(oses).toHaveLength(5);
    expect(oses.every((o) => o.distro === 'debian')).toBe(true);
    const dates = oses.map((o) => o.releaseDate ?? '');
    expect([...dates].sort().reverse()).toEqual(dates);
    const d11 = (await t.client.call('provisioning.osList', { text: 'debian11' })).oses.find((o) => o.shortId === 'debian11');
    expect(d11?.minimum.memoryMiB).toBeGreaterThan(0);
  });

  it('proposes a smaller memory, with its reason, for a request bigger than any host has', async () => {
    const host = (await t.client.call('hosts.list', {})).find((h) => h.id === 'demo')!;
    const hostMiB = Math.floor(host.memoryKiB! / 1024);
    const { proposals } = await t.client.call('provisioning.propose', { request: debian(hostMiB * 4) });
    const demo = proposals.find((p) => p.hostId === 'demo')!;
    expect(demo.domainType).toBe('test');
    const memory = demo.changes.find((c) => c.field === 'hardware.memoryMiB')!;
    expect(memory.reason).toMatch(/free|headroom/);
    expect(memory.text).toMatch(/^memory .* -> /);
    expect(demo.config.hardware.memoryMiB).toBeLessThan(hostMiB);
    expect(demo.config.hardware.memoryMiB % 256).toBe(0);
    // Accepting the proposal means it is now exact.
    const again = await t.client.call('provisioning.propose', { request: demo.config });
    expect(again.proposals.find((p) => p.hostId === 'demo')!.changes).toEqual([]);
  });

  it("places a shipped template on the demo host's Debian 11 cloud image, exactly as asked", async () => {
    const { templates } = await t.client.call('provisioning.catalog', { text: 'debian minimal' });
    const template = templates.find((e) => e.template.id === 'debian-minimal')!.template;
    const placement = await t.client.call('provisioning.place', { request: template.request, name: 'fresh-debian' });
    expect(placement.chosen).toMatchObject({
      hostId: 'demo',
      changes: [],
      image: { pool: 'default', volume: 'debian-11-genericcloud-amd64.qcow2', format: 'qcow2' },
    });
  });

  it('places the VM and explains the choice; an override onto an unknown host is refused', async () => {
    const placement = await t.client.call('provisioning.place', { request: debian(1024) });
    expect(placement.chosen?.hostId).toBe('demo');
    expect(placement.explanation).toMatch(/^Demo host: takes the VM exactly as asked, .* of memory left after it\./);
    expect(placement.chosen!.memoryLeftBytes).toBeGreaterThan(GiB);
    const error = (await callError(t.client.call('provisioning.place', { request: debian(1024), overrideHostId: 'nowhere' }))) as ContractCallError;
    expect(error.errorName).toBe('NotFound');
    expect(error.details).toMatchObject({ field: 'hostId' });
  });

  it('refuses bad input with field errors and creates nothing', async () => {
    const before = (await t.client.call('vms.list', { hostId: 'demo' })).length;
    const { errors } = await t.client.call('provisioning.validate', {
      name: 'web-frontend',
      hostId: 'demo',
      request: { os: { osinfoId: 'no-such-os' }, hardware: { vcpus: 0, memoryMiB: 64, disks: [{ sizeGiB: 0 }] }, apps: [] },
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'Demo host already has a VM named "web-frontend"' },
        { field: 'hardware.vcpus', message: expect.any(String) },
        { field: 'hardware.memoryMiB', message: expect.any(String) },
        { field: 'hardware.disks.0.sizeGiB', message: expect.any(String) },
      ]),
    );
    const bad = await t.client.call('provisioning.validate', { name: 'a/b', request: debian(1024) });
    expect(bad.errors).toEqual([{ field: 'name', message: expect.stringMatching(/letters, digits/) }]);
    const unknownOs = await t.client.call('provisioning.validate', { name: 'ok', request: { ...debian(1024), os: { osinfoId: 'atari-tos' } } });
    expect(unknownOs.errors).toEqual([{ field: 'os.osinfoId', message: 'unknown operating system "atari-tos"' }]);

    const unknown = (await callError(
      t.client.call('provisioning.propose', { request: { ...debian(1024), os: { osinfoId: 'atari-tos', source: 'empty-disk' } } }),
    )) as ContractCallError;
    expect(unknown).toMatchObject({ errorName: 'InvalidInput', details: { field: 'os.osinfoId' } });
    const tooBig = (await callError(t.client.call('provisioning.propose', { request: debian(8 * 1024 * 1024) }))) as ContractCallError;
    expect(tooBig.errorName).toBe('InvalidInput');
    expect(tooBig.details).toMatchObject({ issues: [{ path: ['request', 'hardware', 'memoryMiB'] }] });
    const taken = (await callError(t.client.call('provisioning.place', { request: debian(1024), name: 'web-frontend' }))) as ContractCallError;
    expect(taken).toMatchObject({ errorName: 'Conflict', details: { field: 'name' } });
    expect((await t.client.call('vms.list', { hostId: 'demo' })).length).toBe(before);
  });

  it('saves a wizard result and an existing VM as user templates, lists them in the catalog, deletes them', async () => {
    const saved = await t.client.call('provisioning.templates.save', { id: 'my-debian', name: 'My Debian', request: debian(2048) });
    expect(saved.origin).toEqual({ kind: 'wizard' });
    const fromVm = await t.client.call('provisioning.templates.save', {
      id: 'web-copy',
      name: 'Web frontend copy',
      fromVm: { hostId: 'demo', uuid: WEB_FRONTEND },
      osinfoId: 'debian11',
    });
    expect(fromVm.origin).toEqual({ kind: 'vm', hostId: 'demo', vmName: 'web-frontend' });
    expect(fromVm.request.hardware.disks[0]).toEqual({ sizeGiB: 20, bus: 'virtio' });
    expect((await t.client.call('provisioning.templates.list', {})).map((x) => x.id).sort()).toEqual(['my-debian', 'web-copy']);
    const catalog = await t.client.call('provisioning.catalog', { text: 'my debian' });
    expect(catalog.templates).toEqual([expect.objectContaining({ source: 'user', origin: { kind: 'wizard' } })]);

    const noOs = (await callError(
      t.client.call('provisioning.templates.save', { id: 'no-os', name: 'x', fromVm: { hostId: 'demo', uuid: WEB_FRONTEND } }),
    )) as ContractCallError;
    expect(noOs).toMatchObject({ errorName: 'InvalidInput', details: { field: 'osinfoId' } });
    const missing = (await callError(
      t.client.call('provisioning.templates.save', { id: 'gone', name: 'x', fromVm: { hostId: 'demo', uuid: '00000000-0000-4000-8000-000000000000' } }),
    )) as ContractCallError;
    expect(missing.errorName).toBe('NotFound');
    const shadow = (await callError(
      t.client.call('provisioning.templates.save', { id: 'debian-minimal', name: 'x', request: debian(1024) }),
    )) as ContractCallError;
    expect(shadow.errorName).toBe('Conflict');
    await t.client.call('provisioning.templates.delete', { id: 'my-debian' });
    await t.client.call('provisioning.templates.delete', { id: 'web-copy' });
    expect(await t.client.call('provisioning.templates.list', {})).toEqual([]);
  });
});
