/**
 * What the checkpoint engine needs from the outside world. Core never sees libvirt or qemu-img: the libvirt
 * side (main/drivers/libvirt/LibvirtCheckpointHypervisor.ts) and the image tool implement these.
 */

/** A VM as the engine addresses it. */
export interface CheckpointVm {
  hostId: string;
  uuid: string;
}

export type VmRunState = 'running' | 'paused' | 'shutoff' | 'other';

export interface VmStatus {
  state: VmRunState;
  /** Paused by a snapshot, save or migration job (not by the user), for recovery decisions. */
  pausedBySnapshotOrSave: boolean;
  /** Paused because libvirt is starting it (a start or restore under way, or one its daemon died in). */
  startingUp: boolean;
  /** A defined VM (a transient one disappears when stopped, so it cannot be reverted). */
  persistent: boolean;
}

/** One disk of a domain the engine layers overlays on (file-backed disks only; CD-ROMs and read-only disks are left alone). */
export interface DomainDisk {
  target: string;
  source: string;
  format: string;
}

/**
 * How a running VM's memory and device state is saved with its disks:
 * - 'background-snapshot': QEMU's background snapshot. The guest is paused for the disk switch and the
 *   device state only; its RAM is then written as it was at that instant while it runs (write-protected
 *   pages are copied out before the guest's first write to each).
 * - 'live-snapshot': libvirt's live external snapshot. The guest runs while its RAM is copied, pages it
 *   dirties meanwhile are copied again, and it is paused for the last of them, the device state and the switch.
 */
export type MemoryMethod = 'background-snapshot' | 'live-snapshot';

export interface MemoryMethodChoice {
  method: MemoryMethod;
  /** Why the background snapshot cannot be used here, when it cannot. */
  fallbackReason?: string;
}

export interface SnapshotRequest {
  /** Name given to libvirt for the snapshot job (libvirt keeps no metadata: see CheckpointEngine). */
  name: string;
  overlays: { target: string; overlay: string }[];
  /** Where the memory and device state is written (a libvirt save image); absent for disk-only. */
  memoryFile?: string;
  /** With memoryFile: the method memoryMethod() chose (a background snapshot that turns out impossible before the guest is paused falls back to the live one; the outcome says which ran). */
  memoryMethod?: MemoryMethod;
  /**
   * Background snapshot only: awaited once the disks have switched and the guest runs again, while QEMU
   * still writes the memory (the engine journals that step).
   */
  whileMemoryIsWritten?: () => Promise<void>;
  /** Freeze the guest's filesystems through its agent around the switch. */
  quiesce: boolean;
}

export interface SnapshotOutcome {
  /**
   * How long the guest's vCPUs were stopped, in ms: from the domain's own lifecycle events (suspended ->
   * resumed as delivered to the hypervisor adapter), null when the guest was not paused (disk-only).
   */
  stunMs: number | null;
  /** The whole snapshot, memory written. */
  wallMs: number;
  /** How the memory was saved; null for disk-only. */
  memoryMethod: MemoryMethod | null;
}

export type BlockJobKind = 'commit' | 'active-commit' | 'pull' | 'copy';

/** One file of an emulated TPM's persistent state (swtpm's state folder on the host; see tpmState.ts). */
export interface TpmStateFile {
  name: string;
  data: Buffer;
}

