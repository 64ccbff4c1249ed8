import { describe, expect, it } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { HostDetails } from '../../../preload/contract';
import { host } from '../testing/fixtures';
import { createMemoryTransport } from '../testing/memoryTransport';
import { createHostPageStore } from './hostPageStore';

const details: HostDetails = {
  hostId: 'demo',
  arch: 'x86_64',
  acceleration: 'tcg',
  domainTypes: ['qemu'],
  cpus: 2,
  memoryKiB: 4096,
  freeMemoryKiB: 1024,
  pools: [],
  runningVms: [],
};

describe('hostPageStore', () => {
  it('loads details on open, keeps the error of a host that is down, reloads when it reconnects, closes when removed', async () => {
    const memory = createMemoryTransport();
    let down = true;
    memory.reply('hosts.details', () => {
      if (down) throw Object.assign(new Error('Host "demo" is not connected'), { name: 'HostUnreachable' });
      return details;
    });
    const store = createHostPageStore(createContractClient(memory.transport));
    store.getState().open('demo');
    await expect.poll(() => store.getState().loading).toBe(false);
    expect(store.getState().error).toMatch(/not connected/);
    down = false;
    memory.emit('hosts.changed', host({ status: 'connected' }));
    await expect.poll(() => store.getState().details).toEqual(details);
    expect(store.getState().error).toBeNull();
    memory.emit('hosts.removed', { hostId: 'demo' });
    expect(store.getState().openHostId).toBeNull();
    store.dispose();
  });
});
