/**
 * The whole credential road against a real SASL-authenticated libvirtd (test bed host3, DIGEST-MD5): the
 * daemon's prompts reach the UI through the contract, the remembered password lands in a real Secret Service
 * (private D-Bus + gnome-keyring-daemon) and in no file or log, and the next connection logs in from the
 * keychain without asking.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../preload/contract';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { startSecretService, type PrivateSecretService } from '../../support/secretService';

const env = testbedOrFail();
const sasl = env?.host3Uri && env.saslUser && env.saslPassword ? { uri: env.host3Uri, user: env.saslUser, password: env.saslPassword } : undefined;

type Request = EventPayload<'credentials.requested'>;

describe.skipIf(!sasl)('credentials for a SASL host through the contract and the keychain', () => {
  let keyring: PrivateSecretService;
  let work: string;
  let t: InProcessTandem;
  const requests: Request[] = [];
  const logged: string[] = [];
  const restore: Array<() => void> = [];
  let password = '';

  beforeAll(async () => {
    keyring = await startSecretService();
    keyring.useInThisProcess();
    for (const method of ['error', 'warn', 'log', 'info', 'debug'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        logged.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' '));
        original(...args);
      };
      restore.push(() => (console[method] = original));
    }
    work = await mkdtemp(join(tmpdir(), 'tandem-sasl-keyring-'));
    t = await startInProcessTandem({ dataDir: join(work, 'data'), demo: 'never', credentialTimeoutMs: 15_000 });
    t.client.on('credentials.requested', (request) => {
      requests.push(request);
      // SASL asks for the authorization id ("username") too: empty means "the same user".
      const values = request.fields.map((f) => (f.secret ? password : f.kind === 'authname' ? sasl!.user : ''));
      void t.client.call('credentials.answer', { requestId: request.requestId, values, remember: true });
    });
  });

  afterAll(async () => {
    await t?.stop();
    for (const undo of restore) undo();
    await keyring?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a wrong password: auth failed, the host is not added, nothing stored', async () => {
    password = 'not-the-password';
    const error = await callError(t.client.call('hosts.add', { uri: sasl!.uri, name: 'sasl' }));
    expect(error).toMatchObject({ errorName: 'AuthFailed', code: 'libvirt.VIR_ERR_AUTH_FAILED' });
    expect(await t.client.call('hosts.list', {})).toEqual([]);
    expect(requests.flatMap((r) => r.fields.map((f) => f.kind))).toEqual(expect.arrayContaining(['authname', 'passphrase']));
  });

  it('the right password connects, and is kept in the keychain only', async () => {
    password = sasl!.password;
    const host = await t.client.call('hosts.add', { uri: sasl!.uri, name: 'sasl' });
    expect(host).toMatchObject({ status: 'connected', hypervisor: expect.stringMatching(/^QEMU /) });
    expect(await keyring.lookup({ service: 'tandem', username: `${host.id}/passphrase` })).toBe(sasl!.password);
    for (const entry of await readdir(join(work, 'data'), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      expect(await readFile(path, 'latin1'), path).not.toContain(sasl!.password);
    }
    expect(logged.join('\n')).not.toContain(sasl!.password);
  });

  it('reconnecting logs in from the keychain without asking', async () => {
    const asked = requests.length;
    password = 'the UI would answer this wrong';
    const [host] = await t.client.call('hosts.list', {});
    expect(await t.client.call('hosts.reconnect', { hostId: host!.id })).toMatchObject({ status: 'connected' });
    expect(requests.length).toBe(asked);
  });
});
