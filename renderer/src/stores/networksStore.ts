/**
 * VM networks, per host: read with `networks.list` when a view first needs a host's networks, then kept live
 * by `networks.changed` (main re-lists a host's networks on libvirt's network events and domain
 * definitions). A listing is applied only if no event for that host arrived while it ran, so an older answer
 * never replaces a newer event. A host that (re)connects is read again if it had been read before.
 * Actions (create, start, stop, autostart, delete) report their errors to the caller: the views show them
 * at the field or on the row.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ContractCallError } from '../../../preload/client';
import type { ContractClient, MethodInput } from '../../../preload/contract';
import type { NetworkSummary } from '../../../preload/api/networks';
import { EventClock } from './eventClock';

export interface HostNetworks {
  networks: NetworkSummary[];
  /** The first listing answered (with the list or `error`). */
  loaded: boolean;
  loading: boolean;
  /** Why the last listing failed (the list, if any, is the one before). */
  error?: string;
}

export type NetworkAction = 'start' | 'stop' | 'autostart' | 'delete';

export type CreateNetworkResult =
  | { ok: true; network: NetworkSummary }
  /** `fields`: the error at its field (details.field), when main named one. */
  | { ok: false; message: string; fields: Record<string, string> };

export interface NetworksState {
  byHost: Record<string, HostNetworks>;
  /** Actions running, by `${hostId}/${name}`. */
  busy: Record<string, NetworkAction>;
  /** Why the last action on a network failed, by `${hostId}/${name}`. */
  rowErrors: Record<string, string>;
  load(hostId: string): Promise<void>;
  /** Loads each host not read yet (views call it when they show hosts). */
  ensure(hostIds: readonly string[]): void;
  create(request: MethodInput<'networks.create'>): Promise<CreateNetworkResult>;
  start(hostId: string, name: string): Promise<boolean>;
  stop(hostId: string, name: string): Promise<boolean>;
  setAutostart(hostId: string, name: string, autostart: boolean): Promise<boolean>;
  remove(hostId: string, name: string): Promise<boolean>;
}

export type NetworksStore = StoreApi<NetworksState> & { dispose(): void };

export const networkKey = (hostId: string, name: string) => `${hostId}/${name}`;

const EMPTY: HostNetworks = { networks: [], loaded: false, loading: false };

/** The host's networks as the store has them (a stable empty value before the first listing). */
export function selectHostNetworks(state: NetworksState, hostId: string): HostNetworks {
  return state.byHost[hostId] ?? EMPTY;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createNetworksStore(client: ContractClient): NetworksStore {
  const clock = new EventClock();
  const store = createStore<NetworksState>()((set, get) => {
    const patchHost = (hostId: string, patch: Partial<HostNetworks>) =>
      set((state) => ({ byHost: { ...state.byHost, [hostId]: { ...(state.byHost[hostId] ?? EMPTY), ...patch } } }));
    const setBusy = (key: string, action: NetworkAction | null) =>
      set((state) => {
        const busy = { ...state.busy };
        if (action) busy[key] = action;
        else delete busy[key];
        const rowErrors = { ...state.rowErrors };
        if (action) delete rowErrors[key];
        return { busy, rowErrors };
      });
    /** Runs an action on one network; the list itself changes through the event main sends. */
    const act = async (hostId: string, name: string, action: NetworkAction, call: () => Promise<unknown>): Promise<boolean> => {
      const key = networkKey(hostId, name);
      setBusy(key, action);
      try {
        await call();
        setBusy(key, null);
        return true;
      } catch (error) {
        setBusy(key, null);
        set((state) => ({ rowErrors: { ...state.rowErrors, [key]: messageOf(error) } }));
        return false;
      }
    };
    return {
      byHost: {},
      busy: {},
      rowErrors: {},
      async load(hostId) {
        const mark = clock.mark();
        patchHost(hostId, { loading: true });
        try {
          const networks = await client.call('networks.list', { hostId });
          if (clock.changedSince(hostId, mark)) patchHost(hostId, { loading: false });
          else patchHost(hostId, { networks, loaded: true, loading: false, error: undefined });
        } catch (error) {
          patchHost(hostId, { loaded: true, loading: false, error: messageOf(error) });
        }
      },
      ensure(hostIds) {
        for (const hostId of hostIds) {
          const current = get().byHost[hostId];
          if (!current || (!current.loaded && !current.loading)) void get().load(hostId);
        }
      },
      async create(request) {
        try {
          const network = await client.call('networks.create', request);
          return { ok: true, network };
        } catch (error) {
          const field = error instanceof ContractCallError && typeof error.details?.field === 'string' ? error.details.field : undefined;
          return { ok: false, message: messageOf(error), fields: field ? { [field]: messageOf(error) } : {} };
        }
      },
      start: (hostId, name) => act(hostId, name, 'start', () => client.call('networks.start', { hostId, name })),
      stop: (hostId, name) => act(hostId, name, 'stop', () => client.call('networks.stop', { hostId, name })),
      setAutostart: (hostId, name, autostart) => act(hostId, name, 'autostart', () => client.call('networks.setAutostart', { hostId, name, autostart })),
      remove: (hostId, name) => act(hostId, name, 'delete', () => client.call('networks.delete', { hostId, name })),
    };
  });
  const unsubscribers = [
    client.on('networks.changed', ({ hostId, networks }) => {
      clock.touch(hostId);
      store.setState((state) => ({ byHost: { ...state.byHost, [hostId]: { networks, loaded: true, loading: false } } }));
    }),
    client.on('hosts.changed', (host) => {
      const current = store.getState().byHost[host.id];
      // Changes made while the host was away arrive with no event: read it again once it is back.
      if (host.status === 'connected' && current?.loaded && !current.loading) void store.getState().load(host.id);
    }),
    client.on('hosts.removed', ({ hostId }) => {
      store.setState((state) => {
        if (!(hostId in state.byHost)) return state;
        const { [hostId]: _removed, ...byHost } = state.byHost;
        return { byHost };
      });
    }),
  ];
  return Object.assign(store, {
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  });
}
