/**
 * The host page: which host is open (null: the VM table) and its details as last read with `hosts.details`.
 * Reloaded when the page opens, on demand, and when the open host (re)connects.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient, HostDetails } from '../../../preload/contract';

export interface HostPageState {
  openHostId: string | null;
  details: HostDetails | null;
  loading: boolean;
  error: string | null;
  open(hostId: string): void;
  close(): void;
  reload(): Promise<void>;
}

export type HostPageStore = StoreApi<HostPageState> & { dispose(): void };

export function createHostPageStore(client: ContractClient): HostPageStore {
  const store = createStore<HostPageState>()((set, get) => ({
    openHostId: null,
    details: null,
    loading: false,
    error: null,
    open(hostId) {
      set({ openHostId: hostId, details: null, error: null });
      void get().reload();
    },
    close() {
      set({ openHostId: null, details: null, error: null, loading: false });
    },
    async reload() {
      const hostId = get().openHostId;
      if (!hostId) return;
      set({ loading: true });
      try {
        const details = await client.call('hosts.details', { hostId });
        if (get().openHostId === hostId) set({ details, error: null, loading: false });
      } catch (error) {
        if (get().openHostId === hostId) set({ error: error instanceof Error ? error.message : String(error), loading: false });
      }
    },
  }));
  const unsubscribers = [
    client.on('hosts.changed', (host) => {
      const state = store.getState();
      if (host.id === state.openHostId && host.status === 'connected' && (state.error || !state.details)) void state.reload();
    }),
    client.on('hosts.removed', ({ hostId }) => {
      if (store.getState().openHostId === hostId) store.getState().close();
    }),
  ];
  return Object.assign(store, {
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  });
}
