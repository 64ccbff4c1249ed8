/**
 * Checkpoint memory states stored as deltas against their base checkpoint's memory (the native delta
 * engine), sealed with AES-256-GCM and bound to (VM, checkpoint, base) (core/checkpoints/sealedMemoryState).
 *
 * Per checkpoint two sealed files: `<id>.mem` (the delta) and `<id>.mem.idx` (the chunk index of the plain
 * state, so the next checkpoint's delta is made without rebuilding this one). libvirt's plain file only
 * exists between the snapshot and seal(), and a rebuilt plain file only between openForRestore() and
 * closeAfterRestore(). A restore rebuilds the chain root -> ... -> target, each step verified (records
 * authenticate, every chunk hash and the target digest match) before libvirt sees anything.
 *
 * Chains are capped at MAX_DELTA_CHAIN deltas: past it a state is stored whole, so a revert never replays
 * more than that many deltas.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MemoryKeyProvider } from '../../core/checkpoints/MemoryKeyProvider';
import { MemoryStateMissingError, MemoryStateTamperedError } from '../../core/checkpoints/memoryStateErrors';
import type { MemoryStateRef, MemoryStateStore, SealedState, TpmCopyOwner } from '../../core/checkpoints/ports';
import { openSealedMemoryState, peekSealedIdentity, sealMemoryState } from '../../core/checkpoints/sealedMemoryState';
import { UnsupportedError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { SecretStoreUnavailableError } from '../../core/secrets/SecretStore';
import { applyDelta, chunkFile, createDelta, DeltaCorruptError, DeltaParentMismatchError, parseIndex, serializeIndex, type ChunkIndex } from '../../../native-helpers/delta/lib/index';
import { allocatedBytes } from '../../core/storage/allocatedBytes';

const log = createLogger('memory-state');

/** Deltas replayed at most by one restore (a revert's rebuild time grows with it). */
export const MAX_DELTA_CHAIN = 4;
/** The identity's parent field of an index file: never a checkpoint id, so an index cannot pass for a state. */
const INDEX_MARK = 'chunk-index';
/** The identity's parent field of a TPM state copy: it cannot pass for a memory state or an index either. */
const TPM_MARK = 'tpm-state';

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function readAll(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of source) parts.push(b);
  return Buffer.concat(parts);
}

export class SealedMemoryStateStore implements MemoryStateStore {
  constructor(private readonly keys: MemoryKeyProvider) {}

  targetFor(vmFolder: string, checkpointId: string): string {
    return join(vmFolder, `${checkpointId}.mem`);
  }

  /**
   * Without a keychain a memory state could only be kept in the clear (a guest's RAM holds its keys and
   * passwords), so memory checkpoints are refused before libvirt writes anything; disk-only ones still work.
   */
  async assertReady(what: 'memory' | 'tpm' = 'memory'): Promise<void> {
    try {
      await this.keys.currentKey();
    } catch (error) {
      if (error instanceof SecretStoreUnavailableError) {
        throw what === 'memory'
          ? new UnsupportedError(
              'checkpoint.memory-needs-keychain',
              'Memory checkpoints are stored encrypted with a key kept in the OS keychain, and no keychain (Secret Service) answers: take a disk-only checkpoint, or unlock / start the keychain',
              { cause: error },
            )
          : new UnsupportedError(
              'checkpoint.tpm-needs-keychain',
              "A checkpoint of this VM keeps a copy of its TPM's state, which holds the TPM's keys and is stored encrypted with a key kept in the OS keychain, and no keychain (Secret Service) answers: unlock / start the keychain",
              { cause: error },
            );
      }
      throw error;
    }
  }

  async saveTpmCopy(path: string, owner: TpmCopyOwner, bytes: Buffer): Promise<void> {
    await sealMemoryState({ source: once(bytes), path, identity: { ...owner, parentId: TPM_MARK }, keys: this.keys });
  }

  async loadTpmCopy(path: string, owner: TpmCopyOwner): Promise<Buffer | null> {
    try {
      return await readAll(openSealedMemoryState({ path, expected: { ...owner, parentId: TPM_MARK }, keys: this.keys }));
    } catch (error) {
      if (error instanceof MemoryStateMissingError) return null;
      throw error;
    }
  }

