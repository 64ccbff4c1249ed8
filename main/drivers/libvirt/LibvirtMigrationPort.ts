/**
 * Migration on libvirt: peer-to-peer (the source daemon connects to the destination's URI and drives the
 * job, as `virsh migrate --p2p`), progress from virDomainGetJobStats, cancel with virDomainAbortJob, the
 * final figures from the job-completed event; the pre-checks through virConnectCompareCPU /
 * virConnectCompareHypervisorCPU, virNodeGetFreeMemory and storage lookups on the destination.
 */
import { dirname } from 'node:path';
import { XMLSerializer } from '@xmldom/xmldom';
import {
  LibvirtError,
  subscribeDomainEvents,
  virConnectCompareCPUFlags,
  virCPUCompareResult,
  virDomainEventID,
  virDomainEventResumedDetailType,
  virDomainEventSuspendedDetailType,
  virDomainEventType,
  virDomainJobType,
  virDomainMigrateFlags as M,
  type Connection,
  type Domain,
  type DomainEvent,
} from '../../../native-helpers/libvirt/lib/index';
import { ConflictError, HostUnreachableError, TandemError } from '../../core/errors';
import type { HostManager } from '../../core/hosts/HostManager';
import { createLogger } from '../../core/logging';
import type { CpuVerdict, MigrationPort, MigrationSample, MigrationStats, MigrationWatch } from '../../core/migration/MigrationPort';
import type { MigrationSettings } from '../../core/migration/migrationTypes';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import { disarmForMigration } from './BackgroundSnapshot';
import { libvirtConnectionOf, libvirtLifecycleOf } from './LibvirtHostDriver';
import { mapLibvirtError, mapped } from './mapLibvirtError';
import { QemuMonitor } from './QemuMonitor';
import { lookInFolder, orMissing, refreshUnlessBusy, withPoolOver, withTransientPoolOver } from './storagePools';
import { withDomain } from './withDomain';

const log = createLogger('migration');

/** How often a running migration's job stats are read. */
const SAMPLE_INTERVAL_MS = 500;
/** How long to wait for the job-completed event once the migration call has returned. */
const COMPLETED_EVENT_WAIT_MS = 5000;

export class LibvirtMigrationPort implements MigrationPort {
  constructor(private readonly hosts: HostManager) {}

  private conn(hostId: string): Connection {
    return libvirtConnectionOf(this.hosts.session(hostId));
  }

  async compareCpu(sourceHostId: string, uuid: string, destinationHostId: string): Promise<CpuVerdict> {
    const source = this.conn(sourceHostId);
    const destination = this.conn(destinationHostId);
    return withDomain(source, uuid, async (dom) => {
      const domain = new XmlNode(XmlDocument.parse(await dom.getXMLDesc(), 'domain XML').root);
      const cpu = domain.element('cpu');
      const mode = cpu?.value('@mode') ?? 'custom';
      if (cpu && cpu.value('model') && mode === 'custom') {
        // The guest's own CPU model: can the destination's hypervisor provide it?
        const cpuXml = new XMLSerializer().serializeToString(cpu.node);
        const args = [null, domain.value('os/type/@arch') ?? null, domain.value('os/type/@machine') ?? null, domain.value('@type') ?? null] as const;
        const result = await destination.compareHypervisorCPU(...args, cpuXml);
        const explanation =
          result === virCPUCompareResult.VIR_CPU_COMPARE_INCOMPATIBLE
            ? await explain(() => destination.compareHypervisorCPU(...args, cpuXml, virConnectCompareCPUFlags.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE))
            : undefined;
        return verdict(result, 'guest-cpu', explanation);
      }
      // host-model / host-passthrough (or no <cpu>): the guest sees the source host's CPU.
      const caps = new XmlNode(XmlDocument.parse(await source.getCapabilities(), 'host capabilities').root);
      const hostCpu = caps.element('host/cpu');
      if (!hostCpu) return { result: 'identical', compared: 'source-host-cpu' };
      const hostCpuXml = new XMLSerializer().serializeToString(hostCpu.node);
      const result = await destination.compareCPU(hostCpuXml);
      const explanation =
        result === virCPUCompareResult.VIR_CPU_COMPARE_INCOMPATIBLE
          ? await explain(() => destination.compareCPU(hostCpuXml, virConnectCompareCPUFlags.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE))
          : undefined;
      return verdict(result, 'source-host-cpu', explanation);
    });
  }

