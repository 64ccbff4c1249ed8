import { useId, useMemo } from 'react';
import type { VmState } from '../../../preload/contract';
import { vmStateLabel, vmStateTone } from '../format';
import { selectHostList } from '../stores/hostsStore';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { VM_STATE_ORDER, countByState, selectAllTags, selectVisibleVms } from '../stores/vmsStore';
import { VmBulkBar } from './VmBulkBar';
import { NewLabButton } from '../labs/LabDialog';

/** Above the table: what is shown, counts by state, the filters (host, state, tag, text) and bulk actions. */
export function VmToolbar() {
  const { vms, hosts, wizard } = useStores();
  const filterId = useId();
  const selectedHostId = useHosts((state) => state.selectedHostId);
  const hostName = useHosts((state) => (state.selectedHostId ? state.hosts[state.selectedHostId]?.name : undefined));
  const hostList = useHosts(selectHostList);
  // No useShallow here: the selector is memoized (the same array while nothing relevant changed), and
  // zustand's shallow compares arrays through Maps of their entries, which costs more than a render at 5,000.
  const visible = useVms((state) =>
    selectVisibleVms(
      { vms: state.vms, filter: state.filter, sort: state.sort, stateFilter: state.stateFilter, tagFilter: state.tagFilter },
      selectedHostId,
    ),
  );
  const filter = useVms((state) => state.filter);
  const stateFilter = useVms((state) => state.stateFilter);
  const tagFilter = useVms((state) => state.tagFilter);
  const tags = useVms(selectAllTags);
  const counts = useMemo(() => countByState(visible), [visible]);

  return (
    <div className="toolbar">
      <div className="toolbar-title">
        <h1>{selectedHostId ? (hostName ?? selectedHostId) : 'All hosts'}</h1>
        <span className="toolbar-summary" aria-live="polite">
          <span data-testid="vm-count">
            {visible.length} {visible.length === 1 ? 'VM' : 'VMs'}
          </span>
          {counts.map(([state, count]) => (
            <span key={state} className={`count-chip tone-${vmStateTone(state)}`}>
              {count} {vmStateLabel(state).toLowerCase()}
            </span>
          ))}
        </span>
      </div>
      <div className="toolbar-filter">
        <select
          className="input filter-select"
          aria-label="Host"
          data-testid="vm-filter-host"
          value={selectedHostId ?? ''}
          onChange={(event) => hosts.getState().selectHost(event.target.value || null)}
        >
          <option value="">All hosts</option>
          {hostList.map((host) => (
            <option key={host.id} value={host.id}>
              {host.name}
            </option>
          ))}
        </select>
        <select
          className="input filter-select"
          aria-label="State"
          data-testid="vm-filter-state"
          value={stateFilter ?? ''}
          onChange={(event) => vms.getState().setStateFilter((event.target.value || null) as VmState | null)}
        >
          <option value="">Any state</option>
          {VM_STATE_ORDER.map((state) => (
            <option key={state} value={state}>
              {vmStateLabel(state)}
            </option>
          ))}
        </select>
        <select
          className="input filter-select"
          aria-label="Tag"
          data-testid="vm-filter-tag"
          value={tagFilter ?? ''}
          onChange={(event) => vms.getState().setTagFilter(event.target.value || null)}
        >
          <option value="">Any tag</option>
          {tags.map((tag) => (
            <option key={tag} value={tag}>
              {tag}
            </option>
          ))}
        </select>
        <label htmlFor={filterId} className="sr-only">
          Filter VMs
        </label>
        <input
          id={filterId}
          className="input filter-input"
          type="search"
          placeholder="Search name, state, tag, UUID…"
          data-testid="vm-filter"
          value={filter}
          onChange={(event) => vms.getState().setFilter(event.target.value)}
        />
        <button type="button" className="btn btn-primary" data-testid="new-vm" onClick={() => wizard.getState().openWizard()}>
          New VM
        </button>
        <NewLabButton />
      </div>
      <VmBulkBar />
    </div>
  );
}
