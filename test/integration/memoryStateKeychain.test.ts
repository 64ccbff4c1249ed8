/**
 * Memory-state keys in a real Secret Service (private D-Bus + gnome-keyring, test/support/secretService.ts)
 * through Tandem's KeyringSecretStore: a state sealed with the keychain's key opens with a fresh provider
 * (the key persisted), the key is in the keychain and nowhere in the file, and a file whose key was removed
 * from the keychain is refused with a typed error.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainMemoryKeyProvider, MEMORY_KEY_OWNER } from '../../main/core/checkpoints/MemoryKeyProvider';
import { MemoryStateKeyUnavailableError } from '../../main/core/checkpoints/memoryStateErrors';
import { openSealedMemoryState, sealMemoryState, type MemoryStateIdentity } from '../../main/core/checkpoints/sealedMemoryState';
import { KEYRING_SERVICE, KeyringSecretStore } from '../../main/drivers/keyring/KeyringSecretStore';
import { parentAndChildStreams } from '../../native-helpers/delta/test/syntheticMemory';
import { startSecretService, type PrivateSecretService } from '../support/secretService';

const identity: MemoryStateIdentity = { vmUuid: '9b2f4c1e-0d7a-4e55-8f0e-3c1a2b4d5e6f', checkpointId: 'cp-1', parentId: null };

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function readAll(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of iterable) out.push(b);
  return Buffer.concat(out);
}

describe('memory-state keys in the OS keychain', () => {
  let keyring: PrivateSecretService;
  let dir: string;

  beforeAll(async () => {
    // Before anything in this process touches the keychain library: it connects to the bus it finds first.
    keyring = await startSecretService();
    keyring.useInThisProcess();
    dir = await mkdtemp(join(tmpdir(), 'tandem-memkey-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await keyring.stop();
  });

  it('seals with a key kept only in the keychain, opens with a fresh provider, refuses once the key is gone', async () => {
    const state = parentAndChildStreams(500, 0.05).parent;
    const path = join(dir, 'cp-1.mem');
    await sealMemoryState({ source: once(state), path, identity, keys: new KeychainMemoryKeyProvider(new KeyringSecretStore()) });

    const currentId = await keyring.lookup({ service: KEYRING_SERVICE, username: `${MEMORY_KEY_OWNER}/key/current` });
    expect(currentId).toMatch(/^[0-9a-f-]{36}$/);
    const key = await keyring.lookup({ service: KEYRING_SERVICE, username: `${MEMORY_KEY_OWNER}/key/${currentId}` });
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    const sealed = await readFile(path);
    expect(sealed.includes(Buffer.from(key!, 'base64'))).toBe(false);
    expect(sealed.includes(Buffer.from(key!))).toBe(false);

    const reopened = new KeychainMemoryKeyProvider(new KeyringSecretStore());
    expect((await readAll(openSealedMemoryState({ path, expected: identity, keys: reopened }))).equals(state)).toBe(true);

    expect(await new KeyringSecretStore().delete(MEMORY_KEY_OWNER, `key/${currentId}`)).toBe(true);
    await expect(readAll(openSealedMemoryState({ path, expected: identity, keys: reopened }))).rejects.toBeInstanceOf(
      MemoryStateKeyUnavailableError,
    );
  });
});
