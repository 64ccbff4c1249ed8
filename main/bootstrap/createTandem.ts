/**
 * The composition root: builds Tandem's core from its parts (drivers, host manager, inventory, service) for
 * any front end (the Electron main process, the browser-mode server, the tests). Nothing here imports
 * Electron; each front end passes what differs (mode, data folder, assets folder).
 */
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { events as eventSchemas, type EventName, type EventPayload, type VmRef } from '../../preload/contract';
import { ConsoleHub, inventoryLocator } from '../core/consoles/ConsoleHub';
import { CheckpointEngine } from '../core/checkpoints/CheckpointEngine';
import { KeychainMemoryKeyProvider } from '../core/checkpoints/MemoryKeyProvider';
import { Emitter } from '../core/Emitter';
import type { Disposable } from '../core/hosts/HostDriver';
import { HostConfigStore } from '../core/hosts/HostConfigStore';
import { HostDetailsService } from '../core/hosts/HostDetailsService';
import { HostManager } from '../core/hosts/HostManager';
import { KvmProbe } from '../core/hosts/KvmProbe';
import { HardwareEditor } from '../core/inventory/HardwareEditor';
import { Inventory } from '../core/inventory/Inventory';
import { JobRegistry } from '../core/jobs/JobRegistry';
import { MigrationService } from '../core/migration/MigrationService';
import { VmOperationLocks } from '../core/vmOperations/VmOperationLocks';
import { AlertCenter } from '../core/monitoring/AlertCenter';
import { AlertedCrashes } from '../core/monitoring/AlertedCrashes';
import { Monitoring } from '../core/monitoring/Monitoring';
import { MonitoringSettingsStore } from '../core/monitoring/MonitoringSettingsStore';
import { createLogger } from '../core/logging';
import { CredentialBroker } from '../core/secrets/CredentialBroker';
import type { SecretStore } from '../core/secrets/SecretStore';
import { FavoriteVms } from '../core/tray/FavoriteVms';
import { RecentVms } from '../core/tray/RecentVms';
import { createDispatcher, type Dispatch } from '../api/dispatch';
import { createTandemService } from '../api/TandemService';
import { LibvirtMonitoringPort } from '../drivers/libvirt/LibvirtMonitoringPort';
import { KeyringSecretStore } from '../drivers/keyring/KeyringSecretStore';
import { LibvirtHostDetailsReader } from '../drivers/libvirt/LibvirtHostDetailsReader';
import { LibvirtKvmProbePort } from '../drivers/libvirt/LibvirtKvmProbePort';
import { LibvirtConsolePort } from '../drivers/libvirt/LibvirtConsolePort';
import { LibvirtHostDriver, libvirtConnectionOf } from '../drivers/libvirt/LibvirtHostDriver';
import { libvirtVmHardware } from '../drivers/libvirt/LibvirtVmHardware';
import { writeVmTags } from '../drivers/libvirt/vmTagsMetadata';
import { LibvirtMigrationPort } from '../drivers/libvirt/LibvirtMigrationPort';
import { LibvirtCheckpointHypervisor } from '../drivers/libvirt/LibvirtCheckpointHypervisor';
import { isThisMachine } from '../drivers/libvirt/hostLocality';
import { SealedMemoryStateStore } from '../drivers/memoryState/SealedMemoryStateStore';
import { QemuImgDiskImages } from '../drivers/qemuImg/QemuImgDiskImages';
import { LibvirtHostOfferReader } from '../drivers/libvirt/LibvirtHostOfferReader';
import { LibvirtInstallMedia } from '../drivers/libvirt/LibvirtInstallMedia';
import { readVmRequest } from '../drivers/libvirt/LibvirtVmRequestReader';
import { loadCatalog } from '../core/provisioning/catalog';
import { createImageIdentifier } from '../core/provisioning/osinfo/identifyImage';
import { LazyOsDatabase } from '../core/provisioning/osinfo/OsDatabase';
import { ProvisioningService } from '../core/provisioning/ProvisioningService';
import { UserTemplateStore } from '../core/provisioning/UserTemplateStore';
import { Deployer, type DirectKernelBoot } from '../core/provisioning/deploy/Deployer';
import { LibvirtDeployPort } from '../drivers/libvirt/LibvirtDeployPort';
import { NetworkService } from '../core/networks/NetworkService';
import { NetworkWatch } from '../core/networks/NetworkWatch';
import { LabDeployer } from '../core/provisioning/deploy/LabDeployer';
import { InstallerRebootWatch } from '../core/provisioning/install/InstallerRebootWatch';
import { LibvirtInstallerRebootPort } from '../drivers/libvirt/LibvirtInstallerRebootPort';
import { LibvirtNetworkPort } from '../drivers/libvirt/LibvirtNetworkPort';
import { GuestAddressWatcher } from '../core/guestAddresses/GuestAddressWatcher';
import { LibvirtGuestAddressPort } from '../drivers/libvirt/LibvirtGuestAddressPort';

