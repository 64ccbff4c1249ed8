/**
 * Migration of one VM between hosts, and host evacuation, as jobs. Every migration is checked first
 * (check()): each reason it cannot run is a blocker with its own code and explanation; what may go wrong but
 * need not is a warning. A migration with blockers never starts.
 */
import type { VmSummary } from '../../../preload/contract';
import { ConflictError, NotFoundError, OperationFailedError } from '../errors';
import type { HostManager } from '../hosts/HostManager';
import type { Inventory } from '../inventory/Inventory';
import type { JobContext, JobRegistry, JobSnapshot } from '../jobs/JobRegistry';
import { VmOperationLocks, type VmOperationLease } from '../vmOperations/VmOperationLocks';
import type { MigrationPort, MigrationSample, MigrationStats } from './MigrationPort';
import { cacheIsMigrationSafe, migrationDisks } from './migrationDisks';
import type { MigrationCheck, MigrationIssue, MigrationSettings } from './migrationTypes';
import { planEvacuation, type EvacuationCandidate, type EvacuationPlanEntry } from './planEvacuation';

export interface MigrationServiceDeps {
  hosts: HostManager;
  inventory: Inventory;
  port: MigrationPort;
  jobs: JobRegistry;
  now?: () => number;
  /** Per-VM operation locks shared with checkpoints (default: the service's own). */
  locks?: VmOperationLocks;
  /**
   * A checkpoint operation of the VM a crash or a lost host interrupted and recovery has not settled yet
   * (CheckpointEngine.pendingOperation), or undefined: the VM must not move before it is settled on its host.
   */
  pendingCheckpointWork?: (vm: { hostId: string; uuid: string }) => Promise<string | undefined>;
}

export interface MigrationReport extends Record<string, unknown> {
  vmName: string;
  uuid: string;
  sourceHostId: string;
  destinationHostId: string;
  mode: MigrationSettings['mode'];
  storage: MigrationSettings['storage'];
  /** Wall-clock time from start to the VM running on the destination, as Tandem measured it. */
  totalTimeMs: number;
  /** The hypervisor's figures for the completed job. */
  downtimeMs?: number;
  hypervisorTimeMs?: number;
  dataTransferred?: number;
  iterations?: number;
  /** The guest's pause as the hosts' events show it: QEMU's downtime plus libvirt's hand-over to the destination. */
  observedPauseMs?: number;
}

export interface EvacuationVmResult extends Record<string, unknown> {
  uuid: string;
  name: string;
  destinationHostId?: string;
  outcome: 'migrated' | 'failed' | 'not-moved' | 'cancelled';
  report?: MigrationReport;
  /** Why it failed or could not be moved. */
  reason?: string;
}

const ACTIVE_STATES = new Set(['running', 'paused', 'blocked']);

export class MigrationService {
  private readonly now: () => number;
  private readonly locks: VmOperationLocks;

  constructor(private readonly deps: MigrationServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.locks = deps.locks ?? new VmOperationLocks();
  }

