/**
 * What HostManager needs to answer a host's credential prompts: one CredentialAttempt per connection
 * attempt, told how the attempt ended (so remembered answers are saved only once the host accepted them, and
 * stored ones the host refused are dropped). Implemented by core/secrets/CredentialBroker.
 */
import type { AuthFailedError } from '../errors';
import type { CredentialPrompt } from './HostDriver';

export interface HostIdentity {
  id: string;
  name: string;
  uri: string;
}

export type AttemptOutcome = 'connected' | 'auth-failed' | 'failed';

export interface CredentialAttempt {
  prompt: CredentialPrompt;
  /** Resolves with a note for the host's status when the outcome changed what is stored, e.g. a dropped secret. */
  finish(outcome: AttemptOutcome): Promise<string | undefined>;
  /** Why the user gave no answer (cancelled, no answer in time), which says more than libvirt's auth error. */
  declined(): AuthFailedError | undefined;
}

export interface HostCredentialSource {
  /** `askingUser` is called when a prompt goes to the user (not answered from the keychain). */
  forAttempt(host: HostIdentity, hooks?: { askingUser?(): void }): CredentialAttempt;
  /** The host was removed or now points elsewhere: its stored credentials no longer apply. */
  forgetHost(hostId: string): Promise<void>;
}
