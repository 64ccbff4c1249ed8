/**
 * Active alerts, fed by `alerts.changed` after an initial `alerts.list`. `onRaised` lets the notifier show
 * each newly raised alert once (a desktop notification, or a toast).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Alert, ContractClient } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

export interface AlertsState {
  alerts: Alert[];
  load(): Promise<void>;
  dismiss(id: string): Promise<void>;
}

export type AlertsStore = StoreApi<AlertsState> & {
  /** Called with each batch of newly raised alerts; returns the function that unsubscribes. */
  onRaised(listener: (raised: Alert[]) => void): () => void;
  dispose(): void;
};

export function createAlertsStore(client: ContractClient, toasts: ToastStore): AlertsStore {
  const listeners = new Set<(raised: Alert[]) => void>();
  /** An event newer than a list reply wins. */
  let version = 0;
  const store = createStore<AlertsState>()((set) => ({
    alerts: [],
    async load() {
      const at = version;
      try {
        const alerts = await client.call('alerts.list', {});
        if (version === at) set({ alerts });
      } catch (error) {
        toasts.getState().reportError('Could not load the alerts', error);
      }
    },
    async dismiss(id) {
      try {
        await client.call('alerts.dismiss', { id });
      } catch (error) {
        toasts.getState().reportError('Could not dismiss the alert', error);
      }
    },
  }));
  const off = client.on('alerts.changed', ({ alerts, raised }) => {
    version++;
    store.setState({ alerts });
    if (raised.length > 0) for (const listener of listeners) listener(raised);
  });
  return Object.assign(store, {
    onRaised(listener: (raised: Alert[]) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    dispose: off,
  });
}
