/**
 * A keychain held in a Map, for tests of the memory-state key logic (KeychainMemoryKeyProvider) where the OS
 * keychain is not what is under test; the Secret Service suites use the real one.
 */
import type { SecretSource } from '../checkpoints/MemoryKeyProvider';

export class MapSecrets implements SecretSource {
  /** `owner/kind` -> value: what the provider stored, for a test to look at. */
  readonly entries = new Map<string, string>();
  async get(owner: string, kind: string) {
    return this.entries.get(`${owner}/${kind}`) ?? null;
  }
  async set(owner: string, kind: string, value: string) {
    this.entries.set(`${owner}/${kind}`, value);
  }
}
