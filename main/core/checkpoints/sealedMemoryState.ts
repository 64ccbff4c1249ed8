/**
 * Sealed memory-state files: a checkpoint's memory delta encrypted at rest with AES-256-GCM in authenticated
 * records, bound to the checkpoint it belongs to.
 *
 *   header: "TNDSEAL\0" | u16 version (1) | u16 keyIdBytes | u32 identityBytes | u32 recordBytes | 32 salt
 *           | keyId (utf8) | identity (canonical JSON: formatVersion, vmUuid, checkpointId, parentId)
 *   records, i = 0, 1, ...: u32 plaintextBytes | u8 final | ciphertext | 16 GCM tag
 *
 * The file key is HKDF-SHA256(keychain key, salt): a fresh salt per file makes every (key, nonce) pair unique
 * with a plain counter nonce (4 zero bytes | u64 i). Each record's associated data is SHA-256(header) | i |
 * final | plaintextBytes, so a changed header (identity, parent, key id), a flipped byte, records swapped or
 * moved between files, a record cut off or a missing final record each fail with their own typed error.
 * Readers get a record only after it has authenticated, and completion only when the final record has.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { MemoryKeyProvider } from './MemoryKeyProvider';
import {
  MemoryStateIdentityMismatchError,
  MemoryStateKeyUnavailableError,
  MemoryStateMissingError,
  MemoryStateNotSealedError,
  MemoryStateParentMismatchError,
  MemoryStateTamperedError,
  MemoryStateTruncatedError,
  MemoryStateUnsupportedVersionError,
} from './memoryStateErrors';

export const SEALED_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('TNDSEAL\0', 'latin1');
const FIXED_HEADER = 8 + 2 + 2 + 4 + 4 + 32;
const RECORD_HEAD = 5;
const TAG = 16;
const MAX_KEY_ID = 256;
const MAX_IDENTITY = 4096;
const MAX_RECORD = 16 * 1024 * 1024;
export const DEFAULT_RECORD_BYTES = 1024 * 1024;
const HKDF_INFO = Buffer.from('tandem memory-state v1');

/** Which checkpoint a memory-state file belongs to. */
export interface MemoryStateIdentity {
  vmUuid: string;
  checkpointId: string;
  /** The checkpoint whose memory the delta was made against; null for a full (parentless) state. */
  parentId: string | null;
}

function canonicalIdentity(identity: MemoryStateIdentity): Buffer {
  return Buffer.from(
    JSON.stringify({
      formatVersion: SEALED_FORMAT_VERSION,
      vmUuid: identity.vmUuid,
      checkpointId: identity.checkpointId,
      parentId: identity.parentId,
    }),
  );
}

function fileKey(master: Uint8Array, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, HKDF_INFO, 32));
}

function nonce(index: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(index), 4);
  return n;
}

function associatedData(headerDigest: Buffer, index: number, final: boolean, length: number): Buffer {
  const aad = Buffer.alloc(32 + 8 + 1 + 4);
  headerDigest.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), 32);
  aad.writeUInt8(final ? 1 : 0, 40);
  aad.writeUInt32BE(length, 41);
  return aad;
}

export interface SealOptions {
  source: AsyncIterable<Uint8Array>;
  path: string;
  identity: MemoryStateIdentity;
  keys: MemoryKeyProvider;
  recordBytes?: number;
}

export interface SealResult {
  plaintextBytes: number;
  sealedBytes: number;
  records: number;
}

