/** The window: sidebar of hosts, the VM table with its detail panel, toasts and the disconnection banner. */
import { MigrationDialogHost } from '../migration/MigrationDialog';
import { VmDetailPanel } from '../vms/VmDetailPanel';
import { VmTable } from '../vms/VmTable';
import { VmToolbar } from '../vms/VmToolbar';
import { useVms } from '../stores/StoresContext';
import { DisconnectedBanner } from './DisconnectedBanner';
import { Sidebar } from './Sidebar';
import { Toasts } from './Toasts';
import './shell.css';

export function App() {
  const hasSelection = useVms((state) => state.selectedKey !== null);
  return (
    <div className="app">
      <DisconnectedBanner />
      <div className="app-body">
        <Sidebar />
        <main className="content" aria-label="Virtual machines">
          <VmToolbar />
          <div className={hasSelection ? 'content-split has-detail' : 'content-split'}>
            <VmTable />
            {hasSelection && <VmDetailPanel />}
          </div>
        </main>
      </div>
      <MigrationDialogHost />
      <Toasts />
    </div>
  );
}
