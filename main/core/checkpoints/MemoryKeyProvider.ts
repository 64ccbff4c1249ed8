/**
 * Where the keys that seal memory-state files come from. Keys live only in the OS keychain; files name their
 * key by id so a rotated key still opens older files.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SecretStore } from '../secrets/SecretStore';

export const MEMORY_KEY_BYTES = 32;

export interface MemoryKey {
  id: string;
  /** MEMORY_KEY_BYTES bytes. */
  key: Uint8Array;
}

export interface MemoryKeyProvider {
  /** The key new files are sealed with, created on first use. */
  currentKey(): Promise<MemoryKey>;
  /** A key by id, or null when the keychain does not hold it. */
  keyById(keyId: string): Promise<Uint8Array | null>;
}

/**
 * The little the key provider needs from the keychain: core/secrets' SecretStore plugs in as it is. A keychain
 * that is unavailable throws SecretStoreUnavailableError; so does sealing then (nothing is written).
 */
export type SecretSource = Pick<SecretStore, 'get' | 'set'>;

/** The keychain owner of memory-state keys (hosts own their credentials under their host id): account `tandem-memory-state/key/<id>`. */
export const MEMORY_KEY_OWNER = 'tandem-memory-state';
const CURRENT = 'key/current';
const keyName = (id: string) => `key/${id}`;

/**
 * Keys as base64 secrets in the keychain: one per id, plus a pointer to the current id. A key is written
 * before the pointer, so a crash between the two leaves an unused key, never a pointer to nothing.
 */
export class KeychainMemoryKeyProvider implements MemoryKeyProvider {
  private pending: Promise<MemoryKey> | undefined;

  constructor(private readonly secrets: SecretSource) {}

  currentKey(): Promise<MemoryKey> {
    // Concurrent first calls must not create two keys.
    this.pending ??= this.loadOrCreate().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  async keyById(keyId: string): Promise<Uint8Array | null> {
    const encoded = await this.secrets.get(MEMORY_KEY_OWNER, keyName(keyId));
    if (encoded === null) return null;
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== MEMORY_KEY_BYTES) throw new Error(`the keychain entry ${keyName(keyId)} is not a ${MEMORY_KEY_BYTES}-byte key`);
    return key;
  }

  private async loadOrCreate(): Promise<MemoryKey> {
    const id = await this.secrets.get(MEMORY_KEY_OWNER, CURRENT);
    if (id !== null) {
      const key = await this.keyById(id);
      if (key) return { id, key };
    }
    const created = { id: randomUUID(), key: randomBytes(MEMORY_KEY_BYTES) };
    await this.secrets.set(MEMORY_KEY_OWNER, keyName(created.id), created.key.toString('base64'));
    await this.secrets.set(MEMORY_KEY_OWNER, CURRENT, created.id);
    return created;
  }
}
