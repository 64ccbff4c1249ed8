/**
 * Without a keychain, memory checkpoints are refused before libvirt writes anything (a plain copy of a
 * guest's RAM is never kept): the typed error names the way out. A seal that fails midway keeps the plain
 * state for the retry recovery makes. The keychain is a scripted port here; the real Secret Service and
 * real QEMU states are in test/integration/testbed/checkpointSealedMemory.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeychainMemoryKeyProvider } from '../../core/checkpoints/MemoryKeyProvider';
import { UnsupportedError } from '../../core/errors';
import { SecretStoreUnavailableError } from '../../core/secrets/SecretStore';
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
