/**
 * Credentials end to end with a REAL Secret Service (a private D-Bus session bus and gnome-keyring-daemon
 * started by the test) and libvirt's real authentication path (a test-driver node with `<auth>`): the user's
 * answer arrives through the contract, a remembered password lands in the keychain and nowhere else (no
 * file under the data folder, no log line), the next connection uses it without asking, and a stored
 * password the host later refuses is dropped and the host shows 'auth-failed'.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../preload/contract';
import { AUTH_NODE_VM_UUID, writeAuthTestNode } from '../../support/authTestNode';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { startSecretService, type PrivateSecretService } from '../../support/secretService';

const USER = 'alice';
const PASSWORD = 'Tandem-Pw-7f3c91e2';
const WRONG = 'not-the-password';

type Request = EventPayload<'credentials.requested'>;

/** Every file under a folder, recursively, as text. */
async function filesUnder(dir: string): Promise<Array<{ path: string; text: string }>> {
  const out: Array<{ path: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, text: await readFile(path, 'latin1') });
  }
  return out;
}

describe('host credentials with a real Secret Service', () => {
  let keyring: PrivateSecretService;
  let work: string;
  let dataDir: string;
  let uri: string;
  let t: InProcessTandem;
  const logged: string[] = [];
  const restoreWrites: Array<() => void> = [];
  /** How the next credential request is answered. */
  let answerWith: (request: Request) => Parameters<InProcessTandem['client']['call']>[1] & object = () => {
    throw new Error('no answer scripted');
  };
  const requests: Request[] = [];

  const start = async () => {
    t = await startInProcessTandem({ dataDir, demo: 'never', credentialTimeoutMs: 10_000 });
    t.client.on('credentials.requested', (request) => {
      requests.push(request);
      void t.client.call('credentials.answer', answerWith(request) as never);
    });
  };

  beforeAll(async () => {
    // Before anything in this process touches the keychain library: it connects to the bus it finds first.
    keyring = await startSecretService();
    keyring.useInThisProcess();
    process.env.TANDEM_LOG_LEVEL = 'debug';
    // Tandem's logger writes through console (vitest forwards console output, not raw stream writes).
    for (const method of ['error', 'warn', 'log', 'info', 'debug'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack ?? ''}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
        original(...args);
      };
      restoreWrites.push(() => (console[method] = original));
    }
    work = await mkdtemp(join(tmpdir(), 'tandem-cred-'));
    dataDir = join(work, 'data');
    uri = await writeAuthTestNode(work, USER, PASSWORD);
    await start();
  });

  afterAll(async () => {
    await t?.stop();
    for (const restore of restoreWrites) restore();
    await keyring?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const lookup = (hostId: string, kind: string) => keyring.lookup({ service: 'tandem', username: `${hostId}/${kind}` });

  it('wrong credentials: a specific error, the host is not added, nothing is stored', async () => {
    answerWith = (r) => ({ requestId: r.requestId, values: r.fields.map((f) => (f.secret ? WRONG : USER)), remember: true });
    const waiting = t.nextEvent('hosts.changed', (h) => h.uri === uri && h.status === 'connecting' && h.statusReason === 'waiting for credentials');
    const error = await callError(t.client.call('hosts.add', { uri, name: 'guarded' }));
    expect(error).toMatchObject({ errorName: 'AuthFailed', code: 'libvirt.VIR_ERR_AUTH_FAILED' });
    await waiting;
    // libvirt's test driver asks for the user name, then the password, in two prompts.
    expect(requests.every((r) => r.uri === uri && r.canRemember)).toBe(true);
    expect(requests.flatMap((r) => r.fields)).toEqual([
      expect.objectContaining({ kind: 'authname', secret: false }),
      expect.objectContaining({ kind: 'passphrase', secret: true }),
    ]);
    expect(await t.client.call('hosts.list', {})).toEqual([]);
    expect(await lookup('test-tmp', 'passphrase')).toBeNull();
    const hostsJson = (await filesUnder(dataDir).catch(() => [])).find((f) => f.path.endsWith('hosts.json'));
    expect(hostsJson?.text ?? '').not.toContain(uri);
  });

  it('a cancelled prompt is refused with its own message and changes nothing', async () => {
    answerWith = (r) => ({ requestId: r.requestId, cancel: true });
    const error = await callError(t.client.call('hosts.add', { uri }));
    expect(error).toMatchObject({ errorName: 'AuthFailed', code: 'credentials.cancelled', message: expect.stringMatching(/cancelled/) });
    expect(await t.client.call('hosts.list', {})).toEqual([]);
  });

  it('a remembered password lands in the keychain, and in no file or log', async () => {
    answerWith = (r) => ({ requestId: r.requestId, values: r.fields.map((f) => (f.secret ? PASSWORD : USER)), remember: true });
    const host = await t.client.call('hosts.add', { uri, name: 'guarded' });
    expect(host).toMatchObject({ status: 'connected', name: 'guarded' });
    await t.tandem.ready();
    expect((await t.client.call('vms.list', { hostId: host.id })).map((v) => v.uuid)).toEqual([AUTH_NODE_VM_UUID]);

    expect(await lookup(host.id, 'passphrase')).toBe(PASSWORD);
    expect(await lookup(host.id, 'authname')).toBe(USER);

    const files = await filesUnder(dataDir);
    expect(files.map((f) => f.path)).toContain(join(dataDir, 'hosts.json'));
    for (const file of files) expect(file.text, file.path).not.toContain(PASSWORD);
    expect(logged.join('')).toContain(`connected to ${uri}`); // the capture works
    expect(logged.join('')).not.toContain(PASSWORD);
  });

  it('the next connection, and the next start, use the stored password without asking', async () => {
    const asked = requests.length;
    const [host] = await t.client.call('hosts.list', {});
    expect(await t.client.call('hosts.reconnect', { hostId: host!.id })).toMatchObject({ status: 'connected' });
    await t.stop();
    await start();
    expect(await t.client.call('hosts.list', {})).toEqual([expect.objectContaining({ id: host!.id, status: 'connected' })]);
    expect(requests.length).toBe(asked);
  });

  it('a stored password the host now refuses is dropped from the keychain and the host shows auth-failed', async () => {
    const [host] = await t.client.call('hosts.list', {});
    await writeAuthTestNode(work, USER, 'changed-on-the-host');
    const failed = t.nextEvent('hosts.changed', (h) => h.id === host!.id && h.status === 'auth-failed');
    const asked = requests.length;
    await t.client.call('hosts.reconnect', { hostId: host!.id });
    const summary = await failed;
    expect(summary.statusReason).toMatch(/removed from the keychain/);
    expect(requests.length).toBe(asked);
    expect(await lookup(host!.id, 'passphrase')).toBeNull();
    expect(logged.join('')).not.toContain(PASSWORD);
  });

  it('removing a host forgets its stored credentials', async () => {
    await writeAuthTestNode(work, USER, PASSWORD);
    answerWith = (r) => ({ requestId: r.requestId, values: r.fields.map((f) => (f.secret ? PASSWORD : USER)), remember: true });
    const [host] = await t.client.call('hosts.list', {});
    expect(await t.client.call('hosts.reconnect', { hostId: host!.id })).toMatchObject({ status: 'connected' });
    expect(await lookup(host!.id, 'passphrase')).toBe(PASSWORD);
    await t.client.call('hosts.remove', { hostId: host!.id });
    expect(await lookup(host!.id, 'passphrase')).toBeNull();
  });
});
