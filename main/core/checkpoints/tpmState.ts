/**
 * An emulated TPM's persistent state with disk-only checkpoints.
 *
 * libvirt runs swtpm for `<tpm><backend type='emulator'/></tpm>` and keeps its state in a folder on the host
 * (`/var/lib/libvirt/swtpm/<uuid>/tpm2` for qemu:///system): the TPM's seeds, NV indices and counters, which
 * guests use for sealed disk keys and measured boot. A memory checkpoint needs nothing here: QEMU's save
 * stream carries the TPM's whole state (the tpm-emulator device's migration state), and a restore hands it
 * back to swtpm, which stores it. A disk-only checkpoint (every checkpoint of a shut-off VM) has no stream:
 * without a copy of that folder, a revert would pair the checkpoint's disks with the TPM's newest contents,
 * which the checkpoint's guest never saw. So the folder's files are copied at the take, next to the
 * checkpoint's layers, and written back by the revert.
 *
 * Unless the domain encrypts its TPM state (`<encryption secret=.../>`), swtpm's files hold the TPM's seeds
 * and keys in the clear, readable on the host by root and swtpm only: the copy is kept by the memory-state
 * store, as a memory state is (the app's seals it with the keychain key, bound to its checkpoint).
 */
import { z } from 'zod';
import { ConflictError, TandemError } from '../errors';
import { XmlDocument, XmlNode } from '../xml/XmlDocument';
import type { MemoryStateStore, TpmCopyOwner, TpmStateFile } from './ports';

export interface EmulatedTpm {
  /** swtpm's state folder is named after it: tpm2 or tpm1.2. */
  version: '2.0' | '1.2';
}

/** The domain's emulated TPM, or null when it has none (no TPM, or a passthrough / external one). */
export function emulatedTpmOf(domainXml: string): EmulatedTpm | null {
  const tpm = new XmlNode(XmlDocument.parse(domainXml, 'domain XML').root).element("devices/tpm[backend/@type='emulator']");
  if (!tpm) return null;
  const version = tpm.value('backend/@version');
  if (version === '2.0' || version === '1.2') return { version };
  // libvirt writes the version it chose into the XML; without one it was 2.0 for CRB and 1.2 otherwise.
  return { version: tpm.value('@model') === 'tpm-crb' ? '2.0' : '1.2' };
}

const TpmStateCopySchema = z.strictObject({
  version: z.literal(1),
  files: z.array(z.strictObject({ name: z.string().regex(/^[^/\\]+$/), base64: z.string() })),
});

export async function saveTpmState(store: MemoryStateStore, path: string, owner: TpmCopyOwner, files: TpmStateFile[]): Promise<void> {
  const copy = { version: 1, files: files.map((f) => ({ name: f.name, base64: f.data.toString('base64') })) };
  await store.saveTpmCopy(path, owner, Buffer.from(JSON.stringify(copy)));
}

/** The copy taken with a checkpoint; a missing or unreadable one is refused (that checkpoint cannot be reverted with its TPM). */
export async function loadTpmState(store: MemoryStateStore, path: string, owner: TpmCopyOwner, checkpointName: string): Promise<TpmStateFile[]> {
  let bytes: Buffer | null;
  try {
    bytes = await store.loadTpmCopy(path, owner);
  } catch (error) {
    // The store's typed error says why (tampered, key gone from the keychain, ...): kept as the cause.
    if (!(error instanceof TandemError)) throw error;
    throw new ConflictError('checkpoint.tpm-state-unreadable', `The TPM state of checkpoint ${checkpointName} cannot be opened: ${error.message}`, {
      details: { path },
      cause: error,
    });
  }
  if (bytes === null) {
    throw new ConflictError('checkpoint.tpm-state-missing', `The TPM state of checkpoint ${checkpointName} is missing: ${path}`, { details: { path } });
  }
  let parsed;
  try {
    parsed = TpmStateCopySchema.safeParse(JSON.parse(bytes.toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    throw new ConflictError('checkpoint.tpm-state-unreadable', `The TPM state of checkpoint ${checkpointName} is unreadable: ${path}`, { details: { path } });
  }
  return parsed.data.files.map((f) => ({ name: f.name, data: Buffer.from(f.base64, 'base64') }));
}
