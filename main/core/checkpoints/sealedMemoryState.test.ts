import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeychainMemoryKeyProvider } from './MemoryKeyProvider';
import {
  MemoryStateError,
  MemoryStateIdentityMismatchError,
  MemoryStateKeyUnavailableError,
  MemoryStateMissingError,
  MemoryStateNotSealedError,
  MemoryStateParentMismatchError,
  MemoryStateTamperedError,
  MemoryStateTruncatedError,
  MemoryStateUnsupportedVersionError,
} from './memoryStateErrors';
import { openSealedMemoryState, peekSealedIdentity, sealMemoryState, verifySealedMemoryState, type MemoryStateIdentity } from './sealedMemoryState';
import { MapSecrets } from '../testing/mapSecrets';

const identity: MemoryStateIdentity = { vmUuid: 'c7a5fdbd-cdaf-9455-926a-d65c16db1809', checkpointId: 'cp-2', parentId: 'cp-1' };

async function* pieces(bytes: Buffer, size = 10_000): AsyncGenerator<Buffer> {
  for (let o = 0; o < bytes.length; o += size) yield bytes.subarray(o, o + size);
}

async function readAll(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of iterable) out.push(b);
  return Buffer.concat(out);
}

async function refusal(promise: Promise<unknown>): Promise<MemoryStateError> {
  const error = await promise.then(
    () => new Error('expected the file to be refused'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MemoryStateError);
  return error as MemoryStateError;
}

describe('sealed memory-state files', () => {
  let dir: string;
  let secrets: MapSecrets;
  let keys: KeychainMemoryKeyProvider;
  const plaintext = randomBytes(300_001);
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-sealed-'));
    secrets = new MapSecrets();
    keys = new KeychainMemoryKeyProvider(secrets);
    path = join(dir, 'cp-2.mem');
    await sealMemoryState({ source: pieces(plaintext), path, identity, keys, recordBytes: 65536 });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const open = (p = path, expected = identity) => readAll(openSealedMemoryState({ path: p, expected, keys }));

  it('round-trips, encrypted at rest, with only the key in the keychain', async () => {
    expect((await open()).equals(plaintext)).toBe(true);
    const sealed = await readFile(path);
    expect(sealed.includes(plaintext.subarray(1000, 1032))).toBe(false);
    const identityJson = JSON.stringify({ formatVersion: 1, ...identity });
    const header = 52 + (await keys.currentKey()).id.length + identityJson.length;
    expect(sealed.length).toBe(header + plaintext.length + 5 * (5 + 16)); // five records: a head and a tag each
    expect(sealed.includes(Buffer.from(identityJson))).toBe(true);
    const names = [...secrets.entries.keys()];
    expect(names).toHaveLength(2);
    expect(names).toEqual(expect.arrayContaining(['tandem-memory-state/key/current', expect.stringMatching(/^tandem-memory-state\/key\/[0-9a-f-]{36}$/)]));
    expect(await peekSealedIdentity(path)).toEqual(identity);
    expect((await verifySealedMemoryState({ path, expected: identity, keys })).plaintextBytes).toBe(plaintext.length);
    expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('seals an empty state and a state of exactly one record', async () => {
    for (const bytes of [Buffer.alloc(0), randomBytes(65536)]) {
      await sealMemoryState({ source: pieces(bytes), path: join(dir, 'x.mem'), identity, keys, recordBytes: 65536 });
      expect((await open(join(dir, 'x.mem'))).equals(bytes)).toBe(true);
    }
  });

  it('refuses a flipped byte anywhere in the file', async () => {
    const sealed = await readFile(path);
    const size = sealed.length;
    // Header fields, salt, identity, record heads, ciphertext, tags, and the very last byte.
    for (const at of [9, 17, 30, 60, size - 300_000, size - 150_000, size - 20, size - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x10;
      await writeFile(join(dir, 'bad.mem'), bad);
      const error = await refusal(open(join(dir, 'bad.mem')));
      expect(error.code).toMatch(/^memory-state\.(tampered|identity-mismatch|parent-mismatch|unsupported-version|truncated|key-unavailable)$/);
    }
    // A byte in the middle of the ciphertext can only be caught by authentication.
    const bad = Buffer.from(sealed);
    bad[size - 100_000]! ^= 0x01;
    await writeFile(join(dir, 'bad.mem'), bad);
    expect(await refusal(open(join(dir, 'bad.mem')))).toBeInstanceOf(MemoryStateTamperedError);
  });

  it('refuses a truncated file, whether cut inside a record or at a record boundary', async () => {
    const { size } = await stat(path);
    for (const cut of [size - 1, size - 1000, size - (300_001 - 4 * 65536) - 21 /* the final record, whole */, 40, 3]) {
      const copy = join(dir, `cut-${cut}.mem`);
      await writeFile(copy, (await readFile(path)).subarray(0, cut));
      expect(await refusal(open(copy))).toBeInstanceOf(MemoryStateTruncatedError);
    }
  });

  it('refuses records swapped, and bytes appended after the end', async () => {
    const sealed = await readFile(path);
    const headerLength = sealed.length - (4 * (5 + 65536 + 16) + (5 + 300_001 - 4 * 65536 + 16));
    const record = (i: number) => sealed.subarray(headerLength + i * (5 + 65536 + 16), headerLength + (i + 1) * (5 + 65536 + 16));
    const swapped = Buffer.concat([sealed.subarray(0, headerLength), record(1), record(0), sealed.subarray(headerLength + 2 * (5 + 65536 + 16))]);
    await writeFile(join(dir, 'swapped.mem'), swapped);
    expect(await refusal(open(join(dir, 'swapped.mem')))).toBeInstanceOf(MemoryStateTamperedError);
    await writeFile(join(dir, 'long.mem'), Buffer.concat([sealed, Buffer.of(0)]));
    expect(await refusal(open(join(dir, 'long.mem')))).toBeInstanceOf(MemoryStateTamperedError);
  });

  it('refuses a record moved in from another file sealed for the same checkpoint', async () => {
    const other = join(dir, 'other.mem');
    await sealMemoryState({ source: pieces(plaintext), path: other, identity, keys, recordBytes: 65536 });
    const a = await readFile(path);
    const b = await readFile(other);
    const mixed = Buffer.from(a);
    b.copy(mixed, a.length - 100, b.length - 100);
    await writeFile(join(dir, 'mixed.mem'), mixed);
    expect(await refusal(open(join(dir, 'mixed.mem')))).toBeInstanceOf(MemoryStateTamperedError);
  });

  it('refuses a file of another VM, another checkpoint or another parent, before reading its contents', async () => {
    expect(await refusal(open(path, { ...identity, vmUuid: '00000000-0000-0000-0000-000000000000' }))).toBeInstanceOf(MemoryStateIdentityMismatchError);
    expect(await refusal(open(path, { ...identity, checkpointId: 'cp-3' }))).toBeInstanceOf(MemoryStateIdentityMismatchError);
    expect(await refusal(open(path, { ...identity, parentId: 'cp-0' }))).toBeInstanceOf(MemoryStateParentMismatchError);
    expect(await refusal(open(path, { ...identity, parentId: null }))).toBeInstanceOf(MemoryStateParentMismatchError);
  });

  it('refuses a header rewritten to claim another identity (the records are bound to the original)', async () => {
    const sealed = await readFile(path);
    const forged = Buffer.from(sealed.toString('latin1').replace('"cp-2"', '"cp-3"'), 'latin1');
    await writeFile(join(dir, 'forged.mem'), forged);
    expect(await refusal(open(join(dir, 'forged.mem'), { ...identity, checkpointId: 'cp-3' }))).toBeInstanceOf(MemoryStateTamperedError);
  });

  it('refuses with the wrong key, a missing key, a missing file, a foreign file, an unknown version', async () => {
    const otherKeys = new KeychainMemoryKeyProvider(new MapSecrets());
    const current = await keys.currentKey();
    const stolen = new MapSecrets();
    await stolen.set('tandem-memory-state', `key/${current.id}`, randomBytes(32).toString('base64'));
    const wrong = new KeychainMemoryKeyProvider(stolen);
    expect(await refusal(readAll(openSealedMemoryState({ path, expected: identity, keys: wrong })))).toBeInstanceOf(MemoryStateTamperedError);
    expect(await refusal(readAll(openSealedMemoryState({ path, expected: identity, keys: otherKeys })))).toBeInstanceOf(
      MemoryStateKeyUnavailableError,
    );
    expect(await refusal(open(join(dir, 'absent.mem')))).toBeInstanceOf(MemoryStateMissingError);
    await writeFile(join(dir, 'plain.mem'), randomBytes(1000));
    expect(await refusal(open(join(dir, 'plain.mem')))).toBeInstanceOf(MemoryStateNotSealedError);
    const sealed = await readFile(path);
    sealed.writeUInt16BE(2, 8);
    await writeFile(join(dir, 'v2.mem'), sealed);
    expect(await refusal(open(join(dir, 'v2.mem')))).toBeInstanceOf(MemoryStateUnsupportedVersionError);
  });

  it('a key id rewritten to name the keychain’s pointer entry is an unavailable key, not a crash', async () => {
    const sealed = await readFile(path);
    const keyIdLength = sealed.readUInt16BE(10);
    const forged = Buffer.concat([sealed.subarray(0, 52), Buffer.from('current'), sealed.subarray(52 + keyIdLength)]);
    forged.writeUInt16BE('current'.length, 10);
    await writeFile(join(dir, 'pointer.mem'), forged);
    expect(await refusal(open(join(dir, 'pointer.mem')))).toBeInstanceOf(MemoryStateKeyUnavailableError);
  });

  it('leaves nothing behind when the source fails while sealing', async () => {
    async function* failing() {
      yield randomBytes(100_000);
      throw new Error('save stream broke');
    }
    await expect(sealMemoryState({ source: failing(), path: join(dir, 'failed.mem'), identity, keys })).rejects.toThrow('save stream broke');
    expect((await readdir(dir)).sort()).toEqual(['cp-2.mem']);
    await truncate(path, 0);
    expect(await refusal(open())).toBeInstanceOf(MemoryStateTruncatedError);
  });

  it('the key provider creates one key, keeps it, and finds older keys by id', async () => {
    const fresh = new KeychainMemoryKeyProvider(new MapSecrets());
    const [a, b] = await Promise.all([fresh.currentKey(), fresh.currentKey()]);
    expect(a.id).toBe(b.id);
    expect(a.key.length).toBe(32);
    expect(Buffer.from((await fresh.keyById(a.id))!).equals(Buffer.from(a.key))).toBe(true);
    expect(await fresh.keyById('nope')).toBeNull();
  });
});
