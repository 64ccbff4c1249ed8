/**
 * The composition root: builds Tandem's core from its parts (drivers, host manager, inventory, service) for
 * any front end (the Electron main process, the browser-mode server, the tests). Nothing here imports
 * Electron; each front end passes what differs (mode, data folder, assets folder).
 */
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { events as eventSchemas, type EventName, type EventPayload } from '../../preload/contract';
import { CheckpointEngine } from '../core/checkpoints/CheckpointEngine';
import { PlainMemoryStateStore } from '../core/checkpoints/PlainMemoryStateStore';
import { Emitter } from '../core/Emitter';
import type { Disposable } from '../core/hosts/HostDriver';
import { HostConfigStore } from '../core/hosts/HostConfigStore';
import { HostManager } from '../core/hosts/HostManager';
import { Inventory } from '../core/inventory/Inventory';
import { createLogger } from '../core/logging';
import { RecentVms } from '../core/tray/RecentVms';
import { createDispatcher, type Dispatch } from '../api/dispatch';
import { createTandemService } from '../api/TandemService';
import { LibvirtCheckpointHypervisor } from '../drivers/libvirt/LibvirtCheckpointHypervisor';
import { LibvirtHostDriver, libvirtConnectionOf } from '../drivers/libvirt/LibvirtHostDriver';
import { QemuImgDiskImages } from '../drivers/qemuImg/QemuImgDiskImages';

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
}

export type ContractEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName];

export interface Tandem {
  dispatch: Dispatch;
  onEvent(listener: (event: ContractEvent) => void): Disposable;
  hosts: HostManager;
  inventory: Inventory;
  recentVms: RecentVms;
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
  const hosts = new HostManager({
    drivers: [new LibvirtHostDriver()],
    config,
    connectTimeoutMs: options.connectTimeoutMs,
  });
  const inventory = new Inventory(hosts);
  const recentVms = new RecentVms();
  const checkpoints = new CheckpointEngine({
    hypervisor: new LibvirtCheckpointHypervisor((hostId) => libvirtConnectionOf(hosts.session(hostId))),
    images: new QemuImgDiskImages(),
    memory: new PlainMemoryStateStore(),
    dataDir: options.dataDir,
  });
  const events = new Emitter<ContractEvent>();

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
    inventory.vmChanged.on((vm) => publish('vms.changed', vm)),
    checkpoints.changed.on((tree) => publish('checkpoints.changed', tree)),
    inventory.vmRemoved.on((ref) => {
      recentVms.forget(ref);
      publish('vms.removed', ref);
    }),
  ];

  const service = createTandemService({
    hosts,
    inventory,
    version: TANDEM_VERSION,
    mode: options.mode,
    onVmUsed: (vm) => recentVms.touch(vm),
    checkpoints,
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
    ready: () => inventory.ready(),
    async dispose() {
      for (const sub of subscriptions) sub.dispose();
      inventory.dispose();
      await hosts.dispose();
    },
  };
}

async function anyExists(paths: string[]): Promise<boolean> {
  const results = await Promise.all(paths.map((p) => access(p).then(() => true, () => false)));
  return results.some(Boolean);
}
