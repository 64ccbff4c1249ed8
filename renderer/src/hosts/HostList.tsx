import { useShallow } from 'zustand/react/shallow';
import { selectHostIds } from '../stores/hostsStore';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { ALL_HOSTS, selectVmCountsByHost } from '../stores/vmsStore';
import { HostItem } from './HostItem';
import { VmCounts } from './VmCounts';
import './hosts.css';

/** The sidebar's list: "All hosts" then each host. */
export function HostList() {
  const { hosts } = useStores();
  const hostIds = useHosts(useShallow(selectHostIds));
  const loaded = useHosts((state) => state.loaded);
  const loadError = useHosts((state) => state.loadError);
  const allSelected = useHosts((state) => state.selectedHostId === null);
  const running = useVms((state) => selectVmCountsByHost(state)[ALL_HOSTS]?.running ?? 0);
  const total = useVms((state) => selectVmCountsByHost(state)[ALL_HOSTS]?.total ?? 0);

  return (
    <div className="host-list-wrap">
      <h2 className="sidebar-heading">Hosts</h2>
      <ul className="host-list">
        <li className="host-item host-item-all" data-testid="hosts-all">
          <button
            type="button"
            className="host-select"
            aria-current={allSelected ? 'true' : undefined}
            onClick={() => hosts.getState().selectHost(null)}
          >
            <span className="host-line">
              <span className="host-name">All hosts</span>
              <VmCounts running={running} total={total} />
            </span>
            <span className="host-uri">
              {hostIds.length} {hostIds.length === 1 ? 'host' : 'hosts'}
            </span>
          </button>
        </li>
        {hostIds.map((id) => (
          <HostItem key={id} hostId={id} />
        ))}
      </ul>
      {!loaded && <p className="sidebar-note">Loading hosts…</p>}
      {loadError && <p className="sidebar-note sidebar-error">Could not list hosts: {loadError}</p>}
      {loaded && !loadError && hostIds.length === 0 && <p className="sidebar-note">No hosts yet. Add one below.</p>}
    </div>
  );
}
