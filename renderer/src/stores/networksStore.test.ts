import { describe, expect, it } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { NetworkSummary } from '../../../preload/api/networks';
import { host } from '../testing/fixtures';
import { createMemoryTransport, settle } from '../testing/memoryTransport';
import { createNetworksStore, selectHostNetworks } from './networksStore';

const net = (name: string, patch: Partial<NetworkSummary> = {}): NetworkSummary => ({
  hostId: 'demo',
  name,
  uuid: name,
  mode: 'nat',
  bridge: null,
  forwardDevice: null,
  subnets: ['10.0.0.0/24'],
  dhcpRange: null,
  active: true,
  persistent: true,
  autostart: true,
  vms: [],
  ...patch,
});

function setup() {
  const memory = createMemoryTransport();
  const store = createNetworksStore(createContractClient(memory.transport));
  const names = (hostId = 'demo') => selectHostNetworks(store.getState(), hostId).networks.map((n) => n.name);
  return { memory, store, names };
}

describe('the networks store', () => {
  it('lists a host once, then follows networks.changed', async () => {
    const { memory, store, names } = setup();
    memory.reply('networks.list', () => [net('default')]);
    store.getState().ensure(['demo']);
    store.getState().ensure(['demo']); // already loading: no second call
    await settle();
    expect(memory.calls.filter((c) => c.method === 'networks.list')).toHaveLength(1);
    expect(names()).toEqual(['default']);
    memory.emit('networks.changed', { hostId: 'demo', networks: [net('default'), net('lab')] });
    expect(names()).toEqual(['default', 'lab']);
  });

  it('keeps an event that came while a listing ran over the older listing', async () => {
    const { memory, store, names } = setup();
    const held = memory.hold('networks.list');
    void store.getState().load('demo');
    await settle();
    memory.emit('networks.changed', { hostId: 'demo', networks: [net('newer')] });
    held[0]!.resolve([net('older')]);
    await settle();
    expect(names()).toEqual(['newer']);
    expect(selectHostNetworks(store.getState(), 'demo')).toMatchObject({ loaded: true, loading: false });
  });

  it('reads a host again when it reconnects, if it was read before; forgets a removed host', async () => {
    const { memory, store, names } = setup();
    let listed = [net('a')];
    memory.reply('networks.list', () => listed);
    await store.getState().load('demo');
    listed = [net('a'), net('made-while-away')];
    memory.emit('hosts.changed', host({ status: 'unreachable' }));
    await settle();
    expect(names()).toEqual(['a']);
    memory.emit('hosts.changed', host({ status: 'connected' }));
    await settle();
    expect(names()).toEqual(['a', 'made-while-away']);
    memory.emit('hosts.changed', host({ id: 'other', status: 'connected' }));
    await settle();
    expect(memory.calls.filter((c) => c.method === 'networks.list')).toHaveLength(2); // never read before: not read now
    memory.emit('hosts.removed', { hostId: 'demo' });
    expect(store.getState().byHost).toEqual({});
  });

  it("says why a listing failed, and keeps an action's failure on its row until the next action", async () => {
    const { memory, store } = setup();
    memory.fail('networks.list', { name: 'HostUnreachable', code: 'host.not-connected', message: 'Host "Demo" is not connected' });
    await store.getState().load('demo');
    expect(selectHostNetworks(store.getState(), 'demo').error).toBe('Host "Demo" is not connected');

    memory.fail('networks.delete', { name: 'Conflict', code: 'network.in-use', message: 'The network "lab" is used by "web"' });
    const held = memory.hold('networks.stop');
    const deleted = store.getState().remove('demo', 'lab');
    expect(store.getState().busy).toEqual({ 'demo/lab': 'delete' });
    expect(await deleted).toBe(false);
    expect(store.getState().rowErrors).toEqual({ 'demo/lab': 'The network "lab" is used by "web"' });
    const stopped = store.getState().stop('demo', 'lab');
    expect(store.getState().rowErrors).toEqual({});
    await settle();
    held[0]!.resolve(net('lab', { active: false }));
    expect(await stopped).toBe(true);
    expect(store.getState().busy).toEqual({});
  });

  it("hands a create refusal's field to the form", async () => {
    const { memory, store } = setup();
    memory.fail('networks.create', {
      name: 'Conflict',
      code: 'network.subnet-overlap',
      message: 'The subnet 10.0.0.0/16 overlaps 10.0.0.0/24 of the network "a"',
      details: { field: 'subnet', network: 'a' },
    });
    const result = await store.getState().create({ hostId: 'demo', name: 'b', mode: 'nat', subnet: '10.0.0.0/16' });
    expect(result).toEqual({
      ok: false,
      message: 'The subnet 10.0.0.0/16 overlaps 10.0.0.0/24 of the network "a"',
      fields: { subnet: 'The subnet 10.0.0.0/16 overlaps 10.0.0.0/24 of the network "a"' },
    });
  });
});
