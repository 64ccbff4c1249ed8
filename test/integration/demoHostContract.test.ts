/**
 * The contract end to end on the embedded demo host (libvirt's test driver through the native binding),
 * over the browser-mode WebSocket with the renderer's own client.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractCallError } from '../../preload/client';
import { callError, startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

const WEB_FRONTEND = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';
const DB_REPLICA = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100003';

describe('the contract on the demo host', () => {
  let t: InProcessTandem;
  beforeAll(async () => {
    t = await startInProcessTandem();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('lists the demo host, connected, with its facts', async () => {
    const hosts = await t.client.call('hosts.list', {});
    expect(hosts).toEqual([
      expect.objectContaining({ id: 'demo', kind: 'demo', status: 'connected', cpus: 16, hypervisor: expect.stringMatching(/^TEST /) }),
    ]);
    expect(await t.client.call('app.info', {})).toEqual({ version: expect.any(String), mode: 'headless' });
  });

  it("gives the demo host's page its details: free memory is what the active VMs leave (the test driver has no figure)", async () => {
    const details = await t.client.call('hosts.details', { hostId: 'demo' });
    const vms = await t.client.call('vms.list', { hostId: 'demo' });
    const activeKiB = vms.filter((v) => v.state === 'running' || v.state === 'paused').reduce((sum, v) => sum + v.memoryKiB, 0);
    expect(activeKiB).toBeGreaterThan(0);
    expect(details).toMatchObject({ hostId: 'demo', cpus: 16, memoryKiB: 64 * 1024 * 1024, freeMemoryKiB: 64 * 1024 * 1024 - activeKiB });
    expect(details.pools.length).toBeGreaterThan(0);
    expect(details.runningVms.length).toBe(vms.filter((v) => v.state === 'running' || v.state === 'paused').length);
  });

  it("lists the demo host's VMs with their states", async () => {
    const vms = await t.client.call('vms.list', {});
    expect(vms.map((v) => v.name).sort()).toEqual(['build-runner', 'db-primary', 'db-replica', 'router-lab', 'web-frontend', 'windows-11']);
    expect(vms.find((v) => v.name === 'build-runner')).toMatchObject({ state: 'paused', vcpus: 8, memoryKiB: 16 * 1024 * 1024 });
    expect(await t.client.call('vms.list', { hostId: 'demo' })).toHaveLength(6);
  });

  it('suspends, resumes, destroys and starts a VM, and the client hears each change as an event', async () => {
    const ref = { hostId: 'demo', uuid: WEB_FRONTEND };
    for (const [method, state] of [
      ['vms.suspend', 'paused'],
      ['vms.resume', 'running'],
      ['vms.destroy', 'shutoff'],
      ['vms.start', 'running'],
    ] as const) {
      const event = t.nextEvent('vms.changed', (vm) => vm.uuid === WEB_FRONTEND && vm.state === state);
      const reply = await t.client.call(method, ref);
      expect(reply?.state).toBe(state);
      await expect(event).resolves.toMatchObject({ hostId: 'demo', name: 'web-frontend', state });
    }
    expect((await t.client.call('vms.list', {})).find((v) => v.uuid === WEB_FRONTEND)?.state).toBe('running');
  });

  it('reports an event for a change made outside Tandem (libvirt event, not polling)', async () => {
    const event = t.nextEvent('vms.changed', (vm) => vm.uuid === DB_REPLICA && vm.state === 'running');
    // Start it through the host session directly, bypassing the service: only the libvirt event can tell.
    await t.tandem.hosts.session('demo').runVmAction(DB_REPLICA, 'start');
    await expect(event).resolves.toMatchObject({ name: 'db-replica' });
  });

  it('returns the typed detail of a VM parsed from its domain XML', async () => {
    const vm = await t.client.call('vms.get', { hostId: 'demo', uuid: WEB_FRONTEND });
    expect(vm).toMatchObject({
      name: 'web-frontend',
      osType: 'hvm',
      arch: 'x86_64',
      domainType: 'test',
      autostart: false,
      disks: [{ device: 'disk', target: 'vda', bus: 'virtio', source: '/var/lib/libvirt/images/web-frontend.qcow2', format: 'qcow2' }],
      nics: [{ type: 'network', source: 'lab-net', model: 'virtio', mac: '52:54:00:10:00:01' }],
    });
    expect(vm.xml).toContain('<name>web-frontend</name>');
  });

  it('defines a VM from XML, publishes it, and undefines it', async () => {
    const xml = `<domain type='test'><name>it-defined</name><memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;
    const appeared = t.nextEvent('vms.changed', (vm) => vm.name === 'it-defined');
    const vm = await t.client.call('vms.defineXml', { hostId: 'demo', xml });
    expect(vm).toMatchObject({ name: 'it-defined', state: 'shutoff', persistent: true, memoryKiB: 256 * 1024 });
    await appeared;
    const removed = t.nextEvent('vms.removed', (r) => r.uuid === vm.uuid);
    await t.client.call('vms.undefine', { hostId: 'demo', uuid: vm.uuid });
    await removed;
    expect((await t.client.call('vms.list', {})).some((v) => v.name === 'it-defined')).toBe(false);
  });

  it('answers null, not an error, when forcing off a transient VM makes it cease to exist', async () => {
    const xml = `<domain type='test'><name>it-transient</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;
    const vm = await t.client.call('vms.defineXml', { hostId: 'demo', xml });
    const ref = { hostId: 'demo', uuid: vm.uuid };
    await t.client.call('vms.start', ref);
    await t.client.call('vms.undefine', ref); // a running VM that is undefined becomes transient
    expect((await t.client.call('vms.list', {})).find((v) => v.uuid === vm.uuid)?.persistent).toBe(false);
    const removed = t.nextEvent('vms.removed', (r) => r.uuid === vm.uuid);
    expect(await t.client.call('vms.destroy', ref)).toBeNull();
    await removed;
  });

  it('gives typed errors for an unknown VM, an unknown host, a bad state change and malformed XML', async () => {
    const unknownVm = await callError(t.client.call('vms.start', { hostId: 'demo', uuid: '00000000-0000-4000-8000-000000000000' }));
    expect(unknownVm).toBeInstanceOf(ContractCallError);
    expect(unknownVm).toMatchObject({ errorName: 'NotFound', code: 'libvirt.VIR_ERR_NO_DOMAIN', libvirt: { codeName: 'VIR_ERR_NO_DOMAIN' } });

    expect(await callError(t.client.call('vms.list', { hostId: 'nowhere' }))).toMatchObject({ errorName: 'NotFound', code: 'host.not-found' });
    const running = await callError(t.client.call('vms.resume', { hostId: 'demo', uuid: WEB_FRONTEND }));
    expect(running).toMatchObject({ errorName: 'OperationFailed', message: expect.stringMatching(/not paused/) });

    const before = (await t.client.call('vms.list', {})).length;
    expect(await callError(t.client.call('vms.defineXml', { hostId: 'demo', xml: '<domain><name>x</domain>' }))).toMatchObject({
      errorName: 'InvalidInput',
      code: 'xml.malformed',
    });
    expect(await callError(t.client.call('vms.defineXml', { hostId: 'demo', xml: '<domain type="test"><name>no-memory</name></domain>' }))).toMatchObject({
      errorName: 'InvalidInput',
    });
    expect(await t.client.call('vms.list', {})).toHaveLength(before);
  });

  it('refuses an unreachable host URI with HostUnreachable and keeps nothing', async () => {
    const error = await callError(t.client.call('hosts.add', { uri: 'qemu+tcp://127.0.0.9:1/system' }));
    expect(error).toMatchObject({ errorName: 'HostUnreachable', libvirt: { codeName: 'VIR_ERR_SYSTEM_ERROR' } });
    expect((await t.client.call('hosts.list', {})).map((h) => h.id)).toEqual(['demo']);
    await expect(readFile(join(t.dataDir, 'hosts.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('refuses malformed URIs with a field-specific message', async () => {
    expect(await callError(t.client.call('hosts.add', { uri: 'qemu:///nope' }))).toMatchObject({ errorName: 'InvalidInput', code: 'host.uri-invalid' });
    expect(await callError(t.client.call('hosts.add', { uri: '' }))).toMatchObject({ errorName: 'InvalidInput', code: 'payload.invalid' });
  });

  it('adds a host by URI, persists it, and removes it', async () => {
    const host = await t.client.call('hosts.add', { uri: 'test:///default', name: 'Second test host' });
    expect(host).toMatchObject({ name: 'Second test host', status: 'connected' });
    const vms = await t.client.call('vms.list', { hostId: host.id });
    expect(vms.map((v) => v.name)).toEqual(['test']);
    const saved = JSON.parse(await readFile(join(t.dataDir, 'hosts.json'), 'utf8'));
    expect(saved.hosts).toEqual([{ id: host.id, name: 'Second test host', uri: 'test:///default' }]);
    expect(await callError(t.client.call('hosts.add', { uri: 'test:///default' }))).toMatchObject({ errorName: 'Conflict', code: 'host.duplicate' });
    const removed = t.nextEvent('hosts.removed', (r) => r.hostId === host.id);
    await t.client.call('hosts.remove', { hostId: host.id });
    await removed;
    expect(JSON.parse(await readFile(join(t.dataDir, 'hosts.json'), 'utf8')).hosts).toEqual([]);
    expect(await t.client.call('vms.list', {})).not.toContainEqual(expect.objectContaining({ hostId: host.id }));
  });

  it('restores saved hosts on the next start', async () => {
    const host = await t.client.call('hosts.add', { uri: 'test:///default' });
    const second = await startInProcessTandem({ dataDir: t.dataDir, demo: 'never' });
    try {
      expect((await second.client.call('hosts.list', {})).map((h) => [h.id, h.status])).toEqual([[host.id, 'connected']]);
    } finally {
      await second.stop();
      await t.client.call('hosts.remove', { hostId: host.id });
    }
  });
});
