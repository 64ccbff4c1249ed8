/**
 * Answers libvirt's credential prompts for a host: from the SecretStore when every requested credential is
 * stored, otherwise by asking the user through the contract (`credentials.requested`, answered with
 * `credentials.answer`). Answers the user asked to remember are saved only after the host accepted them;
 * stored answers the host refused are deleted. Values are never logged, persisted elsewhere or put in an
 * event: only the keychain holds them.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../Clock';
import { Emitter } from '../Emitter';
import { AuthFailedError, InvalidInputError, NotFoundError, TandemError } from '../errors';
import type { AttemptOutcome, CredentialAttempt, HostCredentialSource, HostIdentity } from '../hosts/HostCredentials';
import { createLogger } from '../logging';
import { SecretStoreUnavailableError, type SecretStore } from './SecretStore';

const log = createLogger('credentials');

/** libvirt's credential types (virConnectCredentialType) whose answer must not be shown while typed. */
const SECRET_KINDS = new Set(['passphrase', 'noechoprompt']);
/** Every kind a host may have stored, for forgetting a host. */
const ALL_KINDS = ['username', 'authname', 'language', 'cnonce', 'passphrase', 'echoprompt', 'noechoprompt', 'realm', 'external', 'unknown'];

export interface CredentialField {
  kind: string;
  prompt: string;
  secret: boolean;
  /** What libvirt proposes (e.g. the user name from the URI); never a secret. */
  defaultValue?: string;
}

export interface CredentialRequested {
  requestId: string;
  hostId: string;
  hostName: string;
  uri: string;
  fields: CredentialField[];
  /** False when no keychain is available: the answer cannot be remembered. */
  canRemember: boolean;
}

export type CredentialClosedReason = 'answered' | 'cancelled' | 'timed-out';

export type CredentialAnswer = { requestId: string; remember?: boolean } & ({ values: string[] } | { cancel: true });

interface PendingRequest {
  event: CredentialRequested;
  resolve(values: string[] | null, reason: CredentialClosedReason, remember?: boolean): void;
}

export interface CredentialBrokerOptions {
  store: SecretStore;
  clock?: Clock;
  /** How long a prompt waits for the user before the attempt is refused (default 2 minutes). */
  answerTimeoutMs?: number;
}

export class CredentialBroker implements HostCredentialSource {
  readonly requested = new Emitter<CredentialRequested>();
  /** A request is over (answered here or elsewhere, cancelled, timed out): UIs close its dialog. */
  readonly closed = new Emitter<{ requestId: string; reason: CredentialClosedReason }>();
  private readonly pending = new Map<string, PendingRequest>();
  private readonly clock: Clock;
  private readonly answerTimeoutMs: number;

  constructor(private readonly options: CredentialBrokerOptions) {
    this.clock = options.clock ?? systemClock;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 120_000;
  }

  /** The requests waiting for the user, for a UI that opens after they were announced. */
  openRequests(): CredentialRequested[] {
    return [...this.pending.values()].map((request) => request.event);
  }

  answer(answer: CredentialAnswer): void {
    const request = this.pending.get(answer.requestId);
    if (!request) {
      throw new NotFoundError('credentials.request-not-found', 'This credential request is no longer open (answered, cancelled or timed out)', {
        details: { requestId: answer.requestId },
      });
    }
    if ('cancel' in answer) {
      request.resolve(null, 'cancelled');
      return;
    }
    const expected = request.event.fields.length;
    if (answer.values.length !== expected) {
      throw new InvalidInputError('credentials.answer-mismatch', `The host asked for ${expected} value(s), the answer has ${answer.values.length}`, {
        details: { field: 'values', requestId: answer.requestId },
      });
    }
    request.resolve(answer.values, 'answered', answer.remember === true);
  }