  async freeMemoryBytes(hostId: string): Promise<number> {
    const conn = this.conn(hostId);
    return mapped(() => conn.getFreeMemory());
  }

  async storagePathsExist(hostId: string, paths: string[]): Promise<boolean[]> {
    const conn = this.conn(hostId);
    const found = new Map<string, boolean>();
    for (const path of paths) if (await volumeExists(conn, path)) found.set(path, true);
    const missing = paths.filter((p) => !found.has(p));
    for (const folder of new Set(missing.map((p) => dirname(p)))) {
      const inFolder = missing.filter((p) => dirname(p) === folder);
      // A pool over the folder may just not have seen the files yet; without one, a transient directory
      // pool over the folder lets libvirt look (as virt-manager does for a path outside any pool), and is
      // destroyed right after. One look at a time per folder, whoever asks (storagePools.ts).
      const results = await lookInFolder(conn, folder, async () => {
        const pooled = await withPoolOver(conn, folder, async (pool) => {
          await mapped(() => refreshUnlessBusy(pool));
          return Promise.all(inFolder.map((p) => volumeExists(conn, p)));
        });
        return pooled ?? (await withTransientPoolOver(conn, hostId, folder, () => Promise.all(inFolder.map((p) => volumeExists(conn, p))))) ?? inFolder.map(() => false);
      });
      inFolder.forEach((p, i) => found.set(p, results[i]!));
    }
    return paths.map((p) => found.get(p) ?? false);
  }

  async poolOverFolder(hostId: string, folder: string): Promise<boolean> {
    return (await withPoolOver(this.conn(hostId), folder, async () => true)) ?? false;
  }

  async findVm(hostId: string, ref: { name: string; uuid: string }) {
    const conn = this.conn(hostId);
    const byName = await orMissing(async () => {
      const dom = await conn.lookupDomainByName(ref.name);
      const uuid = dom.getUUIDString();
      dom.free();
      return { uuid };
    });
    const byUuid = await orMissing(async () => {
      const dom = await conn.lookupDomainByUUIDString(ref.uuid);
      const found = { name: dom.getName(), active: await dom.isActive() };
      dom.free();
      return found;
    });
    return { ...(byName ? { byName } : {}), ...(byUuid ? { byUuid } : {}) };
  }

