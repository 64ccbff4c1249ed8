import { useId, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { vmStateLabel, vmStateTone } from '../format';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { countByState, selectVisibleVms } from '../stores/vmsStore';

/** Above the table: what is shown (a host or all), counts by state, and the filter box. */
export function VmToolbar() {
  const { vms } = useStores();
  const filterId = useId();
  const selectedHostId = useHosts((state) => state.selectedHostId);
  const hostName = useHosts((state) => (state.selectedHostId ? state.hosts[state.selectedHostId]?.name : undefined));
  const visible = useVms(useShallow((state) => selectVisibleVms(state, selectedHostId)));
  const filter = useVms((state) => state.filter);
  const counts = useMemo(() => countByState(visible), [visible]);

  return (
    <div className="toolbar">
      <div className="toolbar-title">
        <h1>{selectedHostId ? (hostName ?? selectedHostId) : 'All hosts'}</h1>
        <span className="toolbar-summary" aria-live="polite">
          {visible.length} {visible.length === 1 ? 'VM' : 'VMs'}
          {counts.map(([state, count]) => (
            <span key={state} className={`count-chip tone-${vmStateTone(state)}`}>
              {count} {vmStateLabel(state).toLowerCase()}
            </span>
          ))}
        </span>
      </div>
      <div className="toolbar-filter">
        <label htmlFor={filterId} className="sr-only">
          Filter VMs
        </label>
        <input
          id={filterId}
          className="input filter-input"
          type="search"
          placeholder="Filter by name, state, UUID…"
          data-testid="vm-filter"
          value={filter}
          onChange={(event) => vms.getState().setFilter(event.target.value)}
        />
      </div>
    </div>
  );
}
