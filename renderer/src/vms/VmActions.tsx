import { useState } from 'react';
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

/** Actions that lose guest state say so and ask first, as virt-manager does for a forced power-off (here and in the row's context menu). */
export const ACTION_CONFIRMATIONS: Partial<Record<VmAction, (name: string) => string>> = {
  destroy: (name) => `Force off ${name}? The guest is stopped at once; anything it has not written to disk is lost.`,
};

/** The lifecycle buttons, enabled according to the VM's live state; disabled while a call is in flight. */
export function VmActions({ vm }: { vm: VmSummary }) {
  const { vms } = useStores();
  const busy = useVms((state) => state.busy[vmKey(vm)]);
  const [confirming, setConfirming] = useState<VmAction | undefined>();
  const run = (action: VmAction) => void vms.getState().runAction({ hostId: vm.hostId, uuid: vm.uuid }, action);
  const confirmText = confirming && ACTION_CONFIRMATIONS[confirming]?.(vm.name);
  if (confirming && confirmText && canRunAction(confirming, vm.state)) {
    return (
      <div className="vm-actions vm-confirm" role="alertdialog" aria-label={`Confirm ${VM_ACTION_LABELS[confirming]}`} data-testid="vm-confirm">
        <p>{confirmText}</p>
        <button
          type="button"
          className="btn btn-danger"
          data-testid="vm-confirm-ok"
          autoFocus
          onClick={() => {
            setConfirming(undefined);
            run(confirming);
          }}
        >
          {VM_ACTION_LABELS[confirming]}
        </button>
        <button type="button" className="btn" data-testid="vm-confirm-cancel" onClick={() => setConfirming(undefined)}>
          Cancel
        </button>
      </div>
    );
  }
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
          onClick={() => (ACTION_CONFIRMATIONS[action] ? setConfirming(action) : run(action))}
        >
          {busy === action && <span className="spinner spinner-inline" aria-hidden="true" />}
          {VM_ACTION_LABELS[action]}
        </button>
      ))}
    </div>
  );
}