  async migrate(
    source: { hostId: string; uuid: string },
    destination: { hostId: string; uri: string },
    settings: MigrationSettings,
    watch: MigrationWatch,
  ): Promise<MigrationStats> {
    const conn = this.conn(source.hostId);
    // Each host's session is resolved before anything is acquired: a host that dropped since the check
    // fails here with nothing to release.
    const sourceEvents = libvirtLifecycleOf(this.hosts.session(source.hostId));
    const destinationEvents = libvirtLifecycleOf(this.hosts.session(destination.hostId));
    const dom = await mapped(() => conn.lookupDomainByUUIDString(source.uuid));
    const completed: DomainEvent[] = [];
    let waiter: (() => void) | undefined;
    const subscription = await mapped(() =>
      subscribeDomainEvents(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, (event) => {
        if (event.uuid !== source.uuid) return;
        completed.push(event);
        waiter?.();
      }),
    ).catch((error: unknown) => {
      dom.free();
      throw error;
    });
    // The guest's pause as both hosts' events show it: from the source's "suspended: migrated" (QEMU stops
    // the guest for the switch-over) to the destination's "resumed: migrated". QEMU's own downtime leaves out
    // libvirt's hand-over in between.
    let pausedAt: number | undefined;
    let resumedAt: number | undefined;
    const pauseWatch = sourceEvents.on((e) => {
      if (e.uuid === source.uuid && e.event === 'lifecycle' && e.type === virDomainEventType.VIR_DOMAIN_EVENT_SUSPENDED && e.detail === virDomainEventSuspendedDetailType.VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED) {
        pausedAt = performance.now();
      }
    });
    const resumeWatch = destinationEvents.on((e) => {
      if (e.uuid === source.uuid && e.event === 'lifecycle' && e.type === virDomainEventType.VIR_DOMAIN_EVENT_RESUMED && e.detail === virDomainEventResumedDetailType.VIR_DOMAIN_EVENT_RESUMED_MIGRATED) {
        resumedAt ??= performance.now();
      }
    });
    let finished = false;
    const abort = () => {
      dom.abortJob().catch((error: unknown) => {
        // The job may have ended between the click and the call: nothing is left to cancel then.
        if (!finished) log.warn(`abortJob on ${dom.getName()} failed`, error);
      });
    };
    try {
      const [active, persistent] = await mapped(() => Promise.all([dom.isActive(), dom.isPersistent()]));
      const flags = migrateFlags(settings, active, persistent);
      if (settings.maxDowntimeMs !== undefined && active) await mapped(() => dom.migrateSetMaxDowntime(settings.maxDowntimeMs!));
      if (active) await disarmBackgroundSnapshot(conn, dom);
      if (watch.signal.aborted) throw new ConflictError('migration.cancelled-before-start', 'The migration was cancelled before it started');
      const params = settings.bandwidthMiBs !== undefined ? { bandwidth: settings.bandwidthMiBs } : {};
      const running = dom.migrateToURI3(destination.uri, params, flags).finally(() => {
        finished = true;
      });
      watch.signal.addEventListener('abort', abort);
      const sampling = active ? sampleUntil(running, () => dom.getJobStats(), watch.onSample) : Promise.resolve();
      try {
        await running;
        watch.onArrived();
      } catch (error) {
        throw migrationError(error, settings);
      } finally {
        await sampling;
      }
      if (!active) return {};
      if (completed.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, COMPLETED_EVENT_WAIT_MS);
          waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      // The destination's "resumed" event may trail the call's return by a moment.
      for (let i = 0; i < 40 && resumedAt === undefined; i++) await new Promise((r) => setTimeout(r, 50));
      const observed = pausedAt !== undefined && resumedAt !== undefined && resumedAt >= pausedAt ? { observedPauseMs: Math.round(resumedAt - pausedAt) } : {};
      const event = completed[0];
      if (!event || event.event !== 'job-completed') {
        log.warn(`no job-completed event for ${dom.getName()} within ${COMPLETED_EVENT_WAIT_MS} ms: no hypervisor figures in the report`);
        return observed;
      }
      return { ...completedStats(event.stats), ...observed };
    } finally {
      pauseWatch.dispose();
      resumeWatch.dispose();
      watch.signal.removeEventListener('abort', abort);
      await subscription.dispose().catch((error: unknown) => log.warn('job-completed subscription not released', error));
      dom.free();
    }
  }
}

/**
 * A running VM's QEMU must not have the `background-snapshot` migration capability on when its migration
 * starts (checkpoints switch it on for a moment: see BackgroundSnapshot.ts). A migration run as a background
 * snapshot "completes" with the source still running, so the VM would run on both hosts on the same disks.
 * libvirt 9.0's own migrations ask QEMU for `return-path`, which QEMU refuses next to `background-snapshot`,
 * so with it on they fail ("Background-snapshot is not compatible with return-path", measured) instead of
 * running: switching it off first makes them work, and does not rely on libvirt asking for return-path.
 * Checked through the QEMU monitor (QMP over libvirt: any transport carries it; it marks the domain
 * "custom-monitor" tainted in its log once per QEMU process).
 * - Another driver than QEMU has no such capability: nothing to check, the migration is safe.
 * - A QEMU monitor that cannot be asked (libvirt or QEMU refusing the command, an ACL without write access)
 *   leaves the state unknown: the migration is refused (Conflict), since proceeding risks the double run.
 * - A host that stopped answering fails as such (the migration could not start either).
 */
async function disarmBackgroundSnapshot(conn: Connection, dom: Domain): Promise<void> {
  if ((await mapped(() => conn.getType())) !== 'QEMU') return;
  try {
    await disarmForMigration(new QemuMonitor(dom));
  } catch (error) {
    if (error instanceof ConflictError || error instanceof HostUnreachableError) throw error;
    if (error instanceof TandemError && error.code === 'migration.background-snapshot-on') throw error;
    throw new ConflictError(
      'migration.capability-unverified',
      `Tandem could not check that QEMU will not run this migration as a background snapshot, which would leave the VM running on both hosts (${(error as Error).message}): the migration was not started`,
      { cause: error },
    );
  }
}

