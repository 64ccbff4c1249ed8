/**
 * The checkpoint engine: take / revert / delete / commit over a VM's tree of external checkpoints (disk
 * overlays + memory state), each step journaled so that recover() can complete or roll back an operation
 * a crash interrupted. See model.ts for how disks are layered.
 *
 * libvirt's snapshot metadata is not kept (NO_METADATA): libvirt 9.0 can neither revert external snapshots
 * nor follow a revert Tandem does itself, so its "current snapshot" would be wrong after the first revert and
 * its metadata would have to be deleted before any undefine; Tandem's tree is the only record.
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { Emitter } from '../Emitter';
import { ConflictError, InvalidInputError, NotFoundError, OperationFailedError, UnsupportedError } from '../errors';
import { createLogger } from '../logging';
import { VmOperationLocks, type VmOperationLease } from '../vmOperations/VmOperationLocks';
import { CheckpointJournal, type JournalEntry } from './CheckpointJournal';
import { CheckpointTreeStore } from './CheckpointTreeStore';
import { domainDisks, domainName, withDiskSources } from './domainDisks';
import { emulatedTpmOf, loadTpmState, saveTpmState } from './tpmState';
import {
  currentLineage,
  dependentsOf,
  emptyTree,
  findCheckpoint,
  isBaseImage,
  layerOf,
  memoryAncestorOf,
  memoryChainOf,
  type Checkpoint,
  type DiskLayer,
  type VmCheckpointTree,
} from './model';
import type { CheckpointHypervisor, CheckpointVm, DiskImages, MemoryMethod, MemoryStateStore, TpmCopyOwner, VmStatus } from './ports';

const log = createLogger('checkpoints');
/** How a recovered revert whose memory could not be restored is reported. */
const DISKS_ONLY = 'completed on the disks only';
/** Why a VM on another machine's host gets no checkpoint operation (see assertFilesHere). */
export const REMOTE_HOST_REASON =
  "Checkpoints are not available for VMs on another machine: Tandem creates, merges and removes a checkpoint's disk images, memory and TPM state files itself, on this machine, and this host's files are on its own machine. Checkpoints work for VMs on this machine's hosts (qemu:///system, qemu:///session).";

export interface TakeCheckpointRequest {
  name: string;
  description?: string;
  /** Memory + disks (default for a running VM), or disks only (crash-consistent; the only kind for a shut-off VM). */
  diskOnly?: boolean;
  /** Freeze the guest's filesystems through its agent when it answers (default true). */
  quiesce?: boolean;
}

export interface CheckpointView extends Omit<Checkpoint, 'domainXml'> {
  children: string[];
  current: boolean;
  /** Bytes on disk of this checkpoint's own files (its overlay layers, not the VM's base disks, + memory); null: not known here (a host on another machine, or one not connected). */
  sizeBytes: number | null;
}

export interface CheckpointTreeView {
  vm: CheckpointVm;
  currentId: string | null;
  checkpoints: CheckpointView[];
  /** Why take / revert / delete / commit are refused for this VM whatever its state (its host is another machine's); null: they may run. */
  unavailableReason: string | null;
}

export interface CommitRequest {
  /** 'fold': the current state goes into the base disks; 'copy': the base disks stay as they were and the VM moves to a standalone copy. */
  mode: 'fold' | 'copy';
}

interface TakeData {
  checkpoint: Checkpoint;
  overlays: DiskLayer[];
  wasRunning: boolean;
  /** The method chosen for the memory (absent: disk-only, or a journal from before the background snapshot). */
  memoryMethod?: MemoryMethod;
}

interface CommitData {
  mode: CommitRequest['mode'];
  copies: DiskLayer[];
}

interface DeleteData {
  checkpointId: string;
}

interface RevertData {
  checkpointId: string;
  overlays: DiskLayer[];
  oldActive: DiskLayer[];
}

/** Told what an operation does now ("saving memory"), for a job's progress. */
export type PhaseReporter = (phase: string) => void;
const noPhases: PhaseReporter = () => undefined;

export interface CheckpointEngineDeps {
  hypervisor: CheckpointHypervisor;
  images: DiskImages;
  memory: MemoryStateStore;
  /** Tandem's data folder: checkpoints/trees and checkpoints/journal live under it. */
  dataDir: string;
  now?: () => Date;
  /** How long recovery waits for a VM libvirt shows as starting up to come up or go down (default 10 s). */
  startingUpGraceMs?: number;
  /** Per-VM operation locks shared with live migration (default: the engine's own). */
  locks?: VmOperationLocks;
}

export class CheckpointEngine {
  private readonly trees: CheckpointTreeStore;
  private readonly journal: CheckpointJournal;
  private readonly locks: VmOperationLocks;
  /** VMs whose start-up sweep waits for their host: not connected then, or another machine's (its URI may be edited to this one's). */
  private readonly unswept = new Set<string>();
  /** A VM's tree after any change (take, revert, delete, commit, recovery). */
  readonly changed = new Emitter<CheckpointTreeView>();

  constructor(private readonly deps: CheckpointEngineDeps) {
    this.trees = new CheckpointTreeStore(join(deps.dataDir, 'checkpoints', 'trees'));
    this.journal = new CheckpointJournal(join(deps.dataDir, 'checkpoints', 'journal'));
    this.locks = deps.locks ?? new VmOperationLocks();
  }

  /** The tree as Tandem recorded it; sizes are read from the files only when they are this machine's. */
  async list(vm: CheckpointVm): Promise<CheckpointTreeView> {
    // A host that cannot say now (not connected) lists without sizes and without a refusal: its operations
    // fail on their own with why (host.not-connected).
    const local = await this.deps.hypervisor.filesAreLocal(vm).catch(() => undefined);
    const unavailableReason = local === false ? REMOTE_HOST_REASON : null;
    const tree = await this.trees.load(vm);
    if (!tree) return { vm, currentId: null, checkpoints: [], unavailableReason };
    const checkpoints: CheckpointView[] = [];
    for (const c of tree.checkpoints) {
      const sizeBytes = local === true ? await this.sizeOnDisk(tree, c) : null;
      const { domainXml: _xml, ...rest } = c;
      checkpoints.push({ ...rest, children: tree.checkpoints.filter((x) => x.parentId === c.id).map((x) => x.id), current: tree.currentId === c.id, sizeBytes });
    }
    return { vm, currentId: tree.currentId, checkpoints, unavailableReason };
  }