  async seal(state: { vmUuid: string; checkpointId: string; path: string }, baseChain: MemoryStateRef[]): Promise<SealedState> {
    const base = baseChain.length > 0 && baseChain.length <= MAX_DELTA_CHAIN ? baseChain[baseChain.length - 1]! : null;
    const plain = state.path;
    // libvirt wrote the plain state where the sealed one goes: it moves aside first. The name is fixed so a
    // rerun (recovery after a crash mid-seal) finds it; a sealed file with no parked one is already done.
    const parked = `${plain}.plain`;
    if (await exists(parked)) await rm(plain, { force: true });
    else if (await isSealed(plain)) {
      const { parentId } = await peekSealedIdentity(plain);
      const index = await this.indexOf({ vmUuid: state.vmUuid, checkpointId: state.checkpointId, path: plain, baseId: parentId });
      return { baseId: parentId, fullBytes: index.size, storedBytes: (await stat(plain)).size };
    } else await rename(plain, parked);
    try {
      const fullBytes = (await stat(parked)).size;
      const baseIndex = base ? await this.indexOf(base).catch((error: unknown) => {
        // The state is then stored whole: bigger, never wrong.
        log.warn(`memory index of checkpoint ${base.checkpointId} unreadable, storing ${state.checkpointId} whole: ${(error as Error).message}`);
        return null;
      }) : null;
      const target = await chunkFile(parked);
      const baseId = baseIndex ? base!.checkpointId : null;
      await sealMemoryState({
        source: createDelta({ parent: baseIndex, targetPath: parked, target }),
        path: plain,
        identity: { vmUuid: state.vmUuid, checkpointId: state.checkpointId, parentId: baseId },
        keys: this.keys,
      });
      await sealMemoryState({
        source: once(serializeIndex(target)),
        path: `${plain}.idx`,
        identity: { vmUuid: state.vmUuid, checkpointId: state.checkpointId, parentId: INDEX_MARK },
        keys: this.keys,
      });
      const storedBytes = (await stat(plain)).size;
      // Kept until both files are sealed: after a failure (or a crash) the retry in recovery starts from it.
      await rm(parked, { force: true });
      return { baseId, fullBytes, storedBytes };
    } catch (error) {
      await rm(plain, { force: true });
      throw error;
    }
  }

  async openForRestore(chain: MemoryStateRef[]): Promise<string> {
    if (chain.length === 0) throw new RangeError('openForRestore needs the chain down to the state to restore');
    let previous: string | null = null;
    try {
      for (const ref of chain) {
        const out = `${ref.path}.restore-${randomBytes(4).toString('hex')}`;
        try {
          await applyDelta({ delta: openSealedMemoryState({ path: ref.path, expected: identityOf(ref), keys: this.keys }), parentPath: previous, outputPath: out });
        } catch (error) {
          throw asMemoryStateError(error, ref.path);
        }
        if (previous) await rm(previous, { force: true });
        previous = out;
      }
      return previous!;
    } catch (error) {
      if (previous) await rm(previous, { force: true });
      throw error;
    }
  }

  async closeAfterRestore(restorable: string, target: MemoryStateRef): Promise<void> {
    if (restorable !== target.path && dirname(restorable) === dirname(target.path)) await rm(restorable, { force: true });
  }

  async rebase(chain: MemoryStateRef[], newBaseChain: MemoryStateRef[], newPath: string): Promise<SealedState> {
    const target = chain[chain.length - 1]!;
    const plain = await this.openForRestore(chain);
    try {
      // seal() takes the plain file at newPath over (and removes it), as after a take.
      await rename(plain, newPath);
      return await this.seal({ vmUuid: target.vmUuid, checkpointId: target.checkpointId, path: newPath }, newBaseChain);
    } finally {
      await rm(plain, { force: true });
    }
  }

  async sizeOnDisk(path: string): Promise<number> {
    return (await allocatedBytes(path)) + (await allocatedBytes(`${path}.idx`));
  }

  async delete(path: string): Promise<void> {
    await rm(path, { force: true });
    await rm(`${path}.idx`, { force: true });
    await rm(`${path}.plain`, { force: true });
  }

  async discardTemporaries(vmFolder: string): Promise<void> {
    // A `.plain` file is not one: it is a take's state waiting for its seal (recovery completes it).
    for (const name of await readdir(vmFolder).catch(() => [] as string[])) {
      if (/\.mem\.restore-|\.partial-/.test(name)) await rm(join(vmFolder, name), { force: true });
    }
  }

  private async indexOf(ref: MemoryStateRef): Promise<ChunkIndex> {
    const bytes = await readAll(openSealedMemoryState({ path: `${ref.path}.idx`, expected: { vmUuid: ref.vmUuid, checkpointId: ref.checkpointId, parentId: INDEX_MARK }, keys: this.keys }));
    return parseIndex(bytes);
  }
}

function identityOf(ref: MemoryStateRef) {
  return { vmUuid: ref.vmUuid, checkpointId: ref.checkpointId, parentId: ref.baseId };
}

/** A delta that authenticated but does not rebuild (its base changed under it) is a damaged state too. */
function asMemoryStateError(error: unknown, path: string): unknown {
  if (error instanceof DeltaCorruptError || error instanceof DeltaParentMismatchError) {
    return new MemoryStateTamperedError(path, `the state does not rebuild against its base: ${(error as Error).message}`);
  }
  return error;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The sealed format's magic at the start of the file. */
async function isSealed(path: string): Promise<boolean> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new MemoryStateMissingError(path) : error;
  });
  try {
    const head = Buffer.alloc(8);
    await file.read(head, 0, 8, 0);
    return head.equals(Buffer.from('TNDSEAL\0', 'latin1'));
  } finally {
    await file.close();
  }
}
