/**
 * The hardware editor's state (VmHardwareEditor is its view): the VM shown, its hardware as last read, the
 * form, and the outcome of the last edit. Out of the component so its races are unit-tested:
 * - only the answer to the latest read of the VM now shown is used: a slower, older read (of another VM, or
 *   from before an edit) never replaces it, so the form and the changes computed from it always belong to
 *   the VM the edit is sent to;
 * - after an edit the hardware is read again, unless main refused it as invalid (then nothing changed and
 *   the user's input stays, with its field errors): a failure part-way leaves part of the edit in effect.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ContractCallError } from '../../../preload/client';
import type { ContractClient, FieldResult, VmHardware, VmRef } from '../../../preload/contract';
import { changesFromForm, formFromHardware, type HardwareForm } from './hardwareForm';

export type EditStatus = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; results: FieldResult[] } | { kind: 'failed'; message: string };

export interface HardwareEditorState {
  ref: VmRef | null;
  hardware: VmHardware | null;
  form: HardwareForm | null;
  errors: Record<string, string>;
  status: EditStatus;
  loadError: string | null;
  /** Shows `ref` (another VM: everything of the previous one is dropped) and reads its hardware. */
  show(ref: VmRef): Promise<void>;
  /** Reads the shown VM's hardware again; the form is replaced by what the VM now has. */
  load(): Promise<void>;
  update(patch: Partial<HardwareForm>): void;
  reset(): void;
  apply(): Promise<void>;
}

export type HardwareEditorStore = StoreApi<HardwareEditorState>;

const sameVm = (a: VmRef | null, b: { hostId: string; uuid: string } | null) => !!a && !!b && a.hostId === b.hostId && a.uuid === b.uuid;

export function createHardwareEditorStore(client: ContractClient): HardwareEditorStore {
  /** Numbers every read; an answer is used only if no read or edit started after it. */
  let latest = 0;
  return createStore<HardwareEditorState>()((set, get) => ({
    ref: null,
    hardware: null,
    form: null,
    errors: {},
    status: { kind: 'idle' },
    loadError: null,
    show(ref) {
      if (!sameVm(get().ref, ref)) {
        latest++;
        set({ ref: { hostId: ref.hostId, uuid: ref.uuid }, hardware: null, form: null, errors: {}, status: { kind: 'idle' }, loadError: null });
      }
      return get().load();
    },
    async load() {
      const ref = get().ref;
      if (!ref) return;
      const request = ++latest;
      try {
        const hardware = await client.call('vms.hardware', ref);
        if (request !== latest || !sameVm(get().ref, hardware)) return;
        set({ hardware, form: formFromHardware(hardware), loadError: null });
      } catch (error) {
        if (request !== latest) return;
        set({ loadError: error instanceof Error ? error.message : String(error) });
      }
    },
    update(patch) {
      const form = get().form;
      if (form) set({ form: { ...form, ...patch } });
    },
    reset() {
      const hardware = get().hardware;
      if (hardware) set({ form: formFromHardware(hardware), errors: {} });
    },
    async apply() {
      const { ref, form, hardware } = get();
      // The form is only ever filled from this VM's hardware; checked anyway, an edit goes to one VM only.
      if (!ref || !form || !hardware || !sameVm(ref, hardware)) return;
      const { changes, errors } = changesFromForm(form, hardware);
      set({ errors });
      if (Object.keys(errors).length > 0) return;
      set({ status: { kind: 'saving' } });
      // Reads started before or during the edit may describe the VM before it: their answers are dropped.
      latest++;
      const stillShown = () => sameVm(get().ref, ref);
      try {
        const outcome = await client.call('vms.editHardware', { ...ref, changes });
        if (!stillShown()) return;
        latest++;
        set({ hardware: outcome.hardware, form: formFromHardware(outcome.hardware) });
        set({ status: { kind: 'saved', results: outcome.results } });
      } catch (error) {
        if (!stillShown()) return;
        const invalid = error instanceof ContractCallError && error.code === 'vm.hardware-invalid';
        const fieldErrors = invalid ? (error.details?.fieldErrors as Record<string, string> | undefined) : undefined;
        set({ errors: fieldErrors ?? {}, status: { kind: 'failed', message: error instanceof Error ? error.message : String(error) } });
        // Refused as invalid: nothing changed, the user's input stays to be corrected.
        if (invalid) return;
      }
      // Whatever main answered, show what the VM has now (a part-applied edit is partly in effect).
      await get().load();
    },
  }));
}