/** Re-cuts a stream of pieces into records of exactly `size` bytes (the last one shorter). */
async function* records(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of source) {
    let rest = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (rest.length > 0) {
      const take = Math.min(size - held, rest.length);
      parts.push(rest.subarray(0, take));
      held += take;
      rest = rest.subarray(take);
      if (held === size) {
        yield Buffer.concat(parts, held);
        parts = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

/**
 * Encrypts `source` into `path`: written to a temporary file beside it, synced, then renamed, so `path` is
 * either absent or complete.
 */
export async function sealMemoryState(options: SealOptions): Promise<SealResult> {
  const recordBytes = options.recordBytes ?? DEFAULT_RECORD_BYTES;
  if (!Number.isInteger(recordBytes) || recordBytes < 1 || recordBytes > MAX_RECORD) {
    throw new RangeError(`recordBytes must be an integer from 1 to ${MAX_RECORD}`);
  }
  const { id: keyId, key } = await options.keys.currentKey();
  const salt = randomBytes(32);
  const keyIdBytes = Buffer.from(keyId);
  const identity = canonicalIdentity(options.identity);
  if (keyIdBytes.length > MAX_KEY_ID || identity.length > MAX_IDENTITY) throw new RangeError('key id or identity too long');
  const head = Buffer.alloc(FIXED_HEADER);
  MAGIC.copy(head, 0);
  head.writeUInt16BE(SEALED_FORMAT_VERSION, 8);
  head.writeUInt16BE(keyIdBytes.length, 10);
  head.writeUInt32BE(identity.length, 12);
  head.writeUInt32BE(recordBytes, 16);
  salt.copy(head, 20);
  const header = Buffer.concat([head, keyIdBytes, identity]);
  const headerDigest = createHash('sha256').update(header).digest();
  const k = fileKey(key, salt);

  const partial = `${options.path}.partial-${randomBytes(6).toString('hex')}`;
  // Private like what it protects (libvirt keeps save images and swtpm state 0600), ciphertext or not.
  const file = await open(partial, 'wx', 0o600);
  let position = 0;
  const write = async (b: Buffer) => {
    await file.write(b, 0, b.length, position);
    position += b.length;
  };
  try {
    await write(header);
    let index = 0;
    let plaintextBytes = 0;
    const sealRecord = async (plaintext: Buffer, final: boolean) => {
      const cipher = createCipheriv('aes-256-gcm', k, nonce(index), { authTagLength: TAG });
      cipher.setAAD(associatedData(headerDigest, index, final, plaintext.length));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const recordHead = Buffer.alloc(RECORD_HEAD);
      recordHead.writeUInt32BE(plaintext.length, 0);
      recordHead.writeUInt8(final ? 1 : 0, 4);
      await write(Buffer.concat([recordHead, ciphertext, cipher.getAuthTag()]));
      plaintextBytes += plaintext.length;
      index++;
    };
    // One record is held back so the last one can be marked final.
    let held: Buffer | undefined;
    for await (const record of records(options.source, recordBytes)) {
      if (held) await sealRecord(held, false);
      held = record;
    }
    await sealRecord(held ?? Buffer.alloc(0), true);
    await file.sync();
    await file.close();
    await rename(partial, options.path);
    return { plaintextBytes, sealedBytes: position, records: index };
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

export interface OpenOptions {
  path: string;
  /** The checkpoint the caller is about to restore: the file must belong to it. */
  expected: MemoryStateIdentity;
  keys: MemoryKeyProvider;
}

async function openExisting(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MemoryStateMissingError(path);
    throw error;
  }
}

async function readExactly(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(b, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return b.subarray(0, got);
}

interface ParsedHeader {
  headerDigest: Buffer;
  keyId: string;
  recordBytes: number;
  salt: Buffer;
  identity: MemoryStateIdentity;
  length: number;
}

async function readHeader(file: FileHandle, path: string): Promise<ParsedHeader> {
  const head = await readExactly(file, 0, FIXED_HEADER);
  if (head.length < MAGIC.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) {
    if (head.length < MAGIC.length && MAGIC.subarray(0, head.length).equals(head)) throw new MemoryStateTruncatedError(path, 'the header is cut');
    throw new MemoryStateNotSealedError(path);
  }
  if (head.length < FIXED_HEADER) throw new MemoryStateTruncatedError(path, 'the header is cut');
  const version = head.readUInt16BE(8);
  if (version !== SEALED_FORMAT_VERSION) throw new MemoryStateUnsupportedVersionError(path, version);
  const keyIdLength = head.readUInt16BE(10);
  const identityLength = head.readUInt32BE(12);
  const recordBytes = head.readUInt32BE(16);
  if (keyIdLength > MAX_KEY_ID || identityLength > MAX_IDENTITY || recordBytes < 1 || recordBytes > MAX_RECORD) {
    throw new MemoryStateTamperedError(path, 'the header holds impossible sizes');
  }
  const rest = await readExactly(file, FIXED_HEADER, keyIdLength + identityLength);
  if (rest.length < keyIdLength + identityLength) throw new MemoryStateTruncatedError(path, 'the header is cut');
  let identity: MemoryStateIdentity;
  try {
    const parsed = JSON.parse(rest.subarray(keyIdLength).toString('utf8')) as Record<string, unknown>;
    const { vmUuid, checkpointId, parentId } = parsed;
    if (typeof vmUuid !== 'string' || typeof checkpointId !== 'string' || (parentId !== null && typeof parentId !== 'string')) {
      throw new TypeError('identity fields');
    }
    identity = { vmUuid, checkpointId, parentId };
  } catch {
    throw new MemoryStateTamperedError(path, 'the header identity is unreadable');
  }
  return {
    headerDigest: createHash('sha256').update(head).update(rest).digest(),
    keyId: rest.subarray(0, keyIdLength).toString('utf8'),
    recordBytes,
    salt: Buffer.from(head.subarray(20, 52)),
    identity,
    length: FIXED_HEADER + rest.length,
  };
}

function checkIdentity(path: string, expected: MemoryStateIdentity, found: MemoryStateIdentity) {
  if (found.vmUuid !== expected.vmUuid) throw new MemoryStateIdentityMismatchError(path, 'VM', expected.vmUuid, found.vmUuid);
  if (found.checkpointId !== expected.checkpointId) {
    throw new MemoryStateIdentityMismatchError(path, 'checkpoint', expected.checkpointId, found.checkpointId);
  }
  if (found.parentId !== expected.parentId) throw new MemoryStateParentMismatchError(path, expected.parentId, found.parentId);
}

/**
 * Yields the plaintext record by record, each only after it authenticated. A failure anywhere (including a
 * missing final record, found only at the end) throws a MemoryStateError, so a consumer must treat what it
 * received as provisional until the iteration completes (applyDelta writes to a temporary file for that).
 */
export async function* openSealedMemoryState(options: OpenOptions): AsyncGenerator<Buffer> {
  const { path } = options;
  const file = await openExisting(path);
  try {
    const header = await readHeader(file, path);
    checkIdentity(path, options.expected, header.identity);
    const master = await options.keys.keyById(header.keyId);
    if (!master) throw new MemoryStateKeyUnavailableError(path, header.keyId);
    const k = fileKey(master, header.salt);
    let position = header.length;
    for (let index = 0; ; index++) {
      const recordHead = await readExactly(file, position, RECORD_HEAD);
      if (recordHead.length === 0) throw new MemoryStateTruncatedError(path, `the final record is missing after ${index} records`);
      if (recordHead.length < RECORD_HEAD) throw new MemoryStateTruncatedError(path, `record ${index} is cut`);
      const length = recordHead.readUInt32BE(0);
      const finalByte = recordHead.readUInt8(4);
      if (length > header.recordBytes || finalByte > 1) throw new MemoryStateTamperedError(path, `record ${index} has an impossible header`);
      const body = await readExactly(file, position + RECORD_HEAD, length + TAG);
      if (body.length < length + TAG) throw new MemoryStateTruncatedError(path, `record ${index} is cut`);
      const final = finalByte === 1;
      const decipher = createDecipheriv('aes-256-gcm', k, nonce(index), { authTagLength: TAG });
      decipher.setAAD(associatedData(header.headerDigest, index, final, length));
      decipher.setAuthTag(body.subarray(length));
      let plaintext: Buffer;
      try {
        plaintext = Buffer.concat([decipher.update(body.subarray(0, length)), decipher.final()]);
      } catch {
        throw new MemoryStateTamperedError(path, `record ${index} does not authenticate (changed, moved, or sealed with another key)`);
      }
      position += RECORD_HEAD + length + TAG;
      if (final) {
        if ((await readExactly(file, position, 1)).length > 0) throw new MemoryStateTamperedError(path, 'bytes follow the final record');
        if (plaintext.length > 0) yield plaintext;
        return;
      }
      yield plaintext;
    }
  } finally {
    await file.close();
  }
}

/** Authenticates the whole file without keeping its contents: the check to run before a revert starts. */
export async function verifySealedMemoryState(options: OpenOptions): Promise<{ plaintextBytes: number }> {
  let plaintextBytes = 0;
  for await (const record of openSealedMemoryState(options)) plaintextBytes += record.length;
  return { plaintextBytes };
}

/** Reads a file's identity without a key (to list or diagnose); not authenticated until opened. */
export async function peekSealedIdentity(path: string): Promise<MemoryStateIdentity> {
  const file = await openExisting(path);
  try {
    return (await readHeader(file, path)).identity;
  } finally {
    await file.close();
  }
}