  /** Everything that stands in the way of moving the VM to the destination, each explained. */
  async check(hostId: string, uuid: string, destinationHostId: string, settings: MigrationSettings): Promise<MigrationCheck> {
    const { hosts, port } = this.deps;
    const blockers: MigrationIssue[] = [];
    const warnings: MigrationIssue[] = [];
    const block = (code: string, message: string) => blockers.push({ code, message });
    const warn = (code: string, message: string) => warnings.push({ code, message });
    const done = (): MigrationCheck => ({ ok: blockers.length === 0, blockers, warnings });

    const vm = await this.vmOf(hostId, uuid);
    const sourceName = hosts.get(hostId).name;
    const xml = await hosts.session(hostId).getVmXml(uuid);
    const active = ACTIVE_STATES.has(vm.state);

    if (hosts.get(hostId).kind !== 'libvirt') {
      block('source.not-libvirt', `${sourceName} is a demo host: VMs can only move between libvirt hosts.`);
      return done();
    }
    if (destinationHostId === hostId) {
      block('destination.same-host', `"${vm.name}" already runs on ${sourceName}: choose another host as the destination.`);
      return done();
    }
    if (!hosts.has(destinationHostId)) {
      block('destination.unknown', `There is no host "${destinationHostId}" in Tandem.`);
      return done();
    }
    const destination = hosts.get(destinationHostId);
    if (destination.kind !== 'libvirt') {
      block('destination.not-libvirt', `${destination.name} is a demo host: VMs can only move between libvirt hosts.`);
      return done();
    }
    if (destination.status !== 'connected') {
      block(
        'destination.unreachable',
        `${destination.name} is not connected (${destination.status}${destination.statusReason ? `: ${destination.statusReason}` : ''}).`,
      );
      return done();
    }

    const running = this.locks.holder({ hostId, uuid });
    if (running) block('vm.busy', `A ${running} is running on "${vm.name}": migrate it once that has ended.`);
    // A checkpoint tree kept on the destination from an earlier stay there is keyed by that host.
    const runningThere = this.locks.holder({ hostId: destinationHostId, uuid });
    if (runningThere) block('vm.busy', `A ${runningThere} is running on "${vm.name}" on ${destination.name}: migrate it once that has ended.`);
    const pending = await this.pendingCheckpointIssue(vm);
    if (pending) blockers.push(pending);

    // What the VM's state allows.
    if (settings.mode === 'live' && !active) {
      block('vm.not-running', `"${vm.name}" is ${vm.state}: a live migration needs a running VM. Choose offline to move its definition.`);
    }
    if (!active && !vm.persistent) {
      block('vm.transient-stopped', `"${vm.name}" is transient and stopped: there is nothing to move.`);
    }
    if (!active && settings.storage !== 'shared') {
      block('storage.copy-needs-running', `Disks can only be copied while "${vm.name}" runs (libvirt copies them through the running hypervisor); start it, or copy the disks yourself and choose shared storage.`);
    }

    const [cpu, freeBytes, existing] = await Promise.all([
      port.compareCpu(hostId, uuid, destinationHostId),
      port.freeMemoryBytes(destinationHostId),
      port.findVm(destinationHostId, { name: vm.name, uuid }),
    ]);

    if (cpu.result === 'incompatible') {
      const what = cpu.compared === 'guest-cpu' ? `the CPU model "${vm.name}" is defined with` : `the CPU of ${sourceName}`;
      const message = `${destination.name} cannot provide ${what}${cpu.explanation ? `: ${cpu.explanation}` : ''}.`;
      if (active) block('cpu.incompatible', message);
      else warn('cpu.incompatible', `${message} The VM would not start there.`);
    } else if (cpu.result === 'superset' && cpu.compared === 'source-host-cpu') {
      warn('cpu.superset', `${destination.name}'s CPU has features ${sourceName}'s lacks: fine for moving there, but moving back may be refused.`);
    }

    const needBytes = vm.memoryKiB * 1024;
    if (freeBytes < needBytes) {
      const message = `${destination.name} has ${mib(freeBytes)} MiB free; "${vm.name}" needs ${mib(needBytes)} MiB.`;
      if (active) block('memory.insufficient', message);
      else warn('memory.insufficient', `${message} It could not start there now.`);
    }

    if (existing.byName && existing.byName.uuid !== uuid) {
      block('name.taken', `${destination.name} already has another VM named "${vm.name}" (UUID ${existing.byName.uuid}).`);
    }
    if (existing.byUuid?.active) {
      block('vm.already-on-destination', `"${vm.name}" (this UUID) is already running on ${destination.name}.`);
    } else if (existing.byUuid && existing.byUuid.name === vm.name) {
      warn('vm.definition-replaced', `${destination.name} has a stopped definition of "${vm.name}": the migrated one replaces it.`);
    } else if (existing.byUuid) {
      block('vm.uuid-taken', `${destination.name} has a VM "${existing.byUuid.name}" with the same UUID as "${vm.name}".`);
    }

    const disks = migrationDisks(xml).filter((d) => d.path && (d.device === 'disk' || d.device === 'cdrom' || d.device === 'lun'));
    let present: boolean[] = [];
    try {
      if (disks.length > 0) present = await port.storagePathsExist(destinationHostId, disks.map((d) => d.path!));
    } catch (error) {
      // The destination cannot be looked at there (a stopped pool covers the folder): what to do, not a failed check.
      if (!(error instanceof ConflictError && error.code === 'storage.pool-inactive')) throw error;
      block(error.code, `${destination.name}: ${error.message}`);
      return done();
    }
    const copiedMissing = disks.filter((d, i) => !present[i] && settings.storage !== 'shared' && !d.readonly && !d.shareable);
    const folders = [...new Set(copiedMissing.map((d) => parentFolder(d.path!)))];
    const pooled = new Map(await Promise.all(folders.map(async (f) => [f, await port.poolOverFolder(destinationHostId, f)] as const)));
    for (const disk of copiedMissing) {
      const folder = parentFolder(disk.path!);
      if (pooled.get(folder)) continue;
      block(
        'storage.no-pool-for-copy',
        `To copy disk ${disk.target}, libvirt creates ${disk.path} on ${destination.name} in a storage pool over ${folder}, and ${destination.name} has none: define and start one there (or put the disk on storage both hosts see).`,
      );
    }
    disks.forEach((disk, i) => {
      if (present[i]) return;
      const copied = settings.storage !== 'shared' && !disk.readonly && !disk.shareable;
      if (copied) return;
      block(
        'storage.missing',
        disk.readonly || disk.shareable
          ? `${disk.device === 'cdrom' ? 'CD-ROM' : 'Disk'} ${disk.target} (${disk.path}) does not exist on ${destination.name}, and libvirt does not copy read-only or shared disks: put it on storage both hosts see.`
          : `Disk ${disk.target} (${disk.path}) does not exist on ${destination.name}: choose "copy storage", or put the disk on storage both hosts see.`,
      );
    });
    if (settings.storage === 'shared' && !settings.allowUnsafe && active) {
      const unsafe = disks.filter((d, i) => present[i] && !cacheIsMigrationSafe(d));
      if (unsafe.length > 0) {
        warn(
          'storage.cache-unsafe',
          `Disk ${unsafe.map((d) => d.target).join(', ')} uses the host's page cache (cache mode ${unsafe[0]!.cache ?? 'default'}): libvirt refuses such a migration unless the storage is a cluster filesystem. If both hosts see the same files, allow an unsafe migration, or set cache="none".`,
        );
      }
    }
    if (settings.storage !== 'shared') {
      const alreadyThere = disks.filter((d, i) => present[i] && !d.readonly && !d.shareable);
      if (alreadyThere.length > 0) {
        warn('storage.copy-overwrites', `${alreadyThere.map((d) => d.path).join(', ')} already exist on ${destination.name}: the copy writes over them.`);
      }
    }
    return done();
  }

