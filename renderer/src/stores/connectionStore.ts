/**
 * The renderer's link to Tandem itself: whether the transport is up, and what `app.info` says.
 * In Electron the IPC bridge never closes; in browser mode the WebSocket can.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient, MethodOutput } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

export type ConnectionStatus = 'open' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  info: MethodOutput<'app.info'> | null;
  markClosed(): void;
  loadInfo(): Promise<void>;
}

export type ConnectionStore = StoreApi<ConnectionState>;

export function createConnectionStore(client: ContractClient, toasts: ToastStore): ConnectionStore {
  return createStore<ConnectionState>()((set) => ({
    status: 'open',
    info: null,
    markClosed() {
      set({ status: 'closed' });
    },
    async loadInfo() {
      try {
        set({ info: await client.call('app.info', {}) });
      } catch (error) {
        toasts.getState().reportError('Could not reach Tandem', error);
      }
    },
  }));
}
