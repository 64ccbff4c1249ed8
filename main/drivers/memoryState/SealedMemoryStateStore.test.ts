/**
 * Without a keychain, memory checkpoints are refused before libvirt writes anything (a plain copy of a
 * guest's RAM is never kept): the typed error names the way out. A seal that fails midway keeps the plain
 * state for the retry recovery makes. The keychain is a scripted port here; the real Secret Service and
 * real QEMU states are in test/integration/testbed/checkpointSealedMemory.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeychainMemoryKeyProvider } from '../../core/checkpoints/MemoryKeyProvider';
import { UnsupportedError } from '../../core/errors';
import { SecretStoreUnavailableError } from '../../core/secrets/SecretStore';
import { loadTpmState, saveTpmState } from '../../core/checkpoints/tpmState';
import { SealedMemoryStateStore } from './SealedMemoryStateStore';

const noKeychain = {
  get: () => Promise.reject(new SecretStoreUnavailableError('no Secret Service on the session bus')),
  set: () => Promise.reject(new SecretStoreUnavailableError('no Secret Service on the session bus')),
};

describe('SealedMemoryStateStore without a keychain', () => {
  it('refuses memory checkpoints with a specific error', async () => {
    const store = new SealedMemoryStateStore(new KeychainMemoryKeyProvider(noKeychain));
    const error = await store.assertReady().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as UnsupportedError).code).toBe('checkpoint.memory-needs-keychain');
    expect((error as Error).message).toMatch(/disk-only/);
  });

  it('passes through other keychain failures unchanged', async () => {
    const broken = { get: () => Promise.reject(new Error('dbus: permission denied')), set: () => Promise.resolve() };
    await expect(new SealedMemoryStateStore(new KeychainMemoryKeyProvider(broken)).assertReady()).rejects.toThrow('permission denied');
  });
});

describe('SealedMemoryStateStore seal retry', () => {
  it('keeps the plain state when sealing fails midway, and a retry seals it to the same bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-seal-retry-'));
    try {
      const entries = new Map<string, string>();
      let failSets = false;
      const secrets = {
        get: async (owner: string, kind: string) => entries.get(`${owner}/${kind}`) ?? null,
        set: async (owner: string, kind: string, value: string) => {
          if (failSets) throw new Error('keychain locked');
          entries.set(`${owner}/${kind}`, value);
        },
      };
      const state = randomBytes(3 * 1024 * 1024);
      const path = join(dir, 'cp.mem');
      await writeFile(path, state);
      const ref = { vmUuid: 'vm', checkpointId: 'cp', path };
      // A provider that cannot create its key: the first seal fails before writing anything sealed.
      failSets = true;
      await expect(new SealedMemoryStateStore(new KeychainMemoryKeyProvider(secrets)).seal(ref, [])).rejects.toThrow('keychain locked');
      expect((await readdir(dir)).sort()).toEqual(['cp.mem.plain']);

      failSets = false;
      const store = new SealedMemoryStateStore(new KeychainMemoryKeyProvider(secrets));
      const sealed = await store.seal(ref, []);
      expect(sealed).toMatchObject({ baseId: null, fullBytes: state.length });
      expect((await readdir(dir)).sort()).toEqual(['cp.mem', 'cp.mem.idx']);
      // Sealing again (recovery running twice) changes nothing.
      expect(await store.seal(ref, [])).toMatchObject({ baseId: null, fullBytes: state.length });
      const restored = await store.openForRestore([{ ...ref, baseId: null }]);
      expect((await readFile(restored)).equals(state)).toBe(true);
      await store.closeAfterRestore(restored, { ...ref, baseId: null });
      expect((await readdir(dir)).sort()).toEqual(['cp.mem', 'cp.mem.idx']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("SealedMemoryStateStore: a disk-only checkpoint's TPM state copy", () => {
  it('is sealed (no TPM byte in the clear), bound to its checkpoint, and refused without a keychain before anything is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-tpm-seal-'));
    try {
      const entries = new Map<string, string>();
      const secrets = {
        get: async (owner: string, kind: string) => entries.get(`${owner}/${kind}`) ?? null,
        set: async (owner: string, kind: string, value: string) => void entries.set(`${owner}/${kind}`, value),
      };
      const store = new SealedMemoryStateStore(new KeychainMemoryKeyProvider(secrets));
      const owner = { vmUuid: 'vm', checkpointId: 'cp' };
      const seed = randomBytes(64);
      const files = [{ name: 'tpm2-00.permall', data: seed }];
      const path = join(dir, 'cp.tpm');
      await store.assertReady('tpm');
      await saveTpmState(store, path, owner, files);
      const onDisk = await readFile(path);
      expect(onDisk.includes(seed)).toBe(false);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(onDisk.includes(Buffer.from(seed.toString('base64')))).toBe(false);
      expect(await loadTpmState(store, path, owner, 'cp')).toEqual(files);
      // Another checkpoint's copy put in its place is refused, as a memory state would be.
      await expect(loadTpmState(store, path, { vmUuid: 'vm', checkpointId: 'other' }, 'other')).rejects.toMatchObject({ code: 'checkpoint.tpm-state-unreadable' });
      await expect(loadTpmState(store, join(dir, 'gone.tpm'), owner, 'cp')).rejects.toMatchObject({ code: 'checkpoint.tpm-state-missing' });
      await expect(new SealedMemoryStateStore(new KeychainMemoryKeyProvider(noKeychain)).assertReady('tpm')).rejects.toMatchObject({ code: 'checkpoint.tpm-needs-keychain' });
      expect((await readdir(dir)).sort()).toEqual(['cp.tpm']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
