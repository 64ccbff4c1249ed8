/** The window: sidebar of hosts, the VM table with its detail panel, toasts and the disconnection banner. */
import { ConsolesView } from '../consoles/ConsolesView';
import { VmDetailPanel } from '../vms/VmDetailPanel';
import { VmTable } from '../vms/VmTable';
import { VmToolbar } from '../vms/VmToolbar';
import { useConsoles, useVms } from '../stores/StoresContext';
import { DisconnectedBanner } from './DisconnectedBanner';
import { Sidebar } from './Sidebar';
import { Toasts } from './Toasts';
import './shell.css';

export function App() {
  const hasSelection = useVms((state) => state.selectedKey !== null);
  const showConsoles = useConsoles((state) => state.visible);
  return (
    <div className="app">
      <DisconnectedBanner />
      <div className="app-body">
        <Sidebar />
        <main className="content" aria-label="Virtual machines" hidden={showConsoles}>
          <VmToolbar />
          <div className={hasSelection ? 'content-split has-detail' : 'content-split'}>
            <VmTable />
            {hasSelection && <VmDetailPanel />}
          </div>
        </main>
        <ConsolesView />
      </div>
      <Toasts />
    </div>
  );
}