  forAttempt(host: HostIdentity, hooks: { askingUser?(): void } = {}): CredentialAttempt {
    /** Answers used in this attempt, by kind, and where they came from. */
    const fromStore = new Map<string, true>();
    const toRemember = new Map<string, string>();
    let declined: AuthFailedError | undefined;
    const prompt = async (requests: Array<{ kind: string; prompt: string; defaultValue: string }>): Promise<string[] | null> => {
      const kinds = requests.map((r) => r.kind);
      const stored = await this.readStored(host.id, kinds);
      if (stored.values) {
        for (const kind of kinds) fromStore.set(kind, true);
        return stored.values;
      }
      const fields = requests.map((r) => ({
        kind: r.kind,
        prompt: r.prompt,
        secret: SECRET_KINDS.has(r.kind),
        ...(r.defaultValue && !SECRET_KINDS.has(r.kind) ? { defaultValue: r.defaultValue } : {}),
      }));
      hooks.askingUser?.();
      const { values, remember, reason } = await this.ask(host, fields, stored.available);
      if (reason === 'cancelled') {
        declined = new AuthFailedError('credentials.cancelled', `Connecting to "${host.name}" was cancelled at the credential prompt`, {
          details: { hostId: host.id },
        });
      } else if (reason === 'timed-out') {
        declined = new AuthFailedError(
          'credentials.timed-out',
          `Nobody answered the credential prompt for "${host.name}" within ${Math.round(this.answerTimeoutMs / 1000)} s`,
          { details: { hostId: host.id } },
        );
      }
      if (values && remember && stored.available) kinds.forEach((kind, i) => toRemember.set(kind, values[i] ?? ''));
      return values;
    };
    const finish = async (outcome: AttemptOutcome): Promise<string | undefined> => {
      if (outcome === 'connected') {
        for (const [kind, value] of toRemember) await this.store(host.id, kind, value);
        return undefined;
      }
      if (outcome === 'auth-failed' && fromStore.size > 0) {
        for (const kind of fromStore.keys()) await this.deleteStored(host.id, kind);
        return 'the saved credentials were refused and removed from the keychain';
      }
      return undefined;
    };
    return { prompt, finish, declined: () => declined };
  }

  async forgetHost(hostId: string): Promise<void> {
    // A prompt still open for the host's old address (or a removed host) has nobody left to answer it.
    for (const request of [...this.pending.values()]) if (request.event.hostId === hostId) request.resolve(null, 'cancelled');
    for (const kind of ALL_KINDS) await this.deleteStored(hostId, kind);
  }

  /** Refuses every open request (shutting down). */
  dispose(): void {
    for (const request of [...this.pending.values()]) request.resolve(null, 'cancelled');
  }

  // -------------------------------------------------------------------------------------------------------

  private ask(
    host: HostIdentity,
    fields: CredentialField[],
    canRemember: boolean,
  ): Promise<{ values: string[] | null; remember: boolean; reason: CredentialClosedReason }> {
    const requestId = randomUUID();
    const event: CredentialRequested = { requestId, hostId: host.id, hostName: host.name, uri: host.uri, fields, canRemember };
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => this.pending.get(requestId)?.resolve(null, 'timed-out'), this.answerTimeoutMs);
      this.pending.set(requestId, {
        event,
        resolve: (values, reason, remember = false) => {
          if (!this.pending.delete(requestId)) return;
          timer.dispose();
          resolve({ values, remember, reason });
          this.closed.emit({ requestId, reason });
        },
      });
      this.requested.emit(event);
    });
  }

  /** Every requested kind from the store, or no values; `available` false when there is no keychain. */
  private async readStored(hostId: string, kinds: string[]): Promise<{ values?: string[]; available: boolean }> {
    try {
      const values: string[] = [];
      for (const kind of kinds) {
        const value = await this.options.store.get(hostId, kind);
        if (value === null) return { available: true };
        values.push(value);
      }
      return { values, available: true };
    } catch (error) {
      if (error instanceof SecretStoreUnavailableError) return { available: false };
      // A keychain that fails in another way must not block the connection: ask the user instead.
      log.warn(`reading stored credentials of host ${hostId} failed: ${describe(error)}`);
      return { available: false };
    }
  }

  private async store(hostId: string, kind: string, value: string): Promise<void> {
    try {
      await this.options.store.set(hostId, kind, value);
    } catch (error) {
      log.warn(`saving the ${kind} of host ${hostId} in the keychain failed: ${describe(error)}`);
    }
  }

  private async deleteStored(hostId: string, kind: string): Promise<void> {
    try {
      await this.options.store.delete(hostId, kind);
    } catch (error) {
      if (error instanceof SecretStoreUnavailableError) return;
      log.warn(`deleting the ${kind} of host ${hostId} from the keychain failed: ${describe(error)}`);
    }
  }
}

/** An error's message only: a keychain library's error object could carry what was being stored. */
function describe(error: unknown): string {
  if (error instanceof TandemError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : 'unknown error';
}