  /** Checks, then starts the migration as a job. Blockers are one Conflict error listing each of them. */
  async start(hostId: string, uuid: string, destinationHostId: string, settings: MigrationSettings): Promise<JobSnapshot> {
    const vm = await this.vmOf(hostId, uuid);
    await this.assertNoBlockers(vm, destinationHostId, settings);
    const destinationName = this.deps.hosts.get(destinationHostId).name;
    // Held from here to the job's end: no checkpoint operation may switch this VM's disks or QEMU's migration
    // settings while it moves (see VmOperationLocks).
    const lease = this.lockForMove(vm, destinationHostId);
    try {
      await this.assertCheckpointsSettled(vm);
      return this.deps.jobs.start(
        {
          kind: 'migration',
          title: `Migrate ${vm.name} from ${this.deps.hosts.get(hostId).name} to ${destinationName}`,
          targets: [{ hostId, uuid }, { hostId: destinationHostId, uuid }],
        },
        async (ctx) => {
          try {
            return await this.run(vm, destinationHostId, settings, ctx, (sample) => ctx.report(sampleProgress(sample)));
          } finally {
            lease.release();
          }
        },
      );
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  /**
   * Moves every running VM off a host, one after the other, as one job. Destinations: see planEvacuation
   * (biggest VMs first, each to the passing host with the most free memory left). Refused, with nothing
   * changed, when no VM can go anywhere.
   */
  async evacuate(hostId: string, settings: MigrationSettings): Promise<{ job: JobSnapshot; plan: EvacuationPlanEntry[] }> {
    const { hosts, inventory, port } = this.deps;
    const source = hosts.get(hostId);
    hosts.session(hostId);
    const vms = inventory.list(hostId).filter((v) => ACTIVE_STATES.has(v.state));
    if (vms.length === 0) {
      throw new ConflictError('evacuate.nothing-to-move', `${source.name} runs no VMs: there is nothing to evacuate.`, { details: { hostId } });
    }
    const others = hosts.list().filter((h) => h.id !== hostId && h.kind === 'libvirt' && h.status === 'connected');
    if (others.length === 0) {
      throw new ConflictError('evacuate.no-destination', `No other connected libvirt host can take the VMs of ${source.name}.`, { details: { hostId } });
    }
    const candidates: EvacuationCandidate[] = await Promise.all(
      others.map(async (h) => ({ hostId: h.id, name: h.name, freeBytes: await port.freeMemoryBytes(h.id) })),
    );
    const plan = await planEvacuation(vms, candidates, async (vm, destinationHostId) =>
      this.check(hostId, vm.uuid, destinationHostId, { ...settings, mode: 'live' }),
    );
    const movable = plan.filter((p) => p.destinationHostId);
    if (movable.length === 0) {
      throw new ConflictError(
        'evacuate.blocked',
        `No VM of ${source.name} can be moved: ${plan.map((p) => `${p.name}: ${p.reason}`).join(' ')}`,
        { details: { hostId, plan } },
      );
    }

    const job = this.deps.jobs.start(
      { kind: 'evacuation', title: `Evacuate ${source.name} (${vms.length} VM${vms.length === 1 ? '' : 's'})`, targets: [{ hostId }] },
      async (ctx) => {
        const results: EvacuationVmResult[] = [];
        for (const [index, entry] of plan.entries()) {
          const base = { uuid: entry.uuid, name: entry.name, ...(entry.destinationHostId ? { destinationHostId: entry.destinationHostId } : {}) };
          if (!entry.destinationHostId) {
            results.push({ ...base, outcome: 'not-moved', reason: entry.reason ?? 'no destination' });
            continue;
          }
          if (ctx.signal.aborted) {
            results.push({ ...base, outcome: 'cancelled' });
            continue;
          }
          const report = (sample: MigrationSample, phase: string) => {
            const one = sampleProgress(sample);
            ctx.report({
              phase: `VM ${index + 1} of ${plan.length}, ${entry.name}: ${phase}`,
              fraction: (index + (one.fraction ?? 0)) / plan.length,
              figures: { ...one.figures, vm: entry.name, vmIndex: index + 1, vmCount: plan.length, migrated: results.filter((r) => r.outcome === 'migrated').length },
            });
          };
          try {
            const vm = await this.vmOf(hostId, entry.uuid);
            // The plan's checks ran before the job: what changed since (a checkpoint operation run meanwhile and
            // interrupted) is read again under the VM's lock.
            const lease = this.lockForMove(vm, entry.destinationHostId);
            let settled: MigrationReport;
            try {
              await this.assertCheckpointsSettled(vm);
              settled = await this.run(vm, entry.destinationHostId, { ...settings, mode: 'live' }, ctx, (s) => report(s, sampleProgress(s).phase));
            } finally {
              lease.release();
            }
            results.push({ ...base, outcome: 'migrated', report: settled });
          } catch (error) {
            results.push({ ...base, outcome: ctx.signal.aborted ? 'cancelled' : 'failed', reason: error instanceof Error ? error.message : String(error) });
          }
        }
        const migrated = results.filter((r) => r.outcome === 'migrated').length;
        const summary = { hostId, vms: results, migrated, total: results.length };
        if (ctx.signal.aborted) {
          throw new OperationFailedError('evacuate.cancelled', `Evacuation of ${source.name} cancelled after ${migrated} of ${results.length} VMs`, { details: summary });
        }
        const failed = results.filter((r) => r.outcome !== 'migrated');
        if (failed.length > 0) {
          throw new OperationFailedError(
            'evacuate.incomplete',
            `${source.name} still runs ${failed.length} VM${failed.length === 1 ? '' : 's'}: ${failed.map((r) => `${r.name}: ${r.reason}`).join('; ')}`,
            { details: summary },
          );
        }
        return summary;
      },
    );
    return { job, plan };
  }

  private async run(
    vm: VmSummary,
    destinationHostId: string,
    settings: MigrationSettings,
    ctx: JobContext,
    onSample: (sample: MigrationSample) => void,
  ): Promise<MigrationReport> {
    const started = this.now();
    let arrived: number | undefined;
    const destination = this.deps.hosts.get(destinationHostId);
    let stats: MigrationStats;
    try {
      stats = await this.deps.port.migrate(
        { hostId: vm.hostId, uuid: vm.uuid },
        { hostId: destinationHostId, uri: destination.uri },
        settings,
        { signal: ctx.signal, onSample, onArrived: () => (arrived ??= this.now()) },
      );
    } catch (error) {
      if (ctx.signal.aborted) {
        throw new OperationFailedError('migration.cancelled', `Migration of ${vm.name} cancelled: it stays on ${this.deps.hosts.get(vm.hostId).name}`, {
          cause: error,
          details: { hostId: vm.hostId, uuid: vm.uuid },
        });
      }
      throw error;
    }
    // The source's side: libvirt 9.0 sends no "undefined" event from the source of an offline migration, and
    // after a live one its "undefined" event can arrive before the daemon drops the domain (a re-read then
    // still finds it, shut off). Once the call has returned the source is done, so one more read settles it.
    // The destination's side comes from its own events.
    await this.deps.inventory.refresh(vm.hostId, vm.uuid);
    return {
      vmName: vm.name,
      uuid: vm.uuid,
      sourceHostId: vm.hostId,
      destinationHostId,
      mode: settings.mode,
      storage: settings.storage,
      // Not the port's wait for the hypervisor's figures nor the re-read of the source after it.
      totalTimeMs: (arrived ?? this.now()) - started,
      ...(stats.downtimeMs !== undefined ? { downtimeMs: stats.downtimeMs } : {}),
      ...(stats.timeElapsedMs !== undefined ? { hypervisorTimeMs: stats.timeElapsedMs } : {}),
      ...(stats.dataTransferred !== undefined ? { dataTransferred: stats.dataTransferred } : {}),
      ...(stats.iterations !== undefined ? { iterations: stats.iterations } : {}),
      ...(stats.observedPauseMs !== undefined ? { observedPauseMs: stats.observedPauseMs } : {}),
    };
  }

  /**
   * The VM's lock on both hosts (the source's, and the destination's: a checkpoint tree kept there from an
   * earlier stay is keyed by that host), or a Conflict ('vm.busy') with neither held.
   */
  private lockForMove(vm: VmSummary, destinationHostId: string): VmOperationLease {
    const { hosts } = this.deps;
    const source = this.locks.acquire(vm, `migration to ${hosts.get(destinationHostId).name}`);
    try {
      const destination = this.locks.acquire({ hostId: destinationHostId, uuid: vm.uuid }, `migration from ${hosts.get(vm.hostId).name}`);
      return {
        release: () => {
          destination.release();
          source.release();
        },
      };
    } catch (error) {
      source.release();
      throw error;
    }
  }

  private async pendingCheckpointIssue(vm: VmSummary): Promise<MigrationIssue | undefined> {
    const pending = await this.deps.pendingCheckpointWork?.({ hostId: vm.hostId, uuid: vm.uuid });
    if (!pending) return undefined;
    return {
      code: 'vm.checkpoint-recovery-pending',
      message: `An interrupted checkpoint operation of "${vm.name}" (${pending}) is not settled yet: Tandem settles it when ${this.deps.hosts.get(vm.hostId).name} answers again or at the next start; migrate it after that.`,
    };
  }

  /**
   * Read again once the VM's lock is held: check() reads the journal before the lock is taken (and an
   * evacuation's plan long before), so a checkpoint operation may have run and been interrupted in between.
   */
  private async assertCheckpointsSettled(vm: VmSummary): Promise<void> {
    const pending = await this.pendingCheckpointIssue(vm);
    if (!pending) return;
    throw new ConflictError('migration.blocked', `Cannot migrate ${vm.name}: ${pending.message}`, { details: { blockers: [pending], warnings: [] } });
  }

  private async assertNoBlockers(vm: VmSummary, destinationHostId: string, settings: MigrationSettings): Promise<void> {
    const check = await this.check(vm.hostId, vm.uuid, destinationHostId, settings);
    if (check.ok) return;
    throw new ConflictError('migration.blocked', `Cannot migrate ${vm.name}: ${check.blockers.map((b) => b.message).join(' ')}`, {
      details: { blockers: check.blockers, warnings: check.warnings },
    });
  }

  private async vmOf(hostId: string, uuid: string): Promise<VmSummary> {
    this.deps.hosts.session(hostId); // a clear HostUnreachable error first
    const vm = (await this.deps.inventory.refresh(hostId, uuid)) ?? undefined;
    if (!vm) throw new NotFoundError('vm.not-found', `There is no VM ${uuid} on ${this.deps.hosts.get(hostId).name}`, { details: { hostId, uuid } });
    return vm;
  }
}

function parentFolder(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function mib(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}

/** A job progress report from a migration sample. */
export function sampleProgress(sample: MigrationSample): { phase: string; fraction?: number; figures: Record<string, number> } {
  const figures: Record<string, number> = {};
  for (const [key, value] of Object.entries(sample)) if (typeof value === 'number') figures[key] = value;
  const total = sample.dataTotal;
  const remaining = sample.dataRemaining;
  const fraction = total && remaining !== undefined && total > 0 ? Math.min(1, Math.max(0, 1 - remaining / total)) : undefined;
  const phase =
    sample.iteration === undefined || sample.iteration === 0
      ? 'setting up'
      : sample.iteration === 1
        ? 'copying memory'
        : `copying dirtied memory (pass ${sample.iteration})`;
  return { phase, ...(fraction !== undefined ? { fraction } : {}), figures };
}
