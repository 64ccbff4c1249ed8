/**
 * The topology view: whether it is open, and each connected host's networks as last read with
 * `networks.list` (hosts and VMs come from their own stores). Reloaded when the view opens and on demand.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../preload/contract';
import type { NetworkSummary } from '../../../preload/api/networks';

export interface TopologyState {
  open: boolean;
  networks: Record<string, NetworkSummary[]>;
  /** Per host: why its networks could not be read. */
  errors: Record<string, string>;
  loading: boolean;
  show(open: boolean): void;
  reload(hostIds: string[]): Promise<void>;
}

export type TopologyStore = StoreApi<TopologyState>;

export function createTopologyStore(client: ContractClient): TopologyStore {
  return createStore<TopologyState>()((set) => ({
    open: false,
    networks: {},
    errors: {},
    loading: false,
    show(open) {
      set({ open });
    },
    async reload(hostIds) {
      set({ loading: true });
      const results = await Promise.all(
        hostIds.map(async (hostId) => {
          try {
            return { hostId, networks: await client.call('networks.list', { hostId }) };
          } catch (error) {
            return { hostId, networks: undefined, error: (error as Error).message };
          }
        }),
      );
      const networks: Record<string, NetworkSummary[]> = {};
      const errors: Record<string, string> = {};
      for (const result of results) {
        if (result.networks) networks[result.hostId] = result.networks;
        else errors[result.hostId] = result.error ?? 'unknown error';
      }
      set({ networks, errors, loading: false });
    },
  }));
}
