/**
 * Guest addresses: what Tandem learned of VMs' IP addresses, by `hostId/uuid`, fed by `vms.addressesFound` (a
 * deployed VM whose address came after its deploy job ended) and by `refresh` (`vms.addresses`, on demand).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GuestAddress } from '../../../preload/api/guestAddresses';
import type { ContractClient } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

export interface GuestAddressesState {
  byVm: Record<string, GuestAddress[]>;
  refresh(hostId: string, uuid: string): Promise<void>;
}

export type GuestAddressesStore = StoreApi<GuestAddressesState> & { dispose(): void };

export const guestAddressKey = (hostId: string, uuid: string): string => `${hostId}/${uuid}`;

export function createGuestAddressesStore(client: ContractClient, toasts: ToastStore): GuestAddressesStore {
  const store = createStore<GuestAddressesState>()((set) => ({
    byVm: {},
    async refresh(hostId, uuid) {
      try {
        const addresses = await client.call('vms.addresses', { hostId, uuid });
        set((state) => ({ byVm: { ...state.byVm, [guestAddressKey(hostId, uuid)]: addresses } }));
      } catch (error) {
        toasts.getState().reportError("Could not read the VM's addresses", error);
      }
    },
  }));
  const off = client.on('vms.addressesFound', ({ hostId, uuid, addresses }) => {
    store.setState((state) => ({ byVm: { ...state.byVm, [guestAddressKey(hostId, uuid)]: addresses } }));
  });
  return Object.assign(store, { dispose: off });
}
