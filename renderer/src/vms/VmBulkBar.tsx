/**
 * Actions on the checked VMs: start, shut down, force off (confirmed once for all), pause, resume; then the
 * result of each VM (done, skipped because its state does not allow it, or failed with the reason).
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStores, useVms } from '../stores/StoresContext';
import { BULK_ACTIONS, VM_ACTION_LABELS, selectCheckedKeys, type BulkAction } from '../stores/vmsStore';

export function VmBulkBar() {
  const { vms } = useStores();
  const checkedKeys = useVms(useShallow(selectCheckedKeys));
  const bulk = useVms((state) => state.bulk);
  const [confirming, setConfirming] = useState<BulkAction | null>(null);

  const run = (action: BulkAction) => {
    setConfirming(null);
    void vms.getState().runBulk(action, checkedKeys);
  };

  return (
    <>
      {checkedKeys.length > 0 && (
        <div className="bulk-bar" role="toolbar" aria-label="Selected VMs" data-testid="vm-bulk-bar">
          <span className="bulk-count" data-testid="vm-bulk-count">
            {checkedKeys.length} selected
          </span>
          {confirming === 'destroy' ? (
            <span className="bulk-confirm" role="alertdialog" aria-label="Confirm force off" data-testid="vm-bulk-confirm">
              Force off {checkedKeys.length} {checkedKeys.length === 1 ? 'VM' : 'VMs'}? Anything not written to disk is lost.
              <button type="button" className="btn btn-danger btn-small" data-testid="vm-bulk-confirm-ok" autoFocus onClick={() => run('destroy')}>
                Force off
              </button>
              <button type="button" className="btn btn-small" onClick={() => setConfirming(null)}>
                Cancel
              </button>
            </span>
          ) : (
            BULK_ACTIONS.map((action) => (
              <button
                key={action}
                type="button"
                className={action === 'destroy' ? 'btn btn-small btn-danger' : 'btn btn-small'}
                data-testid={`vm-bulk-${action}`}
                disabled={bulk !== null && bulk.pending > 0}
                onClick={() => (action === 'destroy' ? setConfirming('destroy') : run(action))}
              >
                {VM_ACTION_LABELS[action]}
              </button>
            ))
          )}
          <button type="button" className="btn btn-small btn-ghost" data-testid="vm-bulk-clear" onClick={() => vms.getState().clearChecked()}>
            Clear selection
          </button>
        </div>
      )}
      {bulk && (
        <div className="bulk-results" role="status" data-testid="vm-bulk-results">
          <div className="bulk-results-head">
            <strong>
              {VM_ACTION_LABELS[bulk.action]}: {bulk.results.filter((r) => r.outcome === 'done').length} done
              {bulk.pending > 0 && `, ${bulk.pending} in progress`}
            </strong>
            <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => vms.getState().dismissBulk()}>
              ×
            </button>
          </div>
          <ul className="plain-list">
            {bulk.results.map((result) => (
              <li key={result.key} data-testid={`vm-bulk-result-${result.name}`} data-outcome={result.outcome} className={`bulk-${result.outcome}`}>
                {result.name}: {result.outcome}
                {result.message && <> — {result.message}</>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
