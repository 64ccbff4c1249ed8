import type { VmSummary } from '../../../preload/contract';
import { useStores, useVms } from '../stores/StoresContext';
import { canRunAction, VM_ACTION_LABELS, VM_ACTIONS, vmKey, type VmAction } from '../stores/vmsStore';

const ACTION_STYLE: Record<VmAction, string> = {
  start: 'btn btn-primary',
  shutdown: 'btn',
  reboot: 'btn',
  suspend: 'btn',
  resume: 'btn btn-primary',
  destroy: 'btn btn-danger',
};

const ACTION_HINTS: Record<VmAction, string> = {
  start: 'Boot the VM',
  shutdown: 'Ask the guest to shut down (ACPI)',
  destroy: 'Stop the VM immediately, like pulling the plug',
  reboot: 'Ask the guest to reboot',
  suspend: 'Pause the VM’s vCPUs',
  resume: 'Resume the paused VM',
};

/** The lifecycle buttons, enabled according to the VM's live state; disabled while a call is in flight. */
export function VmActions({ vm }: { vm: VmSummary }) {
  const { vms } = useStores();
  const busy = useVms((state) => state.busy[vmKey(vm)]);
  return (
    <div className="vm-actions" role="toolbar" aria-label="Lifecycle">
      {VM_ACTIONS.map((action) => (
        <button
          key={action}
          type="button"
          className={ACTION_STYLE[action]}
          data-testid={`vm-action-${action}`}
          title={ACTION_HINTS[action]}
          disabled={!!busy || !canRunAction(action, vm.state)}
          aria-busy={busy === action ? true : undefined}
          onClick={() => void vms.getState().runAction({ hostId: vm.hostId, uuid: vm.uuid }, action)}
        >
          {busy === action && <span className="spinner spinner-inline" aria-hidden="true" />}
          {VM_ACTION_LABELS[action]}
        </button>
      ))}
    </div>
  );
}
