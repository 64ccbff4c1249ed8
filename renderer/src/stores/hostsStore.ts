/**
 * Hosts, by id, fed by `hosts.changed` / `hosts.removed` events after an initial `hosts.list`.
 * Also holds which host the sidebar has selected (null = "All hosts").
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ContractCallError } from '../../../preload/client';
import type { ContractClient, HostSummary } from '../../../preload/contract';
import { EventClock, mergeSnapshot, shallowEqualRecord } from './eventClock';
import type { ToastStore } from './toastStore';

export type HostOperation = 'reconnect' | 'remove';

export type AddHostResult = { ok: true; host: HostSummary } | { ok: false; error: ContractCallError | Error };

export interface HostsState {
  hosts: Record<string, HostSummary>;
  /** The first `hosts.list` has answered (successfully or not). */
  loaded: boolean;
  loadError: string | null;
  selectedHostId: string | null;
  /** Operations in flight per host, to show progress and disable the buttons. */
  pending: Record<string, HostOperation>;

  load(): Promise<void>;
  addHost(uri: string, name?: string): Promise<AddHostResult>;
  /** Renames a host and/or points it at another URI (main reconnects it). */
  updateHost(hostId: string, changes: { name?: string; uri?: string }): Promise<AddHostResult>;
  removeHost(hostId: string): Promise<boolean>;
  reconnect(hostId: string): Promise<void>;
  selectHost(hostId: string | null): void;
}

export type HostsStore = StoreApi<HostsState> & { dispose(): void };

export function createHostsStore(client: ContractClient, toasts: ToastStore): HostsStore {
  const clock = new EventClock();

  const store = createStore<HostsState>()((set, get) => {
    /** Applies a reply's host unless an event for it arrived since the call started. */
    const applyReply = (host: HostSummary, mark: number) => {
      if (clock.changedSince(host.id, mark)) return;
      set((state) => {
        const existing = state.hosts[host.id];
        if (existing && shallowEqualRecord(existing, host)) return state;
        return { hosts: { ...state.hosts, [host.id]: host } };
      });
    };
    const setPending = (hostId: string, operation: HostOperation | null) =>
      set((state) => {
        const pending = { ...state.pending };
        if (operation) pending[hostId] = operation;
        else delete pending[hostId];
        return { pending };
      });

    return {
      hosts: {},
      loaded: false,
      loadError: null,
      selectedHostId: null,
      pending: {},

      async load() {
        const mark = clock.mark();
        try {
          const list = await client.call('hosts.list', {});
          set((state) => ({
            hosts: mergeSnapshot(state.hosts, list, (host) => host.id, () => true, clock, mark),
            loaded: true,
            loadError: null,
          }));
        } catch (error) {
          set({ loaded: true, loadError: error instanceof Error ? error.message : String(error) });
          toasts.getState().reportError('Could not list hosts', error);
        }
      },

      async addHost(uri, name) {
        const mark = clock.mark();
        const trimmedName = name?.trim();
        try {
          const host = await client.call('hosts.add', trimmedName ? { uri, name: trimmedName } : { uri });
          applyReply(host, mark);
          return { ok: true, host };
        } catch (error) {
          toasts.getState().reportError('Could not add host', error);
          return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
        }
      },

      async updateHost(hostId, changes) {
        const mark = clock.mark();
        try {
          const host = await client.call('hosts.update', { hostId, ...changes });
          applyReply(host, mark);
          return { ok: true, host };
        } catch (error) {
          toasts.getState().reportError(`Could not change host ${get().hosts[hostId]?.name ?? hostId}`, error);
          return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
        }
      },

      async removeHost(hostId) {
        setPending(hostId, 'remove');
        try {
          await client.call('hosts.remove', { hostId });
          // The `hosts.removed` event removes it too; doing it here as well is idempotent.
          clock.touch(hostId);
          removeLocally(hostId);
          return true;
        } catch (error) {
          toasts.getState().reportError(`Could not remove host ${get().hosts[hostId]?.name ?? hostId}`, error);
          return false;
        } finally {
          setPending(hostId, null);
        }
      },

      async reconnect(hostId) {
        const mark = clock.mark();
        setPending(hostId, 'reconnect');
        try {
          applyReply(await client.call('hosts.reconnect', { hostId }), mark);
        } catch (error) {
          toasts.getState().reportError(`Could not reconnect to ${get().hosts[hostId]?.name ?? hostId}`, error);
        } finally {
          setPending(hostId, null);
        }
      },

      selectHost(hostId) {
        set({ selectedHostId: hostId });
      },
    };
  });

  function removeLocally(hostId: string) {
    store.setState((state) => {
      if (!(hostId in state.hosts) && state.selectedHostId !== hostId) return state;
      const hosts = { ...state.hosts };
      delete hosts[hostId];
      return { hosts, selectedHostId: state.selectedHostId === hostId ? null : state.selectedHostId };
    });
  }

  const unsubscribers = [
    client.on('hosts.changed', (host) => {
      clock.touch(host.id);
      store.setState((state) => {
        const existing = state.hosts[host.id];
        if (existing && shallowEqualRecord(existing, host)) return state;
        return { hosts: { ...state.hosts, [host.id]: host } };
      });
    }),
    client.on('hosts.removed', ({ hostId }) => {
      clock.touch(hostId);
      removeLocally(hostId);
    }),
  ];

  return Object.assign(store, {
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Selectors

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const hostListCache = new WeakMap<Record<string, HostSummary>, HostSummary[]>();

/** Hosts sorted by name (then id); the same array for the same `hosts` object. */
export function selectHostList(state: Pick<HostsState, 'hosts'>): HostSummary[] {
  let list = hostListCache.get(state.hosts);
  if (!list) {
    list = Object.values(state.hosts).sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.id, b.id));
    hostListCache.set(state.hosts, list);
  }
  return list;
}

/** The ids of the hosts in display order (stable with shallow equality while only details change). */
export function selectHostIds(state: Pick<HostsState, 'hosts'>): string[] {
  return selectHostList(state).map((host) => host.id);
}
