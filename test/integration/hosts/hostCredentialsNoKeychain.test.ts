/**
 * Without an OS keychain (no Secret Service on the session bus), Tandem still connects to a host that asks
 * for credentials: it asks each time and says the answer cannot be remembered. Its own file: the keychain
 * library binds to the first bus it sees in a process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../preload/contract';
import { writeAuthTestNode } from '../../support/authTestNode';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';

describe('host credentials without a keychain', () => {
  let work: string;
  let t: InProcessTandem;
  const requests: Array<EventPayload<'credentials.requested'>> = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tandem-nokeyring-'));
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(work, 'no-bus-here')}`;
    t = await startInProcessTandem({ demo: 'never' });
    t.client.on('credentials.requested', (request) => {
      requests.push(request);
      void t.client.call('credentials.answer', {
        requestId: request.requestId,
        values: request.fields.map((f) => (f.secret ? 'pw-9' : 'bob')),
        remember: true,
      });
    });
  });

  afterAll(async () => {
    await t?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('asks at every connection and offers no "remember"', async () => {
    const uri = await writeAuthTestNode(work, 'bob', 'pw-9');
    const host = await t.client.call('hosts.add', { uri });
    expect(host.status).toBe('connected');
    const asked = requests.length;
    expect(asked).toBeGreaterThan(0);
    expect(requests.every((r) => !r.canRemember)).toBe(true);
    expect(await t.client.call('hosts.reconnect', { hostId: host.id })).toMatchObject({ status: 'connected' });
    expect(requests.length).toBe(asked * 2);
  });

  it('a prompt nobody answers times out: its own error, the dialog is told to close, nothing added', async () => {
    const quiet = await startInProcessTandem({ demo: 'never', credentialTimeoutMs: 500 });
    try {
      const uri = await writeAuthTestNode(work, 'bob', 'pw-9');
      const requested = quiet.nextEvent('credentials.requested', (r) => r.uri === uri);
      const closed = quiet.nextEvent('credentials.closed', (c) => c.reason === 'timed-out');
      const error = await callError(quiet.client.call('hosts.add', { uri }));
      expect(error).toMatchObject({ errorName: 'AuthFailed', code: 'credentials.timed-out' });
      expect((await closed).requestId).toBe((await requested).requestId);
      expect(await quiet.client.call('hosts.list', {})).toEqual([]);
      expect(await quiet.client.call('credentials.pending', {})).toEqual([]);
    } finally {
      await quiet.stop();
    }
  });
});
