/** The window: sidebar of hosts, the VM table with its detail panel, toasts and the disconnection banner. */
import { AlertNotifier } from '../monitoring/Alerts';
import { HostCharts } from '../monitoring/HostCharts';
import { VmDetailPanel } from '../vms/VmDetailPanel';
import { VmTable } from '../vms/VmTable';
import { VmToolbar } from '../vms/VmToolbar';
import { useHosts, useVms } from '../stores/StoresContext';
import { DisconnectedBanner } from './DisconnectedBanner';
import { Sidebar } from './Sidebar';
import { Toasts } from './Toasts';
import './shell.css';

export function App() {
  const hasSelection = useVms((state) => state.selectedKey !== null);
  const selectedHostId = useHosts((state) => state.selectedHostId);
  return (
    <div className="app">
      <DisconnectedBanner />
      <div className="app-body">
        <Sidebar />
        <main className="content" aria-label="Virtual machines">
          <VmToolbar />
          {selectedHostId && <HostCharts key={selectedHostId} hostId={selectedHostId} />}
          <div className={hasSelection ? 'content-split has-detail' : 'content-split'}>
            <VmTable />
            {hasSelection && <VmDetailPanel />}
          </div>
        </main>
      </div>
      <Toasts />
      <AlertNotifier />
    </div>
  );
}