const log = createLogger('tandem');

export const TANDEM_VERSION = '0.1.0';

export interface TandemOptions {
  mode: 'electron' | 'browser' | 'headless';
  /** Where hosts.json and other state live. */
  dataDir: string;
  /** Folder with demo-host.xml; defaults to the repository's assets/. */
  assetsDir?: string;
  /**
   * The embedded demo host: 'auto' shows it when nothing else is configured or detected, 'always' adds
   * it in any case, 'never' not at all.
   */
  demo?: 'auto' | 'always' | 'never';
  /** The local libvirt URI to probe at start, or null to skip (tests). */
  localUri?: string | null;
  /** Sockets whose presence means the local libvirt answers. */
  localSockets?: string[];
  connectTimeoutMs?: number;
  /** Reconnect backoff (default 1 s doubling to 60 s). */
  reconnect?: { firstRetryMs?: number; maxRetryMs?: number };
  /** Where credentials are remembered; the OS keychain by default. */
  secretStore?: SecretStore;
  /** How long a credential prompt waits for the user (default 2 minutes). */
  credentialTimeoutMs?: number;
  /** Boot deployed images from this kernel + initramfs (images without a bootloader, e.g. the test bed's guest). */
  deployDirectKernelBoot?: DirectKernelBoot;
  /** How long a deploy job waits for the guest's address (default 60 s; the watch goes on after the job). */
  deployAddressTimeoutMs?: number;
  /** How often, and for how long in all, a deployed VM is watched for its first address (default 2 s, 10 min). */
  guestAddressPollMs?: number;
  guestAddressWatchMs?: number;
  /**
   * Test-only: connection URIs the checkpoint engine takes as another machine's although they are this one's
   * (drivers/libvirt/hostLocality.ts decides the rest). Every test bed daemon runs here, on loopback, so the
   * guard on checkpoints of another machine's VMs is tested by naming one of them. It can only refuse more.
   */
  checkpointOtherMachineUris?: readonly string[];
}

export type ContractEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];