function migrateFlags(settings: MigrationSettings, active: boolean, persistent: boolean): number {
  let flags = M.VIR_MIGRATE_PEER2PEER;
  if (persistent) flags |= M.VIR_MIGRATE_PERSIST_DEST | M.VIR_MIGRATE_UNDEFINE_SOURCE;
  if (!active) flags |= M.VIR_MIGRATE_OFFLINE | M.VIR_MIGRATE_PERSIST_DEST;
  else if (settings.mode === 'live') flags |= M.VIR_MIGRATE_LIVE;
  if (active && settings.storage === 'copy-all') flags |= M.VIR_MIGRATE_NON_SHARED_DISK;
  if (active && settings.storage === 'copy-incremental') flags |= M.VIR_MIGRATE_NON_SHARED_INC;
  if (settings.allowUnsafe) flags |= M.VIR_MIGRATE_UNSAFE;
  return flags;
}

/** Reads the job's stats every SAMPLE_INTERVAL_MS until `running` settles. */
async function sampleUntil(
  running: Promise<unknown>,
  read: () => Promise<{ type: number; stats: Record<string, number | string | boolean> }>,
  onSample: (sample: MigrationSample) => void,
): Promise<void> {
  let settled = false;
  const ended = running.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    // The end of the migration ends the wait at once: the report must not wait for the next tick.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, SAMPLE_INTERVAL_MS)))]);
    clearTimeout(timer);
    if (settled) break;
    try {
      const { type, stats } = await read();
      if (type === virDomainJobType.VIR_DOMAIN_JOB_UNBOUNDED || type === virDomainJobType.VIR_DOMAIN_JOB_BOUNDED) onSample(runningSample(stats));
    } catch (error) {
      // The domain leaves the source at the end of the job: a read racing that is expected.
      if (!settled) log.debug('job stats read failed while the migration runs', error);
    }
  }
}

type Stats = Record<string, unknown>;
const num = (stats: Stats, key: string): number | undefined => (typeof stats[key] === 'number' ? (stats[key] as number) : undefined);

function runningSample(stats: Stats): MigrationSample {
  const pageSize = num(stats, 'memory_page_size') ?? 4096;
  const dirtyPages = num(stats, 'memory_dirty_rate');
  const sample: MigrationSample = {
    elapsedMs: num(stats, 'time_elapsed'),
    dataProcessed: num(stats, 'data_processed'),
    dataRemaining: num(stats, 'data_remaining'),
    dataTotal: num(stats, 'data_total'),
    dirtyRate: dirtyPages === undefined ? undefined : dirtyPages * pageSize,
    // While the job runs, libvirt's "downtime" is QEMU's expected downtime.
    expectedDowntimeMs: num(stats, 'downtime'),
    iteration: num(stats, 'memory_iteration'),
    transferRate: num(stats, 'memory_bps'),
  };
  return Object.fromEntries(Object.entries(sample).filter(([, v]) => v !== undefined)) as MigrationSample;
}

function completedStats(stats: Stats): MigrationStats {
  const out: MigrationStats = {
    downtimeMs: num(stats, 'downtime'),
    timeElapsedMs: num(stats, 'time_elapsed'),
    dataTransferred: num(stats, 'data_processed'),
    iterations: num(stats, 'memory_iteration'),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as MigrationStats;
}

function verdict(result: number, compared: CpuVerdict['compared'], explanation?: string): CpuVerdict {
  const name =
    result === virCPUCompareResult.VIR_CPU_COMPARE_IDENTICAL
      ? 'identical'
      : result === virCPUCompareResult.VIR_CPU_COMPARE_SUPERSET
        ? 'superset'
        : 'incompatible';
  return { result: name, compared, ...(explanation ? { explanation } : {}) };
}

/** The hypervisor's reason for an incompatible CPU (the FAIL_INCOMPATIBLE variant throws it). */
async function explain(call: () => Promise<number>): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    if (error instanceof LibvirtError) return error.message;
    throw error;
  }
}

async function volumeExists(conn: Connection, path: string): Promise<boolean> {
  const found = await orMissing(async () => {
    (await conn.lookupStorageVolByPath(path)).free();
    return true;
  });
  return found === true;
}

function migrationError(error: unknown, settings: MigrationSettings): unknown {
  if (error instanceof LibvirtError && error.codeName === 'VIR_ERR_MIGRATE_UNSAFE' && !settings.allowUnsafe) {
    return new ConflictError(
      'migration.unsafe',
      `libvirt refused: ${error.message}. If both hosts see the same disk files, allow an unsafe migration (or use cache="none" on the disks).`,
      { cause: error },
    );
  }
  return mapLibvirtError(error);
}