  private async sizeOnDisk(tree: VmCheckpointTree, c: Checkpoint): Promise<number> {
    let bytes = c.memoryFile ? await this.deps.memory.sizeOnDisk(c.memoryFile) : 0;
    if (c.tpmStateFile) bytes += await this.deps.images.sizeOnDisk(c.tpmStateFile);
    for (const d of c.disks) if (!isBaseImage(tree, d.image)) bytes += await this.deps.images.sizeOnDisk(d.image);
    return bytes;
  }

  /**
   * Every operation (and the recovery of an interrupted one) handles the VM's files by path with this
   * machine's tools: on another machine's host those paths name files over there, and the same path here
   * may be an unrelated file. Refused before anything is read, journaled or changed. (Remote hosts would
   * need libvirt's storage-volume calls instead.)
   */
  private async assertFilesHere(vm: CheckpointVm): Promise<void> {
    if (await this.deps.hypervisor.filesAreLocal(vm)) return;
    throw new UnsupportedError('checkpoint.remote-host', REMOTE_HOST_REASON, { details: { hostId: vm.hostId, uuid: vm.uuid } });
  }

  async take(vm: CheckpointVm, request: TakeCheckpointRequest, phase: PhaseReporter = noPhases): Promise<CheckpointView> {
    const name = request.name.trim();
    if (!name) throw new InvalidInputError('checkpoint.name-empty', 'A checkpoint needs a name', { details: { field: 'name' } });
    await this.assertFilesHere(vm);
    return this.exclusive(vm, 'checkpoint take', async () => {
      const { hypervisor, images, memory } = this.deps;
      await hypervisor.assertSupported(vm);
      const status = await hypervisor.status(vm);
      if (status.state !== 'running' && status.state !== 'shutoff') {
        throw new ConflictError('checkpoint.vm-state', `A checkpoint needs a running or shut-off VM; this one is ${status.state}`);
      }
      if (!status.persistent) {
        throw new UnsupportedError('checkpoint.transient-vm', 'Checkpoints need a defined (persistent) VM: a transient one is gone once stopped, so it could not be reverted');
      }
      const running = status.state === 'running';
      const liveXml = await hypervisor.domainXml(vm, !running);
      const disks = domainDisks(liveXml).map((d) => ({ target: d.target, image: d.source, format: d.format }));
      if (disks.length === 0) throw new UnsupportedError('checkpoint.no-file-disk', 'This VM has no file-backed disk to checkpoint');
      const tree = (await this.trees.load(vm)) ?? emptyTree(vm.hostId, vm.uuid, join(dirname(disks[0]!.image), '.tandem-checkpoints', vm.uuid), disks);
      this.assertTreeMatches(tree, disks);
      await images.ensureFolder(tree.folder);

      const id = randomUUID();
      const diskOnly = !running || request.diskOnly === true;
      const keepsTpm = diskOnly && emulatedTpmOf(liveXml) !== null;
      if (!diskOnly) await memory.assertReady();
      else if (keepsTpm) await memory.assertReady('tpm');
      let memoryMethod: MemoryMethod | undefined;
      if (!diskOnly) {
        const choice = await hypervisor.memoryMethod(vm);
        memoryMethod = choice.method;
        if (choice.fallbackReason) log.info(`checkpoint of ${vm.uuid}: libvirt's live snapshot, not a background snapshot: ${choice.fallbackReason}`);
      }
      // libvirt quiesces disk-only snapshots only; a memory checkpoint holds the guest's caches anyway.
      const quiesce = running && diskOnly && request.quiesce !== false && (await hypervisor.agentAnswers(vm));
      const overlays = disks.map((d) => ({ target: d.target, image: join(tree.folder, `${layerName(d.target)}`), format: 'qcow2' }));
      const checkpoint: Checkpoint = {
        id,
        name,
        description: request.description ?? '',
        createdAt: (this.deps.now?.() ?? new Date()).toISOString(),
        parentId: tree.currentId,
        kind: diskOnly ? 'disk-only' : 'memory',
        quiesced: quiesce,
        disks,
        memoryFile: diskOnly ? null : memory.targetFor(tree.folder, id),
        // A memory checkpoint's TPM state travels in the save stream; a disk-only one keeps a copy (tpmState.ts).
        tpmStateFile: keepsTpm ? join(tree.folder, `${id}.tpm`) : null,
        domainXml: liveXml,
        stunMs: null,
        wallMs: 0,
      };
      const entry: JournalEntry<TakeData> = {
        id: `${Date.now()}-take-${id}`,
        op: 'take',
        vm,
        step: 'begin',
        data: { checkpoint, overlays, wasRunning: running, ...(memoryMethod ? { memoryMethod } : {}) },
      };
      await this.journal.write(entry);

      let outcome;
      phase(checkpoint.memoryFile ? (memoryMethod === 'background-snapshot' ? 'switching disks, saving memory in the background' : 'creating overlays, saving memory') : 'creating overlays');
      try {
        outcome = await hypervisor.snapshot(vm, {
          name: snapshotName(id),
          overlays: overlays.map((o) => ({ target: o.target, overlay: o.image })),
          ...(checkpoint.memoryFile ? { memoryFile: checkpoint.memoryFile, memoryMethod } : {}),
          quiesce,
          whileMemoryIsWritten: () => this.journal.write({ ...entry, step: 'switched' }),
        });
      } catch (error) {
        // A failure does not say whether the disks switched (the daemon may have died after doing it): the
        // domain's XML does. When it cannot be read either, the journal stays for recover() at next start.
        const settled = await this.recoverTake(entry).catch(() => undefined);
        if (settled === undefined) throw error;
        await this.journal.finish(entry.id);
        if (settled.startsWith('rolled back')) throw error;
        return this.viewOf(vm, id);
      }
      checkpoint.stunMs = outcome.stunMs;
      checkpoint.wallMs = outcome.wallMs;
      if (outcome.memoryMethod) checkpoint.memoryMethod = outcome.memoryMethod;
      await this.journal.write({ ...entry, step: 'snapshotted' });
      if (checkpoint.memoryFile) phase('sealing memory');
      try {
        await this.completeTake(tree, entry.data);
      } catch (error) {
        // Any other failure keeps the journal: recovery completes the take (the state on the disks is whole).
        if (!(error instanceof TpmCaptureError)) throw error;
        // Without its TPM state the checkpoint could not be reverted truly, and a retry may fail the same way
        // for good (a folder libvirt cannot open), blocking the VM: the switch is undone and the take fails.
        await this.unswitchTake(vm, running, entry.data);
        await this.journal.finish(entry.id);
        throw error;
      }
      await this.journal.finish(entry.id);
      log.info(`checkpoint ${name} of ${vm.uuid}: ${checkpoint.kind}${outcome.memoryMethod ? ` (${outcome.memoryMethod})` : ''}, stun ${outcome.stunMs ?? 0} ms, call ${outcome.wallMs} ms`);
      return this.viewOf(vm, id);
    });
  }

