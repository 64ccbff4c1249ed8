/**
 * The checkpoint tree of one VM as Tandem stores it. libvirt 9.0 cannot revert external snapshots, so
 * Tandem keeps its own metadata (snapshots are taken with libvirt's NO_METADATA flag: one source of truth).
 *
 * Disk layering: taking checkpoint C freezes each disk's current image (C.disks[].image) and puts a new
 * overlay on top for the VM to write to. So a checkpoint's image is backed by its parent's image, and the
 * active layer of the VM is backed by the image of the current checkpoint.
 */
import { ConflictError } from '../errors';
import type { MemoryMethod, MemoryStateRef } from './ports';

export interface DiskLayer {
  /** Guest device, e.g. vda. */
  target: string;
  image: string;
  format: string;
}

export type CheckpointKind = 'memory' | 'disk-only';

export interface Checkpoint {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  parentId: string | null;
  kind: CheckpointKind;
  quiesced: boolean;
  /** The disk images frozen at this checkpoint. */
  disks: DiskLayer[];
  memoryFile: string | null;
  /** A disk-only checkpoint of a VM with an emulated TPM: the copy of its TPM state (see tpmState.ts); absent otherwise. */
  tpmStateFile?: string | null;
  /** How the memory state was saved (absent: disk-only, or a tree from before the background snapshot). */
  memoryMethod?: MemoryMethod;
  /** The checkpoint whose memory this one's is stored as a delta against (null: stored whole; absent in trees from before deltas). */
  memoryBaseId?: string | null;
  /** Bytes of the plain memory state libvirt wrote (what a whole copy would take). */
  memoryFullBytes?: number;
  /** Live (migratable) domain XML at the checkpoint, the base of the restore XML. */
  domainXml: string;
  stunMs: number | null;
  wallMs: number;
}

export interface VmCheckpointTree {
  version: 1;
  hostId: string;
  uuid: string;
  /** Tandem's folder for this VM's overlays and memory files, next to its first disk. */
  folder: string;
  /** The VM's disks before its first checkpoint: never deleted by Tandem. */
  baseDisks: DiskLayer[];
  /** What the VM writes to now. */
  active: DiskLayer[];
  currentId: string | null;
  checkpoints: Checkpoint[];
}

export function emptyTree(hostId: string, uuid: string, folder: string, disks: DiskLayer[]): VmCheckpointTree {
  return { version: 1, hostId, uuid, folder, baseDisks: disks, active: disks, currentId: null, checkpoints: [] };
}

export function findCheckpoint(tree: VmCheckpointTree, id: string): Checkpoint | undefined {
  return tree.checkpoints.find((c) => c.id === id);
}

export function childrenOf(tree: VmCheckpointTree, id: string): Checkpoint[] {
  return tree.checkpoints.filter((c) => c.parentId === id);
}

/** The current checkpoint and its ancestors: the checkpoints whose images the running chain goes through. */
export function currentLineage(tree: VmCheckpointTree): Set<string> {
  const lineage = new Set<string>();
  for (let id = tree.currentId; id; id = findCheckpoint(tree, id)?.parentId ?? null) lineage.add(id);
  return lineage;
}

export function layerOf(layers: DiskLayer[], target: string): DiskLayer {
  const layer = layers.find((l) => l.target === target);
  if (!layer) throw new Error(`no layer for disk ${target}`);
  return layer;
}

export function isBaseImage(tree: VmCheckpointTree, path: string): boolean {
  return tree.baseDisks.some((d) => d.image === path);
}

/** What depends on checkpoint `id`'s images: its child checkpoints, and the active layer when it is current. */
export function dependentsOf(tree: VmCheckpointTree, id: string): { children: Checkpoint[]; active: boolean } {
  return { children: childrenOf(tree, id), active: tree.currentId === id };
}

/** The memory-holding checkpoint nearest above `c` (its parent, or further up past disk-only ones). */
export function memoryAncestorOf(tree: VmCheckpointTree, c: Checkpoint): Checkpoint | null {
  for (let id = c.parentId; id; ) {
    const p = findCheckpoint(tree, id);
    if (!p) return null;
    if (p.memoryFile) return p;
    id = p.parentId;
  }
  return null;
}

/** The stored memory states a restore of `c` replays: the whole one first, `c` last. */
export function memoryChainOf(tree: VmCheckpointTree, c: Checkpoint): MemoryStateRef[] {
  const chain: MemoryStateRef[] = [];
  for (let at: Checkpoint | undefined = c; at; ) {
    if (!at.memoryFile) throw new ConflictError('checkpoint.memory-chain-broken', `Checkpoint ${at.id} has no memory state`);
    if (chain.some((r) => r.checkpointId === at!.id)) throw new ConflictError('checkpoint.memory-chain-broken', `The memory chain of checkpoint ${c.id} loops`);
    const baseId: string | null = at.memoryBaseId ?? null;
    chain.unshift({ vmUuid: tree.uuid, checkpointId: at.id, path: at.memoryFile, baseId });
    at = baseId ? findCheckpoint(tree, baseId) : undefined;
    if (baseId && !at) throw new ConflictError('checkpoint.memory-chain-broken', `The memory base ${baseId} of checkpoint ${chain[0]!.checkpointId} is gone`);
  }
  return chain;
}
