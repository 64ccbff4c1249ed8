/**
 * The renderer's stores, one per capability, all fed by the same contract client. Created once per window;
 * `dispose()` releases every event subscription.
 */
import type { ContractClient } from '../../../preload/contract';
import { createAlertsStore, type AlertsStore } from './alertsStore';
import { createCheckpointsStore, type CheckpointsStore } from './checkpointsStore';
import { createConnectionStore, type ConnectionStore } from './connectionStore';
import { createCredentialsStore, type CredentialsStore } from './credentialsStore';
import { createHostPageStore, type HostPageStore } from './hostPageStore';
import { createConsolesStore, type ConsolesStore } from './consolesStore';
import { createHostsStore, type HostsStore } from './hostsStore';
import { createJobsStore, type JobsStore } from './jobsStore';
import { createMigrationStore, type MigrationStore } from './migrationStore';
import { createMonitoringStore, type MonitoringStore } from './monitoringStore';
import { createToastStore, type ToastStore, type ToastStoreOptions } from './toastStore';
import { createVmsStore, type VmsStore } from './vmsStore';
import { createGuestAddressesStore, type GuestAddressesStore } from './guestAddressesStore';
import { createWizardStore, type WizardStore } from '../provisioning/wizardStore';
import { createTopologyStore, type TopologyStore } from '../topology/topologyStore';
import { createNetworksStore, type NetworksStore } from './networksStore';
import { createLabStore, type LabStore } from '../labs/labStore';

export interface AppStores {
  toasts: ToastStore;
  connection: ConnectionStore;
  hosts: HostsStore;
  vms: VmsStore;
  monitoring: MonitoringStore;
  alerts: AlertsStore;
  /** The contract client, for components whose data is local to a form (the VM hardware editor). */
  client: ContractClient;
  credentials: CredentialsStore;
  hostPage: HostPageStore;
  consoles: ConsolesStore;
  jobs: JobsStore;
  migration: MigrationStore;
  checkpoints: CheckpointsStore;
  /** The "New VM" wizard. */
  wizard: WizardStore;
  /** The topology view (hosts, networks, VMs). */
  topology: TopologyStore;
  /** Each host's VM networks, live. */
  networks: NetworksStore;
  /** The "Deploy a lab" dialog. */
  labs: LabStore;
  /** VMs' IP addresses as Tandem learns them (a deployed VM's arrives after its job when the guest is slow). */
  guestAddresses: GuestAddressesStore;
  /** The initial loads; events are already subscribed, so nothing that happens meanwhile is missed. */
  start(): Promise<void>;
  dispose(): void;
}

export function createAppStores(client: ContractClient, toastOptions?: ToastStoreOptions): AppStores {
  const toasts = createToastStore(toastOptions);
  const connection = createConnectionStore(client, toasts);
  const hosts = createHostsStore(client, toasts);
  const vms = createVmsStore(client, toasts);
  const monitoring = createMonitoringStore(client, toasts);
  const alerts = createAlertsStore(client, toasts);
  const credentials = createCredentialsStore(client, toasts);
  const hostPage = createHostPageStore(client);
  const consoles = createConsolesStore(client, toasts);
  // "Open console" from the tray (`ui.openConsole` -> vms.consoleRequest): the graphical console when the VM
  // has VNC graphics (what virt-manager and Boxes open first), else its serial console.
  const stopConsoleRequests = vms.subscribe((state, previous) => {
    const request = state.consoleRequest;
    if (!request || request === previous.consoleRequest) return;
    const vm = state.vms[request.key];
    if (!vm) return;
    void client
      .call('vms.get', { hostId: vm.hostId, uuid: vm.uuid })
      .then((detail) => detail.graphics.some((g) => g.type === 'vnc'), () => false)
      .then((hasVnc) => consoles.getState().open(vm, hasVnc ? 'vnc' : 'serial'));
  });
  const jobs = createJobsStore(client, toasts);
  const migration = createMigrationStore(client, toasts);
  const checkpoints = createCheckpointsStore(client, toasts);
  const wizard = createWizardStore(client);
  const networks = createNetworksStore(client);
  const topology = createTopologyStore(networks);
  const labs = createLabStore(client, networks);
  const guestAddresses = createGuestAddressesStore(client, toasts);
  return {
    toasts,
    connection,
    hosts,
    vms,
    monitoring,
    alerts,
    client,
    credentials,
    hostPage,
    consoles,
    jobs,
    migration,
    checkpoints,
    wizard,
    topology,
    networks,
    labs,
    guestAddresses,
    async start() {
      await Promise.all([
        connection.getState().loadInfo(),
        hosts.getState().load(),
        vms.getState().load(),
        monitoring.getState().loadSettings(),
        alerts.getState().load(),
        vms.getState().loadFavorites(),
        credentials.getState().load(),
        jobs.getState().load(),
      ]);
    },
    dispose() {
      stopConsoleRequests();
      hosts.dispose();
      vms.dispose();
      monitoring.dispose();
      alerts.dispose();
      credentials.dispose();
      hostPage.dispose();
      consoles.dispose();
      jobs.dispose();
      checkpoints.dispose();
      networks.dispose();
      labs.dispose();
      guestAddresses.dispose();
    },
  };
}
