/** The window: sidebar of hosts, the VM table with its detail panel, toasts and the disconnection banner. */
import { lazy, Suspense, useEffect } from 'react';
import { TakeCheckpointDialogHost } from '../checkpoints/TakeCheckpointDialog';
import { CredentialDialog } from '../credentials/CredentialDialog';
import { HostPage } from '../hosts/HostPage';
import { LabDialogHost } from '../labs/LabDialog';
import { MigrationDialogHost } from '../migration/MigrationDialog';
import { AlertNotifier } from '../monitoring/Alerts';
import { ProvisioningWizardHost } from '../provisioning/ProvisioningWizard';
import { VmDetailPanel } from '../vms/VmDetailPanel';
import { VmTable } from '../vms/VmTable';
import { VmToolbar } from '../vms/VmToolbar';
import { useConsoles, useHostPage, useStores, useVms } from '../stores/StoresContext';
import { TopologyView } from '../topology/TopologyView';
import { useStore } from 'zustand';
import { DisconnectedBanner } from './DisconnectedBanner';
import { Sidebar } from './Sidebar';
import { Toasts } from './Toasts';
import './shell.css';

// xterm.js and noVNC load with the first console, not with the window.
const ConsolesView = lazy(() => import('../consoles/ConsolesView'));

export function App() {
  const hasSelection = useVms((state) => state.selectedKey !== null);
  const hostPageOpen = useHostPage((state) => state.openHostId !== null);
  const { consoles } = useStores();
  const showConsoles = useConsoles((state) => state.visible);
  const hasConsoles = useConsoles((state) => state.tabs.length > 0 || state.busy !== null);
  const showTopology = useStore(useStores().topology, (state) => state.open);
  // Opening a host's page brings the main area back from the consoles view.
  useEffect(() => {
    if (hostPageOpen) consoles.getState().show(false);
  }, [hostPageOpen, consoles]);
  return (
    <div className="app">
      <DisconnectedBanner />
      <div className="app-body">
        <Sidebar />
        {showTopology ? (
          <main className="content" aria-label="Topology" hidden={showConsoles}>
            <TopologyView />
          </main>
        ) : hostPageOpen ? (
          <main className="content" aria-label="Host" hidden={showConsoles}>
            <HostPage />
          </main>
        ) : (
          <main className="content" aria-label="Virtual machines" hidden={showConsoles}>
            <VmToolbar />
            <div className={hasSelection ? 'content-split has-detail' : 'content-split'}>
              <VmTable />
              {hasSelection && <VmDetailPanel />}
            </div>
          </main>
        )}
        {hasConsoles && (
          <Suspense fallback={null}>
            <ConsolesView />
          </Suspense>
        )}
      </div>
      <MigrationDialogHost />
      <TakeCheckpointDialogHost />
      <ProvisioningWizardHost />
      <LabDialogHost />
      <Toasts />
      <CredentialDialog />
      <AlertNotifier />
    </div>
  );
}
