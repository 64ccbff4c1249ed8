import { ConsolesNav } from '../consoles/ConsolesNav';
import { AddHostForm } from '../hosts/AddHostForm';
import { HostList } from '../hosts/HostList';
import { JobsPanel } from '../jobs/JobsPanel';
import { AlertsBadge } from '../monitoring/Alerts';
import { TopologyNav } from '../topology/TopologyView';
import { useConnection } from '../stores/StoresContext';

export function Sidebar() {
  const info = useConnection((state) => state.info);
  return (
    <nav className="sidebar" aria-label="Hosts">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">Tandem</span>
        {info && (
          <span className="brand-version" title={`Running in ${info.mode} mode`}>
            v{info.version}
          </span>
        )}
        <AlertsBadge />
      </div>
      <ConsolesNav />
      <TopologyNav />
      <HostList />
      <AddHostForm />
      <JobsPanel />
    </nav>
  );
}
