import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContractClient } from '../../../preload/client';
import { createMemoryTransport, settle, type MemoryTransport } from '../testing/memoryTransport';
import { host } from '../testing/fixtures';
import { createHostsStore, selectHostIds, selectHostList, type HostsStore } from './hostsStore';
import { createToastStore, type ToastStore } from './toastStore';

describe('hostsStore', () => {
  let memory: MemoryTransport;
  let toasts: ToastStore;
  let hosts: HostsStore;

  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    memory = createMemoryTransport();
    toasts = createToastStore({ autoDismissMs: 0 });
    hosts = createHostsStore(createContractClient(memory.transport), toasts);
  });
  afterEach(() => {
    hosts.dispose();
    vi.restoreAllMocks();
  });

  it('loads the host list', async () => {
    memory.reply('hosts.list', () => [host(), host({ id: 'lab', name: 'Lab', uri: 'qemu+ssh://lab/system' })]);
    await hosts.getState().load();
    expect(hosts.getState().loaded).toBe(true);
    expect(selectHostIds(hosts.getState())).toEqual(['demo', 'lab']);
  });

  it('keeps an event that arrived while the list was in flight', async () => {
    const held = memory.hold('hosts.list');
    const loading = hosts.getState().load();
    await settle();
    memory.emit('hosts.changed', host({ status: 'unreachable', statusReason: 'timeout' }));
    held[0]!.resolve([host({ status: 'connecting' })]);
    await loading;
    expect(hosts.getState().hosts.demo?.status).toBe('unreachable');
  });

  it('does not bring back a host removed while the list was in flight', async () => {
    const held = memory.hold('hosts.list');
    const loading = hosts.getState().load();
    await settle();
    memory.emit('hosts.removed', { hostId: 'demo' });
    held[0]!.resolve([host()]);
    await loading;
    expect(hosts.getState().hosts).toEqual({});
  });

  it('applies hosts.changed and hosts.removed events', () => {
    memory.emit('hosts.changed', host({ status: 'connecting' }));
    expect(hosts.getState().hosts.demo?.status).toBe('connecting');
    memory.emit('hosts.changed', host({ status: 'connected' }));
    expect(hosts.getState().hosts.demo?.status).toBe('connected');
    hosts.getState().selectHost('demo');
    memory.emit('hosts.removed', { hostId: 'demo' });
    expect(hosts.getState().hosts).toEqual({});
    expect(hosts.getState().selectedHostId).toBeNull();
  });

  it('keeps the same object when an event changes nothing', () => {
    memory.emit('hosts.changed', host());
    const before = hosts.getState().hosts;
    memory.emit('hosts.changed', host());
    expect(hosts.getState().hosts).toBe(before);
  });

  it('adds a host, trimming the name and dropping an empty one', async () => {
    memory.reply('hosts.add', (args) => host({ id: 'lab', name: args.name ?? args.uri, uri: args.uri, status: 'connecting' }));
    const result = await hosts.getState().addHost('qemu+ssh://lab/system', '  Lab  ');
    expect(result.ok).toBe(true);
    expect(memory.calls.at(-1)).toEqual({ method: 'hosts.add', args: { uri: 'qemu+ssh://lab/system', name: 'Lab' } });
    expect(hosts.getState().hosts.lab?.name).toBe('Lab');
    await hosts.getState().addHost('qemu:///system', '   ');
    expect(memory.calls.at(-1)).toEqual({ method: 'hosts.add', args: { uri: 'qemu:///system' } });
  });

  it('does not let the add reply overwrite a newer status event', async () => {
    const held = memory.hold('hosts.add');
    const adding = hosts.getState().addHost('qemu+ssh://lab/system');
    await settle();
    memory.emit('hosts.changed', host({ id: 'lab', status: 'connected' }));
    held[0]!.resolve(host({ id: 'lab', status: 'connecting' }));
    await adding;
    expect(hosts.getState().hosts.lab?.status).toBe('connected');
  });

  it('returns the error of a failed add and shows it as a toast', async () => {
    memory.fail('hosts.add', { name: 'InvalidInput', code: 'payload.invalid', message: 'uri: a libvirt URI looks like …' });
    const result = await hosts.getState().addHost('nonsense');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toBe('uri: a libvirt URI looks like …');
    expect(toasts.getState().toasts).toMatchObject([{ title: 'Could not add host', code: 'payload.invalid' }]);
  });

  it('reports a failed list as a toast and an error state', async () => {
    memory.fail('hosts.list', { name: 'Internal', code: 'internal', message: 'oops' });
    await hosts.getState().load();
    expect(hosts.getState()).toMatchObject({ loaded: true, loadError: 'oops' });
    expect(toasts.getState().toasts).toMatchObject([{ code: 'internal', message: 'oops' }]);
  });

  it('reconnects and removes, marking the host pending meanwhile', async () => {
    memory.emit('hosts.changed', host({ status: 'unreachable', statusReason: 'refused' }));
    const held = memory.hold('hosts.reconnect');
    const reconnecting = hosts.getState().reconnect('demo');
    await settle();
    expect(hosts.getState().pending).toEqual({ demo: 'reconnect' });
    held[0]!.resolve(host({ status: 'connecting' }));
    await reconnecting;
    expect(hosts.getState().pending).toEqual({});
    expect(hosts.getState().hosts.demo?.status).toBe('connecting');

    memory.reply('hosts.remove', () => null);
    expect(await hosts.getState().removeHost('demo')).toBe(true);
    expect(hosts.getState().hosts).toEqual({});
  });

  it('reports a failed removal and keeps the host', async () => {
    memory.emit('hosts.changed', host());
    memory.fail('hosts.remove', { name: 'NotFound', code: 'host.not-found', message: 'no such host' });
    expect(await hosts.getState().removeHost('demo')).toBe(false);
    expect(hosts.getState().hosts.demo).toBeDefined();
    expect(toasts.getState().toasts).toMatchObject([{ title: 'Could not remove host Demo', code: 'host.not-found' }]);
  });

  it('sorts hosts by name and memoizes the list', () => {
    memory.emit('hosts.changed', host({ id: 'b', name: 'beta' }));
    memory.emit('hosts.changed', host({ id: 'a', name: 'Alpha' }));
    memory.emit('hosts.changed', host({ id: 'c', name: 'host10' }));
    memory.emit('hosts.changed', host({ id: 'd', name: 'host9' }));
    const state = hosts.getState();
    expect(selectHostList(state).map((h) => h.id)).toEqual(['a', 'b', 'd', 'c']);
    expect(selectHostList(state)).toBe(selectHostList(state));
  });

  it('unsubscribes from events on dispose', () => {
    expect(memory.listenerCount()).toBe(1);
    hosts.dispose();
    memory.emit('hosts.changed', host());
    expect(hosts.getState().hosts).toEqual({});
  });
});