export interface CheckpointHypervisor {
  /**
   * Whether the paths this VM's host reports (disks, TPM state folder) name files on this machine: the
   * engine creates, reads, merges and removes them itself (DiskImages, MemoryStateStore), by path. false for
   * a host on another machine, where the same path names a file over there (or an unrelated one here).
   * Throws when the host cannot be asked (not connected).
   */
  filesAreLocal(vm: CheckpointVm): Promise<boolean>;
  /** Throws an UnsupportedError when this host cannot hold Tandem's checkpoints (e.g. libvirt's test driver). */
  assertSupported(vm: CheckpointVm): Promise<void>;
  status(vm: CheckpointVm): Promise<VmStatus>;
  /** The live XML (running) or the persistent XML (shut off). */
  domainXml(vm: CheckpointVm, inactive: boolean): Promise<string>;
  /** true when the guest agent answers a ping now. */
  agentAnswers(vm: CheckpointVm): Promise<boolean>;
  /**
   * How a memory checkpoint of this running VM would be saved now: the background snapshot when this host,
   * connection and QEMU allow it as far as can be read without changing anything (QEMU's acceptance of the
   * capability is learned by snapshot(), which falls back to the live snapshot before the pause), otherwise
   * the live snapshot and why.
   */
  memoryMethod(vm: CheckpointVm): Promise<MemoryMethodChoice>;
  /**
   * External snapshot without libvirt metadata: disk overlays (+ memory with the guest running through it).
   * A background snapshot switches the disks before the memory is written: if its memory write then fails,
   * it throws with the disks switched (the caller rolls the switch back, see settleBackgroundSnapshot).
   */
  snapshot(vm: CheckpointVm, request: SnapshotRequest): Promise<SnapshotOutcome>;
  /**
   * After an interrupted background snapshot (`name` and `memoryFile` as in its SnapshotRequest): waits for a
   * memory write still under way in QEMU to end, puts QEMU's migration settings back, releases the file QEMU
   * was given, and says whether the memory file holds a complete state ('completed', flushed to disk) or not
   * (the write failed, was cut short, or never started).
   */
  settleBackgroundSnapshot(vm: CheckpointVm, snapshot: { name: string; memoryFile: string }): Promise<'completed' | 'incomplete'>;
  resume(vm: CheckpointVm): Promise<void>;
  /** Hard stop (the state being abandoned is kept as files by the caller). */
  destroy(vm: CheckpointVm): Promise<void>;
  /** Replaces the persistent definition (same uuid). */
  define(vm: CheckpointVm, xml: string): Promise<void>;
  /** Starts the domain from a memory file with an adjusted domain XML, running. */
  restore(vm: CheckpointVm, memoryFile: string, xml: string): Promise<void>;
  start(vm: CheckpointVm): Promise<void>;
  /**
   * Runs a block job on a running domain's disk to its end (pivoting for active commit / copy).
   * commit: top..base into base (top null = active layer); pull: base..active into active;
   * copy: active chain flattened into `dest` (a new qcow2), then pivot.
   */
  blockJob(vm: CheckpointVm, job: BlockJobSpec): Promise<void>;
  /** The files of a running disk's backing chain, top first (to resume an interrupted merge). */
  diskChain(vm: CheckpointVm, target: string): Promise<string[]>;
  /** Recovery: a block job still running on that disk (the previous run died while waiting for it). */
  hasBlockJob(vm: CheckpointVm, target: string): Promise<boolean>;
  /**
   * The files of the VM's emulated TPM state, read on its host; null when the domain (`domainXml`) has no
   * emulated TPM, [] when its TPM never ran (no state yet).
   */
  readTpmState(vm: CheckpointVm, domainXml: string): Promise<TpmStateFile[] | null>;
  /**
   * Replaces the VM's TPM state on its host with `files` (the VM is shut off; [] leaves no state: swtpm starts
   * a fresh TPM). false when the domain (`domainXml`) has no emulated TPM (nothing written).
   */
  writeTpmState(vm: CheckpointVm, domainXml: string, files: TpmStateFile[]): Promise<boolean>;
}

export type BlockJobSpec =
  | { kind: 'commit'; target: string; top: string; base: string }
  | { kind: 'active-commit'; target: string; base: string }
  | { kind: 'pull'; target: string; base: string | null }
  | { kind: 'copy'; target: string; dest: string };

