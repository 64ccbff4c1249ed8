/**
 * Migration actions for the UI: the check, starting a migration, evacuating a host. The progress lives in
 * the jobs store (jobs.changed); this store only remembers which evacuations are being requested.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { MigrationCheckResult, MigrationOptions } from '../../../preload/api/migration';
import type { ContractClient, VmRef, VmSummary } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

export type EvacuationSettings = Omit<MigrationOptions, 'destinationHostId'>;

export interface MigrationState {
  /**
   * The VM whose migration dialog is open. Kept here, not in the VM's panel: the VM leaves its host when the
   * migration ends, and the dialog must stay to show the report.
   */
  dialogVm: VmSummary | null;
  openDialog(vm: VmSummary): void;
  closeDialog(): void;
  /** Hosts whose evacuation request is in flight. */
  evacuating: Record<string, true>;
  /** Rejects with the contract error (the dialog shows it in place). */
  check(ref: VmRef, options: MigrationOptions): Promise<MigrationCheckResult>;
  /** The job id, or null when refused (a toast says why). */
  start(ref: VmRef, name: string, options: MigrationOptions): Promise<string | null>;
  evacuate(hostId: string, hostName: string, options: EvacuationSettings): Promise<string | null>;
}

export type MigrationStore = StoreApi<MigrationState>;

export function createMigrationStore(client: ContractClient, toasts: ToastStore): MigrationStore {
  return createStore<MigrationState>()((set) => ({
    dialogVm: null,
    openDialog: (vm) => set({ dialogVm: vm }),
    closeDialog: () => set({ dialogVm: null }),
    evacuating: {},
    check: (ref, options) => client.call('migration.check', { hostId: ref.hostId, uuid: ref.uuid, options }),
    async start(ref, name, options) {
      try {
        return (await client.call('migration.start', { hostId: ref.hostId, uuid: ref.uuid, options })).job.id;
      } catch (error) {
        toasts.getState().reportError(`Could not migrate ${name}`, error);
        return null;
      }
    },
    async evacuate(hostId, hostName, options) {
      set((s) => ({ evacuating: { ...s.evacuating, [hostId]: true } }));
      try {
        return (await client.call('migration.evacuate', { hostId, options })).job.id;
      } catch (error) {
        toasts.getState().reportError(`Could not evacuate ${hostName}`, error);
        return null;
      } finally {
        set((s) => {
          const evacuating = { ...s.evacuating };
          delete evacuating[hostId];
          return { evacuating };
        });
      }
    },
  }));
}
