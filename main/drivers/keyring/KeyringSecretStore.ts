/**
 * SecretStore on the OS keychain through @napi-rs/keyring (the Secret Service on Linux, Keychain on macOS,
 * Credential Manager on Windows). Entries are service "tandem", account "<hostId>/<kind>", so
 * `secret-tool lookup service tandem username <hostId>/<kind>` finds them.
 *
 * Without a Secret Service on the session bus the library's reads return null silently while writes throw,
 * so availability is probed once (write, read back, delete) before the first use, and every failure becomes
 * a SecretStoreUnavailableError: the app then asks for credentials each time.
 */
import { AsyncEntry } from '@napi-rs/keyring';
import { randomUUID } from 'node:crypto';
import { SecretStoreUnavailableError, type SecretStore } from '../../core/secrets/SecretStore';

export const KEYRING_SERVICE = 'tandem';

export class KeyringSecretStore implements SecretStore {
  private availability: Promise<void> | undefined;

  constructor(private readonly service = KEYRING_SERVICE) {}

  /**
   * Resolves when the keychain works; rejects with SecretStoreUnavailableError otherwise. Success is cached;
   * a failure is not, so a keychain unlocked or started later is picked up at the next use.
   */
  probe(): Promise<void> {
    this.availability ??= this.writeReadDelete().catch((error: unknown) => {
      this.availability = undefined;
      throw error;
    });
    return this.availability;
  }

  async get(hostId: string, kind: string): Promise<string | null> {
    await this.probe();
    return this.call(async () => this.entry(hostId, kind).getPassword());
  }

  async set(hostId: string, kind: string, value: string): Promise<void> {
    await this.probe();
    await this.call(async () => this.entry(hostId, kind).setPassword(value));
  }

  async delete(hostId: string, kind: string): Promise<boolean> {
    await this.probe();
    return this.call(async () => this.entry(hostId, kind).deleteCredential());
  }

  private entry(hostId: string, kind: string): AsyncEntry {
    return new AsyncEntry(this.service, `${hostId}/${kind}`, { linux: { store: 'secret-service' } });
  }

  private async writeReadDelete(): Promise<void> {
    // Creating an entry already connects to the bus (and throws without one).
    const probe = await this.call(async () => this.entry('probe', randomUUID()));
    const marker = randomUUID();
    await this.call(() => probe.setPassword(marker));
    const read = await this.call(() => probe.getPassword());
    await this.call(() => probe.deleteCredential());
    if (read !== marker) throw new SecretStoreUnavailableError('a value written to it could not be read back');
  }

  /** Keychain errors carry the library's message only (never the value): they become the typed error. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof SecretStoreUnavailableError) throw error;
      throw new SecretStoreUnavailableError(error instanceof Error ? error.message : 'unknown keychain error', error);
    }
  }
}
