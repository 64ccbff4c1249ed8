/**
 * Where credentials live: the OS keychain, behind this port (core never imports a keychain library). A
 * secret is addressed by the host it belongs to and its kind (libvirt's credential types: "authname",
 * "passphrase", ...). Values never go to files or logs; only the keychain holds them.
 */
import { UnsupportedError } from '../errors';

export interface SecretStore {
  /** The stored value, or null when there is none. Throws SecretStoreUnavailableError without a keychain. */
  get(hostId: string, kind: string): Promise<string | null>;
  set(hostId: string, kind: string, value: string): Promise<void>;
  /** True when something was deleted. */
  delete(hostId: string, kind: string): Promise<boolean>;
}

/**
 * There is no keychain to talk to (no Secret Service on the session bus, a locked collection, ...). Tandem
 * still works: it asks for credentials each time and cannot remember them.
 */
export class SecretStoreUnavailableError extends UnsupportedError {
  constructor(reason: string, cause?: unknown) {
    super('secrets.unavailable', `The OS keychain is not available (${reason}); credentials will be asked each time`, {
      cause,
    });
  }
}
