/**
 * The topology view: whether it is open. The networks it draws are the networks store's (read per host the
 * first time the view shows it, then kept live by `networks.changed`); hosts and VMs come from their stores.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { NetworksStore } from '../stores/networksStore';

export interface TopologyState {
  open: boolean;
  show(open: boolean): void;
  /** Reads the hosts' networks again (the view's Refresh). */
  reload(hostIds: string[]): Promise<void>;
}

export type TopologyStore = StoreApi<TopologyState>;

export function createTopologyStore(networks: NetworksStore): TopologyStore {
  return createStore<TopologyState>()((set) => ({
    open: false,
    show(open) {
      set({ open });
    },
    async reload(hostIds) {
      await Promise.all(hostIds.map((hostId) => networks.getState().load(hostId)));
    },
  }));
}
