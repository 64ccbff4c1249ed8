/**
 * Checkpoint trees per VM (`checkpoints.list`, kept current by `checkpoints.changed`), and the calls that
 * change them. One operation per VM at a time: `busy` names it while it runs (the engine refuses a second).
 * Also which VM the take dialog is open for (opened from the checkpoint view and the VM context menu).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CheckpointTree } from '../../../preload/api/checkpoints';
import type { ContractClient, VmRef } from '../../../preload/contract';
import type { ToastStore } from './toastStore';
import { vmKey, type VmKey } from './vmsStore';

export type CheckpointOp = 'take' | 'revert' | 'delete' | 'commit';

export interface TakeOptions {
  description?: string;
  /** Disks only (crash-consistent); ignored by the engine for a shut-off VM, which only has disks. */
  diskOnly?: boolean;
  /** For a disk-only checkpoint: freeze the guest's filesystems through its agent when it answers. */
  quiesce?: boolean;
}

export interface CheckpointsState {
  trees: Record<VmKey, CheckpointTree>;
  busy: Record<VmKey, CheckpointOp>;
  /** The VM whose take dialog is open, if any (one at a time, rendered by the shell). */
  takeDialog: VmRef | null;
  openTakeDialog(ref: VmRef): void;
  closeTakeDialog(): void;
  /** Lists the VM's tree; a failure is a toast, or with `quiet` only a console warning (a background refresh). */
  load(ref: VmRef, options?: { quiet?: boolean }): Promise<void>;
  take(ref: VmRef, name: string, options: TakeOptions): Promise<void>;
  revert(ref: VmRef, checkpointId: string): Promise<void>;
  remove(ref: VmRef, checkpointId: string): Promise<void>;
  commit(ref: VmRef, mode: 'fold' | 'copy'): Promise<void>;
}

export type CheckpointsStore = StoreApi<CheckpointsState> & { dispose(): void };

export function createCheckpointsStore(client: ContractClient, toasts: ToastStore): CheckpointsStore {
  const store = createStore<CheckpointsState>()((set, get) => {
    const setTree = (tree: CheckpointTree) => set((s) => ({ trees: { ...s.trees, [vmKey(tree.vm)]: tree } }));
    async function run(ref: VmRef, op: CheckpointOp, what: string, call: () => Promise<CheckpointTree | undefined>): Promise<void> {
      const key = vmKey(ref);
      if (get().busy[key]) return;
      set((s) => ({ busy: { ...s.busy, [key]: op } }));
      try {
        const tree = await call();
        if (tree) setTree(tree);
      } catch (error) {
        toasts.getState().reportError(`Could not ${what}`, error);
      } finally {
        set((s) => {
          const { [key]: _done, ...rest } = s.busy;
          return { busy: rest };
        });
      }
    }
    return {
      trees: {},
      busy: {},
      takeDialog: null,
      openTakeDialog: (ref) => set({ takeDialog: { hostId: ref.hostId, uuid: ref.uuid } }),
      closeTakeDialog: () => set({ takeDialog: null }),
      async load(ref, options = {}) {
        try {
          setTree(await client.call('checkpoints.list', ref));
        } catch (error) {
          if (options.quiet) console.warn(`checkpoints of ${ref.uuid} not listed`, error);
          else toasts.getState().reportError('Could not list the checkpoints', error);
        }
      },
      take: (ref, name, options) =>
        run(ref, 'take', 'take the checkpoint', async () => {
          await client.call('checkpoints.take', { ...ref, name, ...options });
          return client.call('checkpoints.list', ref);
        }),
      revert: (ref, checkpointId) => run(ref, 'revert', 'revert to the checkpoint', () => client.call('checkpoints.revert', { ...ref, checkpointId })),
      remove: (ref, checkpointId) => run(ref, 'delete', 'delete the checkpoint', () => client.call('checkpoints.delete', { ...ref, checkpointId })),
      commit: (ref, mode) => run(ref, 'commit', 'commit the checkpoints', () => client.call('checkpoints.commit', { ...ref, mode })),
    };
  });
  // A host connecting again may be another machine now, or this one (its URI edited), or could not say
  // before (a tree listed while it was down has no sizes): its loaded trees are listed again.
  // Quietly: a flapping host would otherwise toast at every reconnect.
  const connected = new Set<string>();
  const offs = [
    client.on('checkpoints.changed', (tree) => store.setState((s) => ({ trees: { ...s.trees, [vmKey(tree.vm)]: tree } }))),
    client.on('hosts.changed', (host) => {
      if (host.status !== 'connected') {
        connected.delete(host.id);
        return;
      }
      if (connected.has(host.id)) return;
      connected.add(host.id);
      for (const tree of Object.values(store.getState().trees)) if (tree.vm.hostId === host.id) void store.getState().load(tree.vm, { quiet: true });
    }),
  ];
  return Object.assign(store, { dispose: () => offs.forEach((off) => off()) });
}
