/**
 * Credential requests from main (a host asks for a password while Tandem connects to it), in arrival
 * order; the dialog shows the first. Fed by `credentials.requested` / `credentials.closed` after an initial
 * `credentials.pending`. Answers go straight to main; nothing typed is kept here after sending.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient, CredentialRequest } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

export interface CredentialsState {
  requests: CredentialRequest[];
  load(): Promise<void>;
  answer(requestId: string, values: string[], remember: boolean): Promise<void>;
  cancel(requestId: string): Promise<void>;
}

export type CredentialsStore = StoreApi<CredentialsState> & { dispose(): void };

export function createCredentialsStore(client: ContractClient, toasts: ToastStore): CredentialsStore {
  const store = createStore<CredentialsState>()((set) => {
    const drop = (requestId: string) => set((state) => ({ requests: state.requests.filter((r) => r.requestId !== requestId) }));
    return {
      requests: [],
      async load() {
        try {
          const open = await client.call('credentials.pending', {});
          set((state) => ({ requests: [...state.requests, ...open.filter((r) => !state.requests.some((s) => s.requestId === r.requestId))] }));
        } catch (error) {
          toasts.getState().reportError('Could not list credential requests', error);
        }
      },
      async answer(requestId, values, remember) {
        drop(requestId);
        try {
          await client.call('credentials.answer', { requestId, values, remember });
        } catch (error) {
          toasts.getState().reportError('Could not send the credentials', error);
        }
      },
      async cancel(requestId) {
        drop(requestId);
        try {
          await client.call('credentials.answer', { requestId, cancel: true });
        } catch (error) {
          toasts.getState().reportError('Could not cancel the credential request', error);
        }
      },
    };
  });
  const unsubscribers = [
    client.on('credentials.requested', (request) =>
      store.setState((state) => (state.requests.some((r) => r.requestId === request.requestId) ? state : { requests: [...state.requests, request] })),
    ),
    client.on('credentials.closed', ({ requestId }) =>
      store.setState((state) => ({ requests: state.requests.filter((r) => r.requestId !== requestId) })),
    ),
  ];
  return Object.assign(store, {
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  });
}