  async revert(vm: CheckpointVm, checkpointId: string, phase: PhaseReporter = noPhases): Promise<CheckpointTreeView> {
    await this.assertFilesHere(vm);
    return this.exclusive(vm, 'checkpoint revert', async () => {
      const tree = await this.requireTree(vm);
      const checkpoint = this.requireCheckpoint(tree, checkpointId);
      for (const d of checkpoint.disks) {
        if (!(await this.deps.images.exists(d.image))) {
          throw new ConflictError('checkpoint.image-missing', `The disk image of checkpoint ${checkpoint.name} is missing: ${d.image}`, { details: { path: d.image } });
        }
      }
      if (checkpoint.tpmStateFile) await loadTpmState(this.deps.memory, checkpoint.tpmStateFile, tpmCopyOwner(vm, checkpoint), checkpoint.name);
      // The memory state is rebuilt and verified before anything is touched: a damaged one leaves the VM as it was.
      const memoryChain = checkpoint.memoryFile ? memoryChainOf(tree, checkpoint) : [];
      if (memoryChain.length > 0) phase('rebuilding and verifying memory');
      const restorable = memoryChain.length > 0 ? await this.deps.memory.openForRestore(memoryChain) : undefined;
      let restoreFailure: unknown;
      try {
        const data: RevertData = {
          checkpointId,
          overlays: checkpoint.disks.map((d) => ({ target: d.target, image: join(tree.folder, layerName(d.target)), format: 'qcow2' })),
          oldActive: tree.active,
        };
        const entry: JournalEntry<RevertData> = { id: `${Date.now()}-revert-${randomUUID()}`, op: 'revert', vm, step: 'begin', data };
        await this.journal.write(entry);
        let reached = entry;
        try {
          const status = await this.deps.hypervisor.status(vm);
          phase('stopping the VM');
          if (status.state !== 'shutoff') await this.deps.hypervisor.destroy(vm);
          reached = { ...entry, step: 'stopped' };
          await this.journal.write(reached);
          phase(restorable ? 'restoring' : 'switching disks');
          restoreFailure = await this.completeRevert(tree, data, restorable);
        } catch (error) {
          // Interrupted midway (the host stopped answering, say): settle it now as recovery would, from the
          // journal's step and what the host reports; when the host cannot tell, the journal keeps it.
          const settled = await this.recoverRevert(reached).catch((recoveryError: unknown) => {
            log.warn(`revert of ${vm.uuid} interrupted, left to recovery: ${(recoveryError as Error).message}`);
            return undefined;
          });
          if (settled === undefined) {
            throw new OperationFailedError(
              'checkpoint.revert-interrupted',
              `The revert to checkpoint ${checkpoint.name} was interrupted (${(error as Error).message}); Tandem completes or rolls it back once the host answers again`,
              { details: { checkpointId }, cause: error },
            );
          }
          await this.journal.finish(entry.id);
          log.info(`revert of ${vm.uuid} interrupted (${(error as Error).message}), settled at once: ${settled}`);
          if (settled.startsWith('rolled back')) throw error;
          if (settled.startsWith(DISKS_ONLY)) restoreFailure = error;
          return this.reverted(vm, checkpoint, restoreFailure);
        }
        await this.journal.finish(entry.id);
      } finally {
        if (restorable !== undefined) await this.deps.memory.closeAfterRestore(restorable, memoryChain[memoryChain.length - 1]!);
      }
      return this.reverted(vm, checkpoint, restoreFailure);
    });
  }

  private async reverted(vm: CheckpointVm, checkpoint: Checkpoint, restoreFailure: unknown): Promise<CheckpointTreeView> {
    if (restoreFailure !== undefined) {
      throw new OperationFailedError(
        'checkpoint.restore-failed',
        `The memory of checkpoint ${checkpoint.name} could not be restored (${(restoreFailure as Error).message}); the VM is shut off on that checkpoint's disks`,
        { details: { checkpointId: checkpoint.id }, cause: restoreFailure },
      );
    }
    return this.list(vm);
  }

  async delete(vm: CheckpointVm, checkpointId: string, phase: PhaseReporter = noPhases): Promise<CheckpointTreeView> {
    await this.assertFilesHere(vm);
    return this.exclusive(vm, 'checkpoint delete', async () => {
      const tree = await this.requireTree(vm);
      const checkpoint = this.requireCheckpoint(tree, checkpointId);
      const entry: JournalEntry<DeleteData> = { id: `${Date.now()}-delete-${randomUUID()}`, op: 'delete', vm, step: 'begin', data: { checkpointId } };
      // Journaled once the delete is known to go ahead (the VM's state read, no refusal), right before its
      // first change: a refusal, or a host that cannot say whether the VM runs, changes nothing and must not
      // be carried out by a later recovery.
      await this.mergeAway(vm, tree, checkpoint, phase, () => this.journal.write(entry));
      await this.journal.finish(entry.id);
      return this.list(vm);
    });
  }

