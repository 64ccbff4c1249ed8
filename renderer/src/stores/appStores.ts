/**
 * The renderer's stores, one per capability, all fed by the same contract client. Created once per window;
 * `dispose()` releases every event subscription.
 */
import type { ContractClient } from '../../../preload/contract';
import { createCheckpointsStore, type CheckpointsStore } from './checkpointsStore';
import { createConnectionStore, type ConnectionStore } from './connectionStore';
import { createHostsStore, type HostsStore } from './hostsStore';
import { createToastStore, type ToastStore, type ToastStoreOptions } from './toastStore';
import { createVmsStore, type VmsStore } from './vmsStore';

export interface AppStores {
  toasts: ToastStore;
  connection: ConnectionStore;
  hosts: HostsStore;
  vms: VmsStore;
  checkpoints: CheckpointsStore;
  /** The initial loads; events are already subscribed, so nothing that happens meanwhile is missed. */
  start(): Promise<void>;
  dispose(): void;
}

export function createAppStores(client: ContractClient, toastOptions?: ToastStoreOptions): AppStores {
  const toasts = createToastStore(toastOptions);
  const connection = createConnectionStore(client, toasts);
  const hosts = createHostsStore(client, toasts);
  const vms = createVmsStore(client, toasts);
  const checkpoints = createCheckpointsStore(client, toasts);
  return {
    toasts,
    connection,
    hosts,
    vms,
    checkpoints,
    async start() {
      await Promise.all([connection.getState().loadInfo(), hosts.getState().load(), vms.getState().load()]);
    },
    dispose() {
      hosts.dispose();
      vms.dispose();
      checkpoints.dispose();
    },
  };
}
