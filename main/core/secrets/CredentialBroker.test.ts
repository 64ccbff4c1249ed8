/**
 * CredentialBroker's rules with a scripted SecretStore and a manual clock: when to ask, what to remember and
 * when, what to drop. The real keychain and libvirt's auth path are covered by
 * test/integration/hosts/hostCredentials.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors';
import { flush, ManualClock } from '../testing/scripted';
import { CredentialBroker, type CredentialRequested } from './CredentialBroker';
import { SecretStoreUnavailableError, type SecretStore } from './SecretStore';

class ScriptedSecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  unavailable = false;
  async get(hostId: string, kind: string) {
    if (this.unavailable) throw new SecretStoreUnavailableError('no bus');
    return this.values.get(`${hostId}/${kind}`) ?? null;
  }
  async set(hostId: string, kind: string, value: string) {
    if (this.unavailable) throw new SecretStoreUnavailableError('no bus');
    this.values.set(`${hostId}/${kind}`, value);
  }
  async delete(hostId: string, kind: string) {
    if (this.unavailable) throw new SecretStoreUnavailableError('no bus');
    return this.values.delete(`${hostId}/${kind}`);
  }
}

const HOST = { id: 'lab', name: 'Lab', uri: 'qemu+ssh://me@lab/system' };
const PASSWORD_PROMPT = [{ kind: 'passphrase', prompt: 'Password:', defaultValue: '' }];

function setup() {
  const store = new ScriptedSecretStore();
  const clock = new ManualClock();
  const broker = new CredentialBroker({ store, clock, answerTimeoutMs: 30_000 });
  const asked: CredentialRequested[] = [];
  const closed: string[] = [];
  broker.requested.on((r) => asked.push(r));
  broker.closed.on((c) => closed.push(c.reason));
  return { store, clock, broker, asked, closed };
}

describe('CredentialBroker', () => {
  it('asks the user, and remembers the answer only once the host accepted it', async () => {
    const { store, broker, asked, closed } = setup();
    const attempt = broker.forAttempt(HOST);
    const answer = attempt.prompt(PASSWORD_PROMPT);
    await flush();
    expect(asked).toEqual([expect.objectContaining({ hostId: 'lab', canRemember: true, fields: [{ kind: 'passphrase', prompt: 'Password:', secret: true }] })]);
    broker.answer({ requestId: asked[0]!.requestId, values: ['pw'], remember: true });
    await expect(answer).resolves.toEqual(['pw']);
    expect(closed).toEqual(['answered']);
    expect(store.values.size).toBe(0);
    await attempt.finish('connected');
    expect(store.values.get('lab/passphrase')).toBe('pw');
  });

  it('does not keep an answer the host refused, nor one the user did not ask to remember', async () => {
    const { store, broker, asked } = setup();
    for (const [remember, outcome] of [[true, 'auth-failed'], [false, 'connected']] as const) {
      const attempt = broker.forAttempt(HOST);
      const answer = attempt.prompt(PASSWORD_PROMPT);
      await flush();
      broker.answer({ requestId: asked.at(-1)!.requestId, values: ['pw'], remember });
      await answer;
      await attempt.finish(outcome);
    }
    expect(store.values.size).toBe(0);
  });

  it('answers from the store without asking, and drops a stored answer the host refuses', async () => {
    const { store, broker, asked } = setup();
    store.values.set('lab/passphrase', 'old');
    const attempt = broker.forAttempt(HOST);
    await expect(attempt.prompt(PASSWORD_PROMPT)).resolves.toEqual(['old']);
    expect(asked).toEqual([]);
    expect(await attempt.finish('auth-failed')).toMatch(/removed from the keychain/);
    expect(store.values.size).toBe(0);
  });

  it('times out a prompt nobody answers, with its own reason', async () => {
    const { clock, broker, closed } = setup();
    const attempt = broker.forAttempt(HOST);
    const answer = attempt.prompt(PASSWORD_PROMPT);
    await flush();
    await clock.advance(30_000);
    await expect(answer).resolves.toBeNull();
    expect(closed).toEqual(['timed-out']);
    expect(attempt.declined()).toMatchObject({ kind: 'AuthFailed', code: 'credentials.timed-out' });
  });

  it('refuses answers to unknown requests and answers of the wrong length', async () => {
    const { broker, asked } = setup();
    void broker.forAttempt(HOST).prompt(PASSWORD_PROMPT);
    await flush();
    expect(() => broker.answer({ requestId: asked[0]!.requestId, values: ['a', 'b'] })).toThrow(InvalidInputError);
    expect(() => broker.answer({ requestId: '00000000-0000-4000-8000-000000000000', cancel: true })).toThrow(NotFoundError);
    broker.answer({ requestId: asked[0]!.requestId, cancel: true });
    expect(broker.openRequests()).toEqual([]);
  });

  it('without a keychain, still asks, and says the answer cannot be remembered', async () => {
    const { store, broker, asked } = setup();
    store.unavailable = true;
    const attempt = broker.forAttempt(HOST);
    const answer = attempt.prompt(PASSWORD_PROMPT);
    await flush();
    expect(asked[0]?.canRemember).toBe(false);
    broker.answer({ requestId: asked[0]!.requestId, values: ['pw'], remember: true });
    await expect(answer).resolves.toEqual(['pw']);
    await expect(attempt.finish('connected')).resolves.toBeUndefined();
  });
});

describe('CredentialBroker.forgetHost', () => {
  it('deletes every stored credential of the host and closes its open prompts', async () => {
    const { store, broker, closed } = setup();
    store.values.set('lab/passphrase', 'pw');
    store.values.set('lab/authname', 'me');
    store.values.set('other/passphrase', 'keep');
    const answer = broker.forAttempt({ ...HOST, id: 'lab' }).prompt([{ kind: 'realm', prompt: 'Realm', defaultValue: '' }]);
    await flush();
    await broker.forgetHost('lab');
    await expect(answer).resolves.toBeNull();
    expect(closed).toEqual(['cancelled']);
    expect([...store.values.keys()]).toEqual(['other/passphrase']);
  });
});