  /** Folds the VM's current state into its base disks (or a standalone copy) and drops every checkpoint. */
  async commit(vm: CheckpointVm, request: CommitRequest, phase: PhaseReporter = noPhases): Promise<CheckpointTreeView> {
    await this.assertFilesHere(vm);
    return this.exclusive(vm, 'checkpoint commit', async () => {
      const tree = await this.requireTree(vm);
      const stamp = Date.now();
      const data: CommitData = {
        mode: request.mode,
        // The copies' names are journaled, so that a resumed commit finds them again.
        copies: tree.baseDisks.map((b) => ({ target: b.target, image: join(dirname(b.image), `${basename(b.image, extname(b.image))}.tandem-${stamp}.qcow2`), format: 'qcow2' })),
      };
      const entry: JournalEntry<CommitData> = { id: `${stamp}-commit-${randomUUID()}`, op: 'commit', vm, step: 'begin', data };
      await this.journal.write(entry);
      phase(request.mode === 'fold' ? 'merging into the base disks' : 'copying the disks');
      await this.commitWork(vm, tree, data, entry);
      await this.journal.finish(entry.id);
      return this.list(vm);
    });
  }

  /**
   * Replays the journal after a crash: a take whose disks switched is recorded, otherwise its files are
   * removed; a revert is completed once the VM was stopped, rolled back before; a delete or commit runs
   * again; a paused VM is resumed. `hostId`: only that host's operations (it came back after dropping
   * midway), without the start-up sweep of temporary files except the one its VMs missed at start (the host
   * not connected then). Each VM is recovered under its operation lock (a
   * VM busy with a new operation is skipped: that operation recovers it first). A VM on another machine's
   * host is not recovered (its entries stay in the journal) and its folder not swept: the paths name files
   * over there. Returns what it did.
   */
  async recover(hostId?: string): Promise<string[]> {
    const done: string[] = [];
    const vms = new Map<string, CheckpointVm>();
    for (const entry of await this.journal.pending()) if (hostId === undefined || entry.vm.hostId === hostId) vms.set(vmKeyOf(entry.vm), entry.vm);
    for (const vm of vms.values()) {
      const lease = this.locks.tryAcquire(vm, 'checkpoint recovery');
      if (!lease) {
        done.push(`${vm.uuid}: skipped, a ${this.locks.holder(vm) ?? 'operation'} runs on it`);
        continue;
      }
      try {
        done.push(...(await this.recoverVm(vm)).map((r) => r.line));
      } finally {
        lease.release();
        await this.publish(vm);
      }
    }
    // A revert or seal killed midway may have left a plain copy of a guest's memory: it goes now, or once
    // the VM's host connects if it cannot say now whether the folder is this machine's.
    if (hostId !== undefined && ![...this.unswept].some((key) => key.startsWith(`${hostId}/`))) return done;
    const trees = (await this.trees.all()).filter((tree) => hostId === undefined || (tree.hostId === hostId && this.unswept.has(vmKeyOf(tree))));
    for (const tree of trees) {
      const vm = { hostId: tree.hostId, uuid: tree.uuid };
      const lease = this.locks.tryAcquire(vm, 'checkpoint cleanup');
      if (!lease) continue;
      try {
        const local = await this.deps.hypervisor.filesAreLocal(vm).catch(() => undefined);
        if (local !== true) {
          this.unswept.add(vmKeyOf(vm));
          if (hostId === undefined) {
            done.push(`cleanup of ${tree.folder}: ${local === false ? `skipped (host ${vm.hostId} is another machine's)` : `deferred until host ${vm.hostId} connects`}`);
          }
          continue;
        }
        await this.deps.memory.discardTemporaries(tree.folder);
        this.unswept.delete(vmKeyOf(vm));
        if (hostId !== undefined) done.push(`cleanup of ${tree.folder}: done`);
      } catch (error) {
        log.error(`temporary memory files in ${tree.folder} not removed: ${(error as Error).message}`);
        done.push(`cleanup of ${tree.folder}: failed (${(error as Error).message})`);
      } finally {
        lease.release();
      }
    }
    return done;
  }

  /**
   * What an interrupted checkpoint operation of this VM still waits for recovery to settle ("take at
   * switched"), or undefined. A VM moved to another host meanwhile would leave that entry unsettleable.
   */
  async pendingOperation(vm: CheckpointVm): Promise<string | undefined> {
    const entry = (await this.journal.pending()).find((e) => vmKeyOf(e.vm) === vmKeyOf(vm));
    return entry ? `${entry.op} at ${entry.step}` : undefined;
  }

  /** The VM's pending journal entries, oldest first, each settled or kept (its lock held by the caller). */
  private async recoverVm(vm: CheckpointVm): Promise<{ line: string; failed: boolean }[]> {
    const results: { line: string; failed: boolean }[] = [];
    for (const entry of await this.journal.pending()) {
      if (vmKeyOf(entry.vm) !== vmKeyOf(vm)) continue;
      const what = `${entry.op} of ${entry.vm.uuid} at ${entry.step}`;
      try {
        await this.assertFilesHere(vm);
        let outcome: string;
        if (entry.op === 'take') outcome = await this.recoverTake(entry as JournalEntry<TakeData>);
        else if (entry.op === 'revert') outcome = await this.recoverRevert(entry as JournalEntry<RevertData>);
        else outcome = await this.recoverMerge(entry);
        await this.journal.finish(entry.id);
        results.push({ line: `${what}: ${outcome}`, failed: false });
      } catch (error) {
        log.error(`checkpoint recovery of ${what} failed: ${(error as Error).message}`);
        results.push({ line: `${what}: failed (${(error as Error).message}); kept in the journal`, failed: true });
        // Later entries of this VM build on this one: they wait for it.
        break;
      }
    }
    return results;
  }

  // --- steps -------------------------------------------------------------------------------------------

  private async completeTake(tree: VmCheckpointTree, data: TakeData): Promise<void> {
    const tpmCopy = data.checkpoint.tpmStateFile;
    if (tpmCopy && !(await this.deps.images.exists(tpmCopy))) {
      // Right after the disks switched (for a running VM, its TPM is crash-consistent with them, as the disks are).
      try {
        const files = await this.deps.hypervisor.readTpmState(tree, data.checkpoint.domainXml);
        await saveTpmState(this.deps.memory, tpmCopy, tpmCopyOwner(tree, data.checkpoint), files ?? []);
      } catch (error) {
        throw new TpmCaptureError(data.checkpoint.name, error);
      }
    }
    // libvirt moves the persistent definition to the overlays too; making sure costs one define and keeps a
    // later cold boot (and a take while shut off) on the chain Tandem recorded.
    await this.redefineDisks(tree, data.overlays);
    tree.checkpoints = tree.checkpoints.filter((c) => c.id !== data.checkpoint.id).concat(data.checkpoint);
    if (data.checkpoint.memoryFile) {
      const base = memoryAncestorOf(tree, data.checkpoint);
      const sealed = await this.deps.memory.seal(
        { vmUuid: tree.uuid, checkpointId: data.checkpoint.id, path: data.checkpoint.memoryFile },
        base ? memoryChainOf(tree, base) : [],
      );
      data.checkpoint.memoryBaseId = sealed.baseId;
      data.checkpoint.memoryFullBytes = sealed.fullBytes;
    }
    tree.currentId = data.checkpoint.id;
    tree.active = data.overlays;
    await this.trees.save(tree);
  }

  private async rollBackTake(data: TakeData): Promise<void> {
    for (const o of data.overlays) await this.deps.images.remove(o.image);
    if (data.checkpoint.tpmStateFile) await this.deps.images.remove(data.checkpoint.tpmStateFile);
    if (data.checkpoint.memoryFile) await this.deps.memory.delete(data.checkpoint.memoryFile);
  }

  /** Returns the restore's failure, if any: the VM is then shut off on the checkpoint's disks, the tree says so. */
  private async completeRevert(tree: VmCheckpointTree, data: RevertData, opened?: string): Promise<unknown> {
    const { hypervisor, images, memory } = this.deps;
    const checkpoint = this.requireCheckpoint(tree, data.checkpointId);
    for (const o of data.overlays) {
      // An overlay from an interrupted attempt is recreated: the VM never ran on it.
      await images.remove(o.image);
      await images.createOverlay(o.image, layerOf(checkpoint.disks, o.target).image, layerOf(checkpoint.disks, o.target).format);
    }
    await this.redefineDisks(tree, data.overlays);
    if (checkpoint.tpmStateFile) {
      // The VM is stopped: its TPM state goes back to the checkpoint's, in the folder its definition names now.
      const files = await loadTpmState(memory, checkpoint.tpmStateFile, tpmCopyOwner(tree, checkpoint), checkpoint.name);
      if (!(await hypervisor.writeTpmState(tree, await hypervisor.domainXml(tree, true), files))) {
        log.warn(`checkpoint ${checkpoint.name} of ${tree.uuid} kept a TPM state, but the VM has no emulated TPM any more: not written`);
      }
    }
    let restoreFailure: unknown;
    if (checkpoint.memoryFile) {
      // Opened here only when recovery completes a revert (the caller opened it otherwise, and closes it).
      const chain = memoryChainOf(tree, checkpoint);
      let restorable = opened;
      try {
        restorable ??= await memory.openForRestore(chain);
        await hypervisor.restore(tree, restorable, withDiskSources(checkpoint.domainXml, data.overlays));
      } catch (error) {
        // Whether the restore happened is the host's to say: a daemon that died midway may have left QEMU
        // starting, or running. Only a VM the host reports shut off is a settled failure: it stays shut off on
        // the checkpoint's disks (a consistent state, as a disk-only revert), recorded below. Otherwise (the
        // status unreadable, or the VM up) the error goes up and the journal keeps the revert for recovery.
        const after = await hypervisor.status(tree);
        if (after.state !== 'shutoff') throw error;
        restoreFailure = error;
      } finally {
        if (opened === undefined && restorable !== undefined) await memory.closeAfterRestore(restorable, chain[chain.length - 1]!);
      }
    }
    tree.active = data.overlays;
    tree.currentId = checkpoint.id;
    await this.trees.save(tree);
    await this.removeAbandoned(tree, data);
    return restoreFailure;
  }

  /** The state after the last checkpoint of the branch left behind is what a revert discards. */
  private async removeAbandoned(tree: VmCheckpointTree, data: RevertData): Promise<void> {
    for (const old of data.oldActive) {
      if (!isBaseImage(tree, old.image) && !data.overlays.some((o) => o.image === old.image)) await this.deps.images.remove(old.image);
    }
  }

  /**
   * Writes the current state into the base disks ('fold') or a standalone copy ('copy'), then drops every
   * checkpoint file. Each step checks whether it already happened, so recovery can run it again.
   */
  private async commitWork(vm: CheckpointVm, tree: VmCheckpointTree, data: CommitData, entry: JournalEntry<CommitData>): Promise<void> {
    const { hypervisor, images } = this.deps;
    const running = (await hypervisor.status(vm)).state !== 'shutoff';
    const finalLayers: DiskLayer[] = [];
    for (const base of tree.baseDisks) {
      const active = layerOf(tree.active, base.target);
      const top = running ? ((await hypervisor.diskChain(vm, base.target))[0] ?? active.image) : active.image;
      if (data.mode === 'fold') {
        if (top !== base.image) {
          if (running) await hypervisor.blockJob(vm, { kind: 'active-commit', target: base.target, base: base.image });
          else await images.commit(active.image, base.image);
        }
        finalLayers.push(base);
      } else {
        const copy = layerOf(data.copies, base.target);
        if (top !== copy.image) {
          if (running) {
            await images.remove(copy.image);
            await hypervisor.blockJob(vm, { kind: 'copy', target: base.target, dest: copy.image });
          } else if (!(await images.exists(copy.image))) {
            await images.flattenCopy(active.image, `${copy.image}.part`);
            await images.rename(`${copy.image}.part`, copy.image);
          }
        }
        finalLayers.push(copy);
      }
    }
    await this.journal.write({ ...entry, step: 'pivoted' });
    await this.redefineDisks(vm, finalLayers);
    for (const c of tree.checkpoints) {
      if (c.memoryFile) await this.deps.memory.delete(c.memoryFile);
      if (c.tpmStateFile) await images.remove(c.tpmStateFile);
      for (const d of c.disks) if (!isBaseImage(tree, d.image)) await images.remove(d.image);
    }
    for (const a of tree.active) if (!isBaseImage(tree, a.image) && !finalLayers.some((f) => f.image === a.image)) await images.remove(a.image);
    await this.trees.remove(vm);
  }

  /**
   * Removes a checkpoint by merging its layer into what depends on it (see model.ts). Every merge step
   * first checks whether it already happened (recovery runs this again after a crash): commits and rebases
   * are idempotent, and a layer already gone from the running chain or from the disk is not merged twice.
   */
  private async mergeAway(
    vm: CheckpointVm,
    tree: VmCheckpointTree,
    checkpoint: Checkpoint,
    phase: PhaseReporter = noPhases,
    beforeFirstChange: () => Promise<void> = async () => {},
  ): Promise<void> {
    const { hypervisor, images } = this.deps;
    const running = (await hypervisor.status(vm)).state !== 'shutoff';
    const lineage = currentLineage(tree);
    const { children, active } = dependentsOf(tree, checkpoint.id);
    const dependents = children.length + (active ? 1 : 0);
    const parent = checkpoint.parentId ? findCheckpoint(tree, checkpoint.parentId) : undefined;
    const chain = (target: string) => (running ? hypervisor.diskChain(vm, target) : Promise.resolve([]));
    this.assertDeletable(tree, checkpoint, running);
    await beforeFirstChange();
    if (tree.checkpoints.some((c) => c.memoryBaseId === checkpoint.id)) phase('re-basing memory');
    await this.rebaseMemoryDependents(tree, checkpoint);
    phase('merging disks');

    if (dependents === 1) {
      // Commit the single dependent layer down into this checkpoint's image, which then holds its state.
      for (const layer of checkpoint.disks) {
        if (active) {
          const top = layerOf(tree.active, layer.target);
          if (running) {
            if ((await chain(layer.target))[0] !== layer.image) await hypervisor.blockJob(vm, { kind: 'active-commit', target: layer.target, base: layer.image });
          } else if (top.image !== layer.image && (await images.exists(top.image))) {
            await images.commit(top.image, layer.image);
          }
          tree.active = tree.active.map((a) => (a.target === layer.target ? layer : a));
          if (top.image !== layer.image) await images.remove(top.image);
        } else {
          const child = children[0]!;
          const top = layerOf(child.disks, layer.target);
          if (top.image === layer.image) continue;
          if (running && lineage.has(child.id)) {
            if ((await chain(layer.target)).includes(top.image)) await hypervisor.blockJob(vm, { kind: 'commit', target: layer.target, top: top.image, base: layer.image });
          } else {
            if (await images.exists(top.image)) await images.commit(top.image, layer.image);
            // Whatever was backed by the child's image is now backed by this one, with the same contents.
            for (const grandchild of tree.checkpoints.filter((c) => c.parentId === child.id)) {
              await images.relink(layerOf(grandchild.disks, layer.target).image, layer.image, layer.format);
            }
            if (tree.currentId === child.id && !running) await images.relink(layerOf(tree.active, layer.target).image, layer.image, layer.format);
          }
          child.disks = child.disks.map((d) => (d.target === layer.target ? layer : d));
          await images.remove(top.image);
        }
      }
      if (active) tree.currentId = checkpoint.parentId;
      if (active) await this.redefineDisks(vm, tree.active);
    } else if (dependents > 1) {
      for (const layer of checkpoint.disks) {
        const newBase = parent ? layerOf(parent.disks, layer.target) : null;
        for (const child of children) {
          await images.rebase(layerOf(child.disks, layer.target).image, newBase?.image ?? null, newBase?.format ?? 'qcow2');
        }
        if (active) {
          if (running) {
            if ((await chain(layer.target)).includes(layer.image)) await hypervisor.blockJob(vm, { kind: 'pull', target: layer.target, base: newBase?.image ?? null });
          } else await images.rebase(layerOf(tree.active, layer.target).image, newBase?.image ?? null, newBase?.format ?? 'qcow2');
        }
        if (!isBaseImage(tree, layer.image)) await images.remove(layer.image);
      }
      if (active) tree.currentId = checkpoint.parentId;
    } else if (!checkpoint.disks.some((d) => isBaseImage(tree, d.image))) {
      for (const layer of checkpoint.disks) await images.remove(layer.image);
    }
    for (const child of children) child.parentId = checkpoint.parentId;
    if (checkpoint.memoryFile) await this.deps.memory.delete(checkpoint.memoryFile);
    if (checkpoint.tpmStateFile) await images.remove(checkpoint.tpmStateFile);
    tree.checkpoints = tree.checkpoints.filter((c) => c.id !== checkpoint.id);
    if (tree.checkpoints.length === 0 && tree.active.every((a) => isBaseImage(tree, a.image))) await this.trees.remove(vm);
    else await this.trees.save(tree);
  }

  /** The deletes Tandem refuses (see mergeAway), each with what to do instead. */
  private assertDeletable(tree: VmCheckpointTree, checkpoint: Checkpoint, running: boolean): void {
    const { children, active } = dependentsOf(tree, checkpoint.id);
    if (children.length + (active ? 1 : 0) <= 1) return;
    if (!checkpoint.parentId && checkpoint.disks.some((d) => isBaseImage(tree, d.image))) {
      throw new UnsupportedError('checkpoint.root-with-branches', `Checkpoint ${checkpoint.name} holds the VM's original disks and has several branches: delete a branch first, or commit`);
    }
    const lineage = currentLineage(tree);
    if (running && children.some((c) => lineage.has(c.id))) {
      throw new UnsupportedError('checkpoint.busy-branch', `Checkpoint ${checkpoint.name} has several branches and the running VM uses one of them: shut the VM off to delete it`);
    }
  }

  /**
   * The memory states stored as deltas against `checkpoint`'s are stored again against its own base (or
   * whole), each saved in the tree before its old file goes: a rerun after a crash finds nothing left to do.
   */
  private async rebaseMemoryDependents(tree: VmCheckpointTree, checkpoint: Checkpoint): Promise<void> {
    if (!checkpoint.memoryFile) return;
    const base = checkpoint.memoryBaseId ? findCheckpoint(tree, checkpoint.memoryBaseId) : undefined;
    for (const dependent of tree.checkpoints.filter((c) => c.memoryBaseId === checkpoint.id && c.memoryFile)) {
      const old = dependent.memoryFile!;
      const newPath = join(dirname(old), `${dependent.id}.${randomUUID().slice(0, 8)}.mem`);
      const sealed = await this.deps.memory.rebase(memoryChainOf(tree, dependent), base ? memoryChainOf(tree, base) : [], newPath);
      dependent.memoryFile = newPath;
      dependent.memoryBaseId = sealed.baseId;
      await this.trees.save(tree);
      await this.deps.memory.delete(old);
    }
  }

  private async redefineDisks(vm: CheckpointVm, layers: DiskLayer[]): Promise<void> {
    const persistent = await this.deps.hypervisor.domainXml(vm, true);
    await this.deps.hypervisor.define(vm, withDiskSources(persistent, layers));
  }

  // --- recovery ----------------------------------------------------------------------------------------

  private async recoverTake(entry: JournalEntry<TakeData>): Promise<string> {
    const { hypervisor } = this.deps;
    const { overlays, checkpoint } = entry.data;
    const status = await hypervisor.status(entry.vm);
    const xml = await hypervisor.domainXml(entry.vm, status.state === 'shutoff');
    const sources = new Map(domainDisks(xml).map((d) => [d.target, d.source]));
    const switched = overlays.every((o) => sources.get(o.target) === o.image);
    // libvirt switches all disks or none; some only is an undo (unswitchTake) that stopped between two disks.
    const partlyUnswitched = !switched && overlays.some((o) => sources.get(o.target) === o.image);
    // A background snapshot switches the disks before its memory is written: until the snapshot returned
    // ('snapshotted', after which the file may already be sealed), whether the memory state is whole decides,
    // and QEMU's side (capability, descriptor, a write still running) is settled either way. In every state:
    // a VM found crashed or shutting down may hold a file cut short, which must not be sealed as a checkpoint.
    const memory =
      entry.step !== 'snapshotted' && entry.data.memoryMethod === 'background-snapshot' && checkpoint.memoryFile
        ? await hypervisor.settleBackgroundSnapshot(entry.vm, { name: snapshotName(checkpoint.id), memoryFile: checkpoint.memoryFile })
        : 'completed';
    let outcome: string;
    let tpmFailure: TpmCaptureError | undefined;
    if (switched && memory === 'completed') {
      const tree = (await this.trees.load(entry.vm)) ?? emptyTree(entry.vm.hostId, entry.vm.uuid, dirname(overlays[0]!.image), checkpoint.disks);
      try {
        await this.completeTake(tree, entry.data);
      } catch (error) {
        if (!(error instanceof TpmCaptureError)) throw error;
        tpmFailure = error;
      }
    }
    if (switched && memory === 'completed' && !tpmFailure) {
      outcome = 'completed (the disks had switched to the new overlays)';
    } else if (tpmFailure) {
      // As in take(): kept journaled, it would block the VM for as long as the TPM state stays unreadable.
      await this.unswitchTake(entry.vm, status.state !== 'shutoff', entry.data);
      outcome = `rolled back (the disks had switched but the TPM state could not be copied: ${tpmFailure.message}; the new overlays were merged back)`;
    } else if (switched) {
      await this.unswitchTake(entry.vm, status.state !== 'shutoff', entry.data);
      outcome = 'rolled back (the disks had switched but the memory state was not written whole: the new overlays were merged back)';
    } else if (partlyUnswitched) {
      // The overlays still in use hold what the guest wrote since: merged back, never just removed.
      await this.unswitchTake(entry.vm, status.state !== 'shutoff', entry.data);
      outcome = 'rolled back (an earlier undo had merged back only some disks: the rest were merged back)';
    } else {
      await this.rollBackTake(entry.data);
      outcome = 'rolled back (the disks had not switched)';
    }
    // Read again: QEMU resumes a guest paused for a background snapshot itself, once its RAM is protected.
    if (entry.data.wasRunning && (await hypervisor.status(entry.vm)).state === 'paused') {
      await hypervisor.resume(entry.vm);
      outcome += '; resumed the VM';
    }
    return outcome;
  }

  /**
   * Undoes a disk switch whose memory state is lost: each new overlay (holding what the guest wrote since)
   * is merged into the image it was put on, which becomes the active layer again, as before the take.
   */
  private async unswitchTake(vm: CheckpointVm, running: boolean, data: TakeData): Promise<void> {
    const { hypervisor, images } = this.deps;
    // Offline, only an overlay the definition still uses: one an earlier undo merged back already is stale
    // (the guest has written to the image below since), and merging it again would write old data over new.
    const defined = running ? undefined : new Map(domainDisks(await hypervisor.domainXml(vm, true)).map((d) => [d.target, d.source]));
    for (const o of data.overlays) {
      const below = layerOf(data.checkpoint.disks, o.target);
      if (running) {
        if ((await hypervisor.diskChain(vm, o.target))[0] === o.image) await hypervisor.blockJob(vm, { kind: 'active-commit', target: o.target, base: below.image });
      } else if (defined!.get(o.target) === o.image && (await images.exists(o.image))) {
        await images.commit(o.image, below.image);
      }
    }
    await this.redefineDisks(vm, data.checkpoint.disks);
    await this.rollBackTake(data);
  }

  /**
   * Before the VM was stopped ('begin'): a VM still up keeps running on its disks (rolled back); a VM found
   * shut off lost its running state already (or had none), so the revert is completed. After the stop: a VM
   * running on the revert's overlays was restored; anything else up (a restore the daemon left half-started)
   * is stopped, and the revert runs again from its fresh overlays.
   */
  private async recoverRevert(entry: JournalEntry<RevertData>): Promise<string> {
    const tree = await this.requireTree(entry.vm);
    const status = await this.settledStatus(entry.vm);
    if (entry.step === 'begin' && status.state !== 'shutoff') {
      for (const o of entry.data.overlays) await this.deps.images.remove(o.image);
      if (status.state === 'paused' && status.pausedBySnapshotOrSave) await this.deps.hypervisor.resume(entry.vm);
      return 'rolled back (the VM was not stopped yet)';
    }
    if (status.state === 'running') {
      const sources = new Map(domainDisks(await this.deps.hypervisor.domainXml(entry.vm, false)).map((d) => [d.target, d.source]));
      if (entry.data.overlays.every((o) => sources.get(o.target) === o.image)) {
        tree.active = entry.data.overlays;
        tree.currentId = entry.data.checkpointId;
        await this.trees.save(tree);
        await this.removeAbandoned(tree, entry.data);
        return 'completed (the VM had been restored)';
      }
    }
    if (status.state !== 'shutoff') await this.deps.hypervisor.destroy(entry.vm);
    const restoreFailure = await this.completeRevert(tree, entry.data);
    return restoreFailure === undefined ? 'completed' : `${DISKS_ONLY}, the VM is shut off (restore failed: ${(restoreFailure as Error).message})`;
  }

  /**
   * A VM libvirt shows as starting up after its daemon came back is normally settled by libvirt within a
   * moment (it kills a start it cannot finish). One that stays so was being launched when the daemon died,
   * before libvirt recorded QEMU's process: libvirt 9.0 then keeps a start job nobody owns, which every stop
   * or change waits for in vain (30 s, then "cannot acquire state change lock"), across daemon restarts too.
   * Nothing through libvirt's API clears it, so the user is told exactly what does.
   */
  private async settledStatus(vm: CheckpointVm): Promise<VmStatus> {
    const deadline = Date.now() + (this.deps.startingUpGraceMs ?? 10_000);
    for (;;) {
      const status = await this.deps.hypervisor.status(vm);
      if (!status.startingUp) return status;
      if (Date.now() >= deadline) {
        const name = domainName(await this.deps.hypervisor.domainXml(vm, true));
        throw new ConflictError(
          'checkpoint.vm-stuck-starting',
          `libvirt shows VM ${name} as starting up, but nothing is starting it: its daemon died while launching QEMU, and libvirt keeps that state until its status file is gone. On the host, remove /run/libvirt/qemu/${name}.xml (for qemu:///system) and restart libvirtd; Tandem then completes the interrupted revert.`,
          { details: { name } },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** An interrupted delete / commit: let a block job still running end, then run the operation again (its steps are resumable). */
  private async recoverMerge(entry: JournalEntry): Promise<string> {
    const tree = await this.trees.load(entry.vm);
    if (!tree) return 'already done';
    const status = await this.deps.hypervisor.status(entry.vm);
    if (status.state === 'paused' && status.pausedBySnapshotOrSave) await this.deps.hypervisor.resume(entry.vm);
    if (status.state !== 'shutoff') {
      for (const a of tree.active) {
        if (await this.deps.hypervisor.hasBlockJob(entry.vm, a.target)) {
          throw new ConflictError('checkpoint.block-job-running', `A block job still runs on ${a.target}: recovery continues at the next start`);
        }
      }
    }
    if (entry.op === 'commit') {
      await this.commitWork(entry.vm, tree, entry.data as CommitData, entry as JournalEntry<CommitData>);
      return 'completed';
    }
    const checkpoint = findCheckpoint(tree, (entry.data as DeleteData).checkpointId);
    if (!checkpoint) return 'already done';
    await this.mergeAway(entry.vm, tree, checkpoint);
    return 'completed';
  }

  // --- helpers -----------------------------------------------------------------------------------------

  /**
   * Runs one operation on the VM, none other at the same time. An operation an earlier crash or a lost host
   * interrupted on this VM is settled first (the new one builds on its outcome); while it cannot be, the
   * new one is refused.
   */
  private async exclusive<T>(vm: CheckpointVm, operation: string, work: () => Promise<T>): Promise<T> {
    const lease: VmOperationLease = this.locks.acquire(vm, operation);
    try {
      const stuck = (await this.recoverVm(vm)).find((r) => r.failed);
      if (stuck) {
        throw new ConflictError('checkpoint.recovery-pending', `An interrupted checkpoint operation of this VM must be settled first, and could not be yet: ${stuck.line}`);
      }
      return await work();
    } finally {
      lease.release();
      // Success or failure, the tree may have changed (a failed revert after the stop, say).
      await this.publish(vm);
    }
  }

  private async publish(vm: CheckpointVm): Promise<void> {
    try {
      this.changed.emit(await this.list(vm));
    } catch (error) {
      log.error(`checkpoint tree of ${vm.uuid} unreadable`, error);
    }
  }

  private assertTreeMatches(tree: VmCheckpointTree, disks: DiskLayer[]): void {
    for (const d of disks) {
      const known = tree.active.find((a) => a.target === d.target);
      if (!known || known.image !== d.image) {
        throw new ConflictError('checkpoint.tree-mismatch', `Disk ${d.target} now uses ${d.image}, not the layer Tandem recorded (${known?.image ?? 'none'}): the disks were changed outside Tandem`, {
          details: { target: d.target, path: d.image },
        });
      }
    }
  }

  private async requireTree(vm: CheckpointVm): Promise<VmCheckpointTree> {
    const tree = await this.trees.load(vm);
    if (!tree) throw new NotFoundError('checkpoint.none', 'This VM has no checkpoints');
    return tree;
  }

  private requireCheckpoint(tree: VmCheckpointTree, id: string): Checkpoint {
    const checkpoint = findCheckpoint(tree, id);
    if (!checkpoint) throw new NotFoundError('checkpoint.not-found', `No checkpoint ${id} on this VM`, { details: { checkpointId: id } });
    return checkpoint;
  }

  private async viewOf(vm: CheckpointVm, id: string): Promise<CheckpointView> {
    const view = (await this.list(vm)).checkpoints.find((c) => c.id === id);
    if (!view) throw new NotFoundError('checkpoint.not-found', `No checkpoint ${id} on this VM`);
    return view;
  }
}

/** The TPM state of a disk-only checkpoint could not be read or kept: the take is undone (see take()). */
class TpmCaptureError extends OperationFailedError {
  constructor(checkpointName: string, cause: unknown) {
    super('checkpoint.tpm-read-failed', `The TPM state for checkpoint ${checkpointName} could not be copied (${(cause as Error).message}); the checkpoint was not taken, the VM runs on as before`, { cause });
  }
}

function tpmCopyOwner(vm: { uuid: string }, checkpoint: Checkpoint): TpmCopyOwner {
  return { vmUuid: vm.uuid, checkpointId: checkpoint.id };
}

function vmKeyOf(vm: CheckpointVm): string {
  return `${vm.hostId}/${vm.uuid}`;
}

/** The snapshot's name for libvirt, and the name of the memory file's descriptor in QEMU during a background snapshot. */
function snapshotName(checkpointId: string): string {
  return `tandem-${checkpointId}`;
}

function layerName(target: string): string {
  return `layer-${randomUUID().slice(0, 8)}.${target}.qcow2`;
}