/** Disk images, offline operations (the VM is stopped or the image is not in a running chain). */
export interface DiskImages {
  exists(path: string): Promise<boolean>;
  /** A new qcow2 overlay whose backing file is `backing`. */
  createOverlay(path: string, backing: string, backingFormat: string): Promise<void>;
  backingOf(path: string): Promise<string | null>;
  /** Bytes allocated on disk. */
  sizeOnDisk(path: string): Promise<number>;
  /** Commits `top` (and any layers between) into `base`, a file of its backing chain; the caller deletes `top`. */
  commit(top: string, base: string): Promise<void>;
  /** Safe rebase: copies into `path` whatever differs between its old chain and the new base (null = standalone). */
  rebase(path: string, newBase: string | null, newBaseFormat: string): Promise<void>;
  /** Points `path` at `newBase` without copying (the contents are known identical). */
  relink(path: string, newBase: string, newBaseFormat: string): Promise<void>;
  /** A standalone qcow2 with the guest-visible contents of `source`'s chain. */
  flattenCopy(source: string, dest: string): Promise<void>;
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  ensureFolder(path: string): Promise<void>;
}

/** A stored memory state: which checkpoint, where, and the checkpoint whose state it is stored against. */
export interface MemoryStateRef {
  vmUuid: string;
  checkpointId: string;
  path: string;
  /** null: stored whole. */
  baseId: string | null;
}

export interface SealedState {
  /** The checkpoint this state was stored against (null: whole, e.g. the base had no readable index or the chain was long). */
  baseId: string | null;
  /** The plain state libvirt wrote. */
  fullBytes: number;
  /** What is kept on disk for it. */
  storedBytes: number;
}

/**
 * Memory and device state files of checkpoints: libvirt writes a plain save image to targetFor(), `seal`
 * stores it (and removes the plain file), `openForRestore` rebuilds and verifies a plain file for libvirt's
 * restore, refusing a missing or damaged state with a typed error.
 */
export interface MemoryStateStore {
  /** Where libvirt should write the state of this checkpoint. */
  targetFor(vmFolder: string, checkpointId: string): string;
  /**
   * Throws a typed error when memory states (or, for 'tpm', a copy of a TPM's state) cannot be stored now:
   * before libvirt writes anything.
   */
  assertReady(what?: 'memory' | 'tpm'): Promise<void>;
  /** Called once libvirt has written `state.path`; `baseChain` is the base's own chain (root first, the base last), [] for none. */
  seal(state: { vmUuid: string; checkpointId: string; path: string }, baseChain: MemoryStateRef[]): Promise<SealedState>;
  /** `chain`: root first, the state to restore last. Returns the plain file to hand to libvirt's restore. */
  openForRestore(chain: MemoryStateRef[]): Promise<string>;
  /** After the restore: drop the rebuilt plain file. */
  closeAfterRestore(restorable: string, target: MemoryStateRef): Promise<void>;
  /** Stores the state at the end of `chain` again at `newPath`, against the end of `newBaseChain` ([] = whole); the old file stays. */
  rebase(chain: MemoryStateRef[], newBaseChain: MemoryStateRef[], newPath: string): Promise<SealedState>;
  sizeOnDisk(path: string): Promise<number>;
  delete(path: string): Promise<void>;
  /** At start: removes what an interrupted restore or seal left in a VM's folder (rebuilt plain states, partial files). */
  discardTemporaries(vmFolder: string): Promise<void>;
  /**
   * Keeps a disk-only checkpoint's copy of its VM's TPM state (tpmState.ts) at `path`, as this store keeps
   * memory states (it holds the TPM's keys, as RAM holds the guest's): all or nothing.
   */
  saveTpmCopy(path: string, owner: TpmCopyOwner, bytes: Buffer): Promise<void>;
  /** The bytes saveTpmCopy kept; null when there is no file. A damaged or unopenable one throws a typed error. */
  loadTpmCopy(path: string, owner: TpmCopyOwner): Promise<Buffer | null>;
}

/** The checkpoint a TPM state copy belongs to (a sealed copy is bound to it). */
export interface TpmCopyOwner {
  vmUuid: string;
  checkpointId: string;
}
