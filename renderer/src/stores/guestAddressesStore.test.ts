import { describe, expect, it } from 'vitest';
import type { GuestAddress } from '../../../preload/api/guestAddresses';
import { createContractClient } from '../../../preload/client';
import { createMemoryTransport } from '../testing/memoryTransport';
import { createGuestAddressesStore } from './guestAddressesStore';
import { createToastStore } from './toastStore';

const LEASE: GuestAddress = { address: '10.1.0.7', prefix: 24, family: 'ipv4', mac: '52:54:00:aa:bb:cc', interface: 'vnet0', source: 'lease' };

describe('guestAddressesStore', () => {
  it('keeps the addresses announced for a VM, until disposed', () => {
    const memory = createMemoryTransport();
    const store = createGuestAddressesStore(createContractClient(memory.transport), createToastStore({ autoDismissMs: 0 }));
    memory.emit('vms.addressesFound', { hostId: 'h1', uuid: 'u1', addresses: [LEASE] });
    expect(store.getState().byVm).toEqual({ 'h1/u1': [LEASE] });
    store.dispose();
    memory.emit('vms.addressesFound', { hostId: 'h1', uuid: 'u2', addresses: [LEASE] });
    expect(Object.keys(store.getState().byVm)).toEqual(['h1/u1']);
  });

  it('refresh reads vms.addresses; a failure becomes a toast', async () => {
    const memory = createMemoryTransport();
    const toasts = createToastStore({ autoDismissMs: 0 });
    const store = createGuestAddressesStore(createContractClient(memory.transport), toasts);
    memory.reply('vms.addresses', () => [LEASE]);
    await store.getState().refresh('h1', 'u1');
    expect(memory.calls).toEqual([{ method: 'vms.addresses', args: { hostId: 'h1', uuid: 'u1' } }]);
    expect(store.getState().byVm['h1/u1']).toEqual([LEASE]);
    memory.fail('vms.addresses', { name: 'NotFound', code: 'libvirt.VIR_ERR_NO_DOMAIN', message: 'Domain not found' });
    await store.getState().refresh('h1', 'gone');
    expect(toasts.getState().toasts[0]).toMatchObject({ code: 'libvirt.VIR_ERR_NO_DOMAIN' });
    store.dispose();
  });
});
