/**
 * The consoles contract where no console can exist (the demo host: libvirt's test driver has neither
 * console streams nor graphics): typed refusals, bad arguments, and the byte channel's door without a
 * valid ticket. The real consoles are in testbed/consoles.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsoleSocket } from '../support/consoleSocket';
import { callError, startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

describe('consoles contract on the demo host', () => {
  let t: InProcessTandem;
  let running: { hostId: string; uuid: string };

  beforeAll(async () => {
    t = await startInProcessTandem();
    const vm = (await t.client.call('vms.list', { hostId: 'demo' })).find((v) => v.state === 'running');
    if (!vm) throw new Error('the demo host has no running VM');
    running = { hostId: vm.hostId, uuid: vm.uuid };
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('refuses consoles the host cannot give, with libvirt\'s reason, and keeps nothing', async () => {
    for (const kind of ['serial', 'vnc'] as const) {
      const error = await callError(t.client.call('consoles.open', { ...running, kind }));
      expect(error, kind).toMatchObject({ errorName: 'Unsupported', code: 'libvirt.VIR_ERR_NO_SUPPORT', libvirt: { codeName: 'VIR_ERR_NO_SUPPORT' } });
    }
    expect(t.tandem.consoles.openCount).toBe(0);
  });

  it('validates arguments before anything reaches a host', async () => {
    const badKind = await callError(t.client.call('consoles.open', { ...running, kind: 'spice' as 'vnc' }));
    expect(badKind).toMatchObject({ errorName: 'InvalidInput', code: 'payload.invalid' });
    const badId = await callError(t.client.call('consoles.close', { consoleId: '../../etc' }));
    expect(badId).toMatchObject({ errorName: 'InvalidInput' });
    const unknown = await callError(t.client.call('consoles.close', { consoleId: 'A'.repeat(24) }));
    expect(unknown).toMatchObject({ errorName: 'NotFound', code: 'console.not-found' });
    const unknownHost = await callError(t.client.call('consoles.open', { hostId: 'nowhere', uuid: running.uuid, kind: 'serial' }));
    expect(unknownHost.errorName).toBe('NotFound');
  });

  it('the byte channel refuses a missing or unknown ticket, a wrong token and a foreign Origin', async () => {
    const refusals = [
      openConsoleSocket(t.server.port, { token: t.server.token, ticket: '' }),
      openConsoleSocket(t.server.port, { token: t.server.token, ticket: 'A'.repeat(24) }),
      openConsoleSocket(t.server.port, { token: 'nope', ticket: 'A'.repeat(24) }),
      openConsoleSocket(t.server.port, { token: t.server.token, ticket: 'A'.repeat(24), origin: 'http://127.0.0.1:1' }),
    ];
    const outcomes = await Promise.all(refusals.map((c) => c.opened.then(() => 'opened', (e: Error) => e.message)));
    expect(outcomes).toEqual(['refused: HTTP 403', 'refused: HTTP 403', 'refused: HTTP 401', 'refused: HTTP 403']);
    expect(t.server.consoleClientCount()).toBe(0);
  });
});
