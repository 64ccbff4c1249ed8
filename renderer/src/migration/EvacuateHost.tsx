/** "Evacuate": moves every running VM off the host (destinations by free memory); progress in the jobs panel. */
import { useState } from 'react';
import { useStores } from '../stores/StoresContext';
import { useStore } from 'zustand';

export function EvacuateHost({ hostId, hostName }: { hostId: string; hostName: string }) {
  const { migration } = useStores();
  const requesting = useStore(migration, (state) => !!state.evacuating[hostId]);
  const [confirming, setConfirming] = useState(false);
  const [allowUnsafe, setAllowUnsafe] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className="btn btn-small" data-testid={`evacuate-${hostId}`} onClick={() => setConfirming(true)}>
        Evacuate
      </button>
    );
  }
  return (
    <div className="evacuate-confirm" role="group" aria-label={`Evacuate ${hostName}`}>
      <span>Move every running VM off {hostName}, live, to the hosts with the most free memory?</span>
      <label>
        <input type="checkbox" checked={allowUnsafe} onChange={(e) => setAllowUnsafe(e.target.checked)} /> disks are shared though libvirt
        cannot tell (allow unsafe)
      </label>
      <button
        type="button"
        className="btn btn-small btn-primary"
        disabled={requesting}
        data-testid={`evacuate-confirm-${hostId}`}
        onClick={() =>
          void migration
            .getState()
            .evacuate(hostId, hostName, { mode: 'live', storage: 'shared', allowUnsafe })
            .then(() => setConfirming(false))
        }
      >
        {requesting ? 'Checking…' : 'Evacuate'}
      </button>
      <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </div>
  );
}
