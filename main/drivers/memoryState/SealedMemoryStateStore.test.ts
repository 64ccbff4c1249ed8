/**
 * Without a keychain, memory checkpoints are refused before libvirt writes anything (a plain copy of a
 * guest's RAM is never kept): the typed error names the way out. The keychain itself is a scripted port
 * here; the real Secret Service runs in test/integration/testbed/checkpointSealedMemory.test.ts.
 */
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