export interface Tandem {
  dispatch: Dispatch;
  onEvent(listener: (event: ContractEvent) => void): Disposable;
  hosts: HostManager;
  inventory: Inventory;
  recentVms: RecentVms;
  monitoring: Monitoring;
  alerts: AlertCenter;
  favorites: FavoriteVms;
  /** Asks the window to show a VM's console (the `ui.openConsole` event; the tray's "Open console"). */
  requestOpenConsole(ref: VmRef): void;
  /** Open consoles; byte channels (server, Electron) redeem their tickets here. */
  consoles: ConsoleHub;
  jobs: JobRegistry;
  migration: MigrationService;
  /** Restarts installer VMs on their final configuration at their installer's first reboot. */
  installerReboots: InstallerRebootWatch;
  /** Resolves when the startup hosts have had their first connection attempt and VM listing. */
  ready(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Where Tandem keeps its state (hosts.json, ...), the same for the desktop app and browser mode:
 * $TANDEM_DATA_DIR, else $XDG_CONFIG_HOME/tandem, else ~/.config/tandem.
 */
export function defaultDataDir(): string {
  if (process.env.TANDEM_DATA_DIR) return process.env.TANDEM_DATA_DIR;
  const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(configHome, 'tandem');
}

const DEFAULT_ASSETS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets');
const LOCAL_SOCKETS = ['/run/libvirt/libvirt-sock', '/run/libvirt/virtqemud-sock'];

export async function createTandem(options: TandemOptions): Promise<Tandem> {
  const config = new HostConfigStore(options.dataDir);
  const secretStore = options.secretStore ?? new KeyringSecretStore();
  const credentials = new CredentialBroker({
    store: secretStore,
    answerTimeoutMs: options.credentialTimeoutMs,
  });
  const hosts = new HostManager({
    drivers: [new LibvirtHostDriver()],
    config,
    connectTimeoutMs: options.connectTimeoutMs,
    ...options.reconnect,
    credentials,
  });
  const inventory = new Inventory(hosts);
  const kvmProbe = new KvmProbe({ hosts, port: new LibvirtKvmProbePort() });
  const kvmVerdict = (hostId: string, arch: string) => kvmProbe.verdict(hostId, arch);
  const hostDetails = new HostDetailsService(new LibvirtHostDetailsReader(hosts), inventory, kvmVerdict);
  const recentVms = new RecentVms();
  const monitoring = await Monitoring.create({
    hosts,
    vms: inventory,
    port: new LibvirtMonitoringPort(hosts),
    store: new MonitoringSettingsStore(options.dataDir),
  });
  const alertedCrashes = new AlertedCrashes(options.dataDir);
  await alertedCrashes.load(); // never fails: an unreadable record is moved aside
  const alerts = new AlertCenter({ hosts, vms: inventory, samples: monitoring.hostSampled, crashes: alertedCrashes });
  const favorites = new FavoriteVms(options.dataDir);
  await favorites.load(); // never fails: an unreadable file is logged and moved aside, the app starts without favorites
  // One operation at a time per VM between checkpoints and live migration (VmOperationLocks.ts).
  const vmLocks = new VmOperationLocks();
  const checkpoints = new CheckpointEngine({
    locks: vmLocks,
    hypervisor: new LibvirtCheckpointHypervisor(
      (hostId) => libvirtConnectionOf(hosts.session(hostId)),
      options.checkpointOtherMachineUris?.length ? { isThisMachine: (uri) => isThisMachine(uri) && !options.checkpointOtherMachineUris!.includes(uri) } : {},
    ),
    images: new QemuImgDiskImages(),
    memory: new SealedMemoryStateStore(new KeychainMemoryKeyProvider(secretStore)),
    dataDir: options.dataDir,
  });
  const events = new Emitter<ContractEvent>();
  const consoles = new ConsoleHub(new LibvirtConsolePort(hosts), { locateVm: inventoryLocator(inventory, hosts) });
  const jobs = new JobRegistry();
  const migration = new MigrationService({
    hosts,
    inventory,
    jobs,
    locks: vmLocks,
    pendingCheckpointWork: (vm) => checkpoints.pendingOperation(vm),
    port: new LibvirtMigrationPort(hosts),
  });
  // The osinfo database and the catalog load on the first provisioning call, not at start (see bench/).
  const osDb = new LazyOsDatabase();
  const catalog = () => loadCatalog(options.assetsDir ? join(options.assetsDir, 'catalog') : undefined);
  const identifier = async () => createImageIdentifier(await osDb.get());
  const offers = new LibvirtHostOfferReader(hosts, identifier, kvmVerdict);
  const installMedia = new LibvirtInstallMedia(hosts, identifier);
  const provisioning = new ProvisioningService({
    hosts,
    vmChanged: inventory.vmChanged,
    vmRemoved: inventory.vmRemoved,
    vmNames: (hostId) => inventory.list(hostId).map((vm) => vm.name),
    offers,
    media: installMedia,
    osDb,
    catalog,
    userTemplates: (reserved) => new UserTemplateStore(options.dataDir, reserved),
    vmRequest: (hostId, uuid) => readVmRequest(hosts, hostId, uuid),
    now: () => new Date(),
  });
  const guestAddresses = new GuestAddressWatcher({
    port: new LibvirtGuestAddressPort(hosts),
    ...(options.guestAddressPollMs !== undefined ? { pollMs: options.guestAddressPollMs } : {}),
    ...(options.guestAddressWatchMs !== undefined ? { watchMs: options.guestAddressWatchMs } : {}),
  });
  const deployer = new Deployer({
    jobs,
    port: new LibvirtDeployPort(hosts),
    addresses: guestAddresses,
    offers,
    media: installMedia,
    osDatabase: () => osDb.get(),
    apps: async () => (await catalog()).apps,
    ...(options.deployDirectKernelBoot ? { directKernelBoot: options.deployDirectKernelBoot } : {}),
    ...(options.deployAddressTimeoutMs !== undefined ? { addressTimeoutMs: options.deployAddressTimeoutMs } : {}),
  });
  // VMs deployed from install media: started again on their final configuration when their installer reboots.
  const installerReboots = new InstallerRebootWatch({ hosts, port: new LibvirtInstallerRebootPort(hosts) });
  const networkPort = new LibvirtNetworkPort(hosts);
  const networks = new NetworkService(networkPort, { changed: (hostId) => networkWatch.refresh(hostId) });
  const networkWatch = new NetworkWatch({ hosts, events: networkPort, list: (hostId) => networks.list(hostId) });
  const publish = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    // Our own payloads are checked too: a malformed event is a bug, logged and not sent.
    const checked = eventSchemas[event].safeParse(payload);
    if (!checked.success) {
      log.error(`event ${event} breaks the contract`, checked.error);
      return;
    }
    events.emit({ event, payload } as ContractEvent);
  };
  const subscriptions = [
    hosts.hostChanged.on((summary) => publish('hosts.changed', summary)),
    hosts.hostRemoved.on((hostId) => publish('hosts.removed', { hostId })),
    credentials.requested.on((request) => publish('credentials.requested', request)),
    credentials.closed.on((closed) => publish('credentials.closed', closed)),
    inventory.vmChanged.on((vm) => publish('vms.changed', vm)),
    checkpoints.changed.on((tree) => publish('checkpoints.changed', tree)),
    // A host back after dropping in the middle of a checkpoint operation: settle it now, not at the next start.
    hosts.sessionOpened.on(({ hostId }) => {
      void checkpoints
        .recover(hostId)
        .then((report) => report.forEach((line) => log.info(`checkpoint recovery on ${hostId}: ${line}`)))
        .catch((error: unknown) => log.error(`checkpoint recovery on ${hostId} failed`, error));
    }),
    inventory.vmRemoved.on((ref) => {
      recentVms.forget(ref);
      consoles.vmStopped(ref.hostId, ref.uuid);
      publish('vms.removed', ref);
    }),
    monitoring.ticked.on((tick) => publish('monitoring.tick', tick)),
    monitoring.settingsChanged.on((settings) => publish('monitoring.settingsChanged', settings)),
    alerts.changed.on((change) => publish('alerts.changed', change)),
    favorites.changed.on((list) => publish('favorites.changed', { favorites: list })),
    inventory.vmChanged.on((vm) => {
      if (vm.state === 'shutoff' || vm.state === 'crashed') consoles.vmStopped(vm.hostId, vm.uuid, { migrated: vm.stateReason === 'migrated' });
    }),
    consoles.closed.on((closed) => publish('consoles.closed', closed)),
    jobs.jobChanged.on((job) => publish('jobs.changed', job)),
    networkWatch.changed.on((change) => publish('networks.changed', change)),
    guestAddresses.found.on((change) => publish('vms.addressesFound', change)),
  ];

  const service = createTandemService({
    hosts,
    hostDetails,
    credentials,
    inventory,
    jobs,
    migration,
    deployer,
    networks,
    labs: new LabDeployer({ jobs, deployer, networks }),
    guestAddresses,
    version: TANDEM_VERSION,
    mode: options.mode,
    onVmUsed: (vm) => recentVms.touch(vm),
    monitoring,
    alerts,
    favorites,
    hardware: new HardwareEditor((hostId) => libvirtVmHardware(() => hosts.session(hostId))),
    writeVmTags: (hostId, uuid, tags) => writeVmTags(libvirtConnectionOf(hosts.session(hostId)), uuid, tags),
    consoles,
    checkpoints,
    provisioning,
  });

  for (const stored of await config.load()) {
    hosts.register({ ...stored, kind: 'libvirt', persisted: true });
  }
  const localUri = options.localUri === undefined ? 'qemu:///system' : options.localUri;
  if (localUri && (await anyExists(options.localSockets ?? LOCAL_SOCKETS))) {
    hosts.register({ id: 'local', uri: localUri, name: 'This computer', kind: 'libvirt', persisted: false });
  }
  const demo = options.demo ?? 'auto';
  if (demo === 'always' || (demo === 'auto' && hosts.list().length === 0)) {
    const demoUri = `test://${join(options.assetsDir ?? DEFAULT_ASSETS, 'demo-host.xml')}`;
    hosts.register({ id: 'demo', uri: demoUri, name: 'Demo host', kind: 'demo', persisted: false });
  }

  // Checkpoint operations a crash interrupted are completed or rolled back once the hosts had their first
  // connection attempt; entries of hosts still unreachable stay in the journal for the next start.
  void inventory
    .ready()
    .then(() => checkpoints.recover())
    .then((report) => report.forEach((line) => log.info(`checkpoint recovery: ${line}`)))
    .catch((error: unknown) => log.error('checkpoint recovery failed', error));

  return {
    dispatch: createDispatcher(service),
    onEvent: (listener) => events.on(listener),
    hosts,
    inventory,
    recentVms,
    monitoring,
    alerts,
    favorites,
    requestOpenConsole: (ref) => publish('ui.openConsole', { hostId: ref.hostId, uuid: ref.uuid }),
    consoles,
    jobs,
    migration,
    installerReboots,
    ready: () => inventory.ready(),
    async dispose() {
      await jobs.dispose();
      guestAddresses.dispose();
      provisioning.dispose();
      installerReboots.dispose();
      for (const sub of subscriptions) sub.dispose();
      networkWatch.dispose();
      alerts.dispose();
      await alertedCrashes.flushed();
      monitoring.dispose();
      await consoles.dispose();
      inventory.dispose();
      kvmProbe.dispose();
      credentials.dispose();
      await hosts.dispose();
    },
  };
}

async function anyExists(paths: string[]): Promise<boolean> {
  const results = await Promise.all(paths.map((p) => access(p).then(() => true, () => false)));
  return results.some(Boolean);
}
