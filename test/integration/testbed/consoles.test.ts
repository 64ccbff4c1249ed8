/**
 * Consoles through the contract and the server's console byte channel, on real libvirt hosts with real
 * guests: a serial console reads the guest's marker and counter and carries keystrokes (the guest's tty
 * echoes them); a second viewer takes the console over; bad tickets, reused tickets, a wrong token or
 * Origin are refused; VNC completes the RFB handshake both through libvirt's graphics FD handoff (unix
 * socket host) and through the loopback VNC port (a TCP host on this machine); destroying the VM closes its
 * console with "vm-stopped"; nothing stays open in the hub or the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONSOLE_CLIENT_FRAME_BYTES } from '../../../preload/api/consoles';
import type { EventPayload, HostSummary, VmSummary } from '../../../preload/contract';
import { openConsoleSocket, rfbHandshake, type ConsoleSocketClient } from '../../support/consoleSocket';
import { callError, startInProcessTandem, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const prefix = `it-consoles-${process.pid}`;

describe.skipIf(!env)('consoles through the contract and the console WebSocket', () => {
  let t: InProcessTandem;
  let host0: HostSummary;
  let host1: HostSummary;
  const guests: Array<{ guest: TinyGuest; hostId: string; vm?: VmSummary }> = [];
  let serialVm: VmSummary;
  let portVm: VmSummary;
  const sockets: ConsoleSocketClient[] = [];

  const socketFor = (ticket: string, extra: { token?: string; origin?: string } = {}) => {
    const c = openConsoleSocket(t.server.port, { token: extra.token ?? t.server.token, ticket, origin: extra.origin });
    sockets.push(c);
    return c;
  };

  async function runningGuest(hostId: string, name: string, serial: 'pty' | 'file'): Promise<VmSummary> {
    const guest = await createTinyGuest(env!, { name: `${prefix}-${name}`, id: name, serial });
    const entry: { guest: TinyGuest; hostId: string; vm?: VmSummary } = { guest, hostId };
    guests.push(entry);
    entry.vm = await t.client.call('vms.defineXml', { hostId, xml: guest.xml });
    await t.client.call('vms.start', { hostId, uuid: entry.vm.uuid });
    return entry.vm;
  }

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host0 = await t.client.call('hosts.add', { uri: env!.host0Uri, name: 'testbed host0' });
    host1 = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
    serialVm = await runningGuest(host0.id, 'serial', 'pty');
    portVm = await runningGuest(host1.id, 'vncport', 'file');
  });

  afterAll(async () => {
    for (const c of sockets) c.socket.terminate();
    for (const { hostId, vm } of guests) {
      if (!vm) continue;
      await t.client.call('vms.destroy', { hostId, uuid: vm.uuid }).catch(() => undefined);
      await t.client.call('vms.undefine', { hostId, uuid: vm.uuid }).catch(() => undefined);
    }
    for (const { guest } of guests) await removeTinyGuest(guest);
    await t?.stop();
  });

  let first: ConsoleSocketClient;
  let firstId: string;

  it('opens the serial console and reads the guest\'s marker and counter lines', async () => {
    const opened = await t.client.call('consoles.open', { hostId: host0.id, uuid: serialVm.uuid, kind: 'serial' });
    expect(opened.kind).toBe('serial');
    firstId = opened.consoleId;
    first = socketFor(opened.ticket);
    await first.opened;
    expect((await first.waitFor(SERIAL.ready, 60_000))[1]).toBe('serial');
    await first.waitFor(/^tandem-counter 2$/m);
  });

  it('carries keystrokes to the guest: its tty echoes them', async () => {
    const marker = `tandem-typed-${process.pid}`;
    first.send(`${marker}\r`);
    await first.waitFor(new RegExp(marker));
  });

  it('refuses a used ticket, an unknown ticket, a wrong token and a foreign Origin', async () => {
    const opened = await t.client.call('consoles.open', { hostId: host1.id, uuid: portVm.uuid, kind: 'vnc' });
    await expect(socketFor('A'.repeat(24)).opened).rejects.toThrow('HTTP 403');
    await expect(socketFor(opened.ticket, { token: 'wrong-token' }).opened).rejects.toThrow('HTTP 401');
    await expect(socketFor(opened.ticket, { origin: 'http://evil.example' }).opened).rejects.toThrow('HTTP 403');
    // The refused attempts did not consume the ticket: the right client still gets in, once.
    const good = socketFor(opened.ticket);
    await good.opened;
    await expect(socketFor(opened.ticket).opened).rejects.toThrow('HTTP 403');
    const closed = t.nextEvent('consoles.closed', (e) => e.consoleId === opened.consoleId);
    good.socket.close();
    await expect(closed).resolves.toMatchObject({ reason: 'client-closed' });
  });

  it('refuses to open a console of a VM that is not there, or a serial console that is a file', async () => {
    const missing = await callError(
      t.client.call('consoles.open', { hostId: host0.id, uuid: '00000000-0000-0000-0000-000000000000', kind: 'serial' }),
    );
    expect(missing).toMatchObject({ errorName: 'NotFound', code: 'libvirt.VIR_ERR_NO_DOMAIN' });
    const filed = await callError(t.client.call('consoles.open', { hostId: host1.id, uuid: portVm.uuid, kind: 'serial' }));
    expect(filed).toMatchObject({ errorName: 'Unsupported', code: 'console.no-serial-pty' });
  });

  it('a second viewer of the serial console takes it over; the first is told why', async () => {
    const takenOver = t.nextEvent('consoles.closed', (e) => e.consoleId === firstId);
    const opened = await t.client.call('consoles.open', { hostId: host0.id, uuid: serialVm.uuid, kind: 'serial' });
    await expect(takenOver).resolves.toMatchObject({ reason: 'taken-over', message: expect.stringMatching(/took this console over/) });
    expect((await first.closed).code).toBe(1000);
    first = socketFor(opened.ticket);
    firstId = opened.consoleId;
    await first.opened;
    await first.waitFor(SERIAL.counter);
  });

  it('VNC through libvirt\'s graphics FD (unix-socket host): the RFB greeting and a framebuffer size', async () => {
    const opened = await t.client.call('consoles.open', { hostId: host0.id, uuid: serialVm.uuid, kind: 'vnc' });
    const vnc = socketFor(opened.ticket);
    await vnc.opened;
    const init = await rfbHandshake(vnc);
    expect(init.greeting).toBe('RFB 003.008\n');
    expect(init.width).toBeGreaterThan(0);
    expect(init.height).toBeGreaterThan(0);
    vnc.socket.close();
    await vnc.closed;
  });

  it('VNC through the loopback port (TCP host on this machine): the same handshake', async () => {
    const opened = await t.client.call('consoles.open', { hostId: host1.id, uuid: portVm.uuid, kind: 'vnc' });
    const vnc = socketFor(opened.ticket);
    await vnc.opened;
    const init = await rfbHandshake(vnc);
    expect(init).toMatchObject({ greeting: 'RFB 003.008\n', width: expect.any(Number), height: expect.any(Number) });
    expect(init.width * init.height).toBeGreaterThan(0);
    // The host connection survived (an FD request over TCP would have dropped it).
    expect((await t.client.call('hosts.list', {})).find((h) => h.id === host1.id)?.status).toBe('connected');
    vnc.socket.close();
    await vnc.closed;
  });

  it('closes a byte channel whose client sends an oversized frame, and its console with it', async () => {
    const opened = await t.client.call('consoles.open', { hostId: host1.id, uuid: portVm.uuid, kind: 'vnc' });
    const vnc = socketFor(opened.ticket);
    await vnc.opened;
    const closed = t.nextEvent('consoles.closed', (e) => e.consoleId === opened.consoleId);
    vnc.send(Buffer.alloc(MAX_CONSOLE_CLIENT_FRAME_BYTES + 1));
    expect((await vnc.closed).code).toBe(1009); // message too big
    await expect(closed).resolves.toMatchObject({ reason: 'client-closed' });
  });

  it('refuses a graphical console of a VM without graphics', async () => {
    const guest = await createTinyGuest(env!, { name: `${prefix}-nographics`, graphics: 'none' });
    const entry: { guest: TinyGuest; hostId: string; vm?: VmSummary } = { guest, hostId: host1.id };
    guests.push(entry);
    entry.vm = await t.client.call('vms.defineXml', { hostId: host1.id, xml: guest.xml });
    const openBefore = t.tandem.consoles.openCount;
    const error = await callError(t.client.call('consoles.open', { hostId: host1.id, uuid: entry.vm.uuid, kind: 'vnc' }));
    expect(error).toMatchObject({ errorName: 'Unsupported', code: 'console.no-vnc' });
    expect(t.tandem.consoles.openCount).toBe(openBefore);
  });

  it('destroying the VM closes its consoles with "vm-stopped", and nothing stays open', async () => {
    const vncOpened = await t.client.call('consoles.open', { hostId: host0.id, uuid: serialVm.uuid, kind: 'vnc' });
    const vnc = socketFor(vncOpened.ticket);
    await vnc.opened;
    const closedEvents: Array<EventPayload<'consoles.closed'>> = [];
    const off = t.client.on('consoles.closed', (e) => closedEvents.push(e));
    const serialClosed = t.nextEvent('consoles.closed', (e) => e.consoleId === firstId);
    await t.client.call('vms.destroy', { hostId: host0.id, uuid: serialVm.uuid });
    await expect(serialClosed).resolves.toMatchObject({ reason: 'vm-stopped', message: 'The VM stopped.' });
    await first.closed;
    await vnc.closed;
    await expect.poll(() => closedEvents.find((e) => e.consoleId === vncOpened.consoleId)?.reason).toBe('vm-stopped');
    off();
    const stopped = await callError(t.client.call('consoles.open', { hostId: host0.id, uuid: serialVm.uuid, kind: 'vnc' }));
    expect(stopped).toMatchObject({ errorName: 'Conflict', code: 'console.vm-not-running' });
    await expect.poll(() => t.tandem.consoles.openCount).toBe(0);
    await expect.poll(() => t.server.consoleClientCount()).toBe(0);
  });

  it('an unredeemed ticket leaves a console that closing releases; unknown ids are NotFound', async () => {
    const opened = await t.client.call('consoles.open', { hostId: host1.id, uuid: portVm.uuid, kind: 'vnc' });
    expect(t.tandem.consoles.openCount).toBe(1);
    await t.client.call('consoles.close', { consoleId: opened.consoleId });
    await expect.poll(() => t.tandem.consoles.openCount).toBe(0);
    await expect(socketFor(opened.ticket).opened).rejects.toThrow('HTTP 403');
    const unknown = await callError(t.client.call('consoles.close', { consoleId: opened.consoleId }));
    expect(unknown).toMatchObject({ errorName: 'NotFound', code: 'console.not-found' });
  });
});
