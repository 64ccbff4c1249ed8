/**
 * Consoles of a VM that migrates, on the test bed's two TCP hosts through the contract and the console
 * WebSocket: a tiny guest on host1 with its serial console and its VNC console open; a live migration to
 * host2 (shared storage) closes both as "vm-moved" naming host2 (not "vm-stopped"), and the serial console
 * reopened on host2 shows the guest still counting. A plain destroy afterwards still says "vm-stopped".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload, HostSummary, VmSummary } from '../../../preload/contract';
import { openConsoleSocket, type ConsoleSocketClient } from '../../support/consoleSocket';
import { startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();

describe.skipIf(!env)('consoles of a VM that migrates', () => {
  let t: InProcessTandem;
  let host1: HostSummary;
  let host2: HostSummary;
  let guest: TinyGuest;
  let vm: VmSummary;
  const sockets: ConsoleSocketClient[] = [];

  const open = async (hostId: string, kind: 'serial' | 'vnc') => {
    const opened = await t.client.call('consoles.open', { hostId, uuid: vm.uuid, kind });
    const socket = openConsoleSocket(t.server.port, { token: t.server.token, ticket: opened.ticket });
    sockets.push(socket);
    await socket.opened;
    return { ...opened, socket };
  };
  const closedEvent = (consoleId: string) =>
    t.nextEvent('consoles.closed', (e) => e.consoleId === consoleId, 60_000) as Promise<EventPayload<'consoles.closed'>>;

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host1 = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
    host2 = await t.client.call('hosts.add', { uri: env!.host2Uri, name: 'testbed host2' });
    guest = await createTinyGuest(env!, { name: `it-console-mig-${process.pid}`, serial: 'pty' });
    vm = await t.client.call('vms.defineXml', { hostId: host1.id, xml: guest.xml });
    await t.client.call('vms.start', { hostId: host1.id, uuid: vm.uuid });
    await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
  });

  afterAll(async () => {
    for (const s of sockets) s.socket.terminate();
    for (const host of [host1, host2]) {
      if (!host || !vm) continue;
      await t.client.call('vms.destroy', { hostId: host.id, uuid: vm.uuid }).catch(() => undefined);
      await t.client.call('vms.undefine', { hostId: host.id, uuid: vm.uuid }).catch(() => undefined);
    }
    if (guest) await removeTinyGuest(guest);
    await t?.stop();
  });

  it('closes the consoles as moved to host2 when the VM migrates live, and the console reopens there', async () => {
    const serial = await open(host1.id, 'serial');
    await serial.socket.waitFor(SERIAL.counter, 30_000);
    const vnc = await open(host1.id, 'vnc');
    const serialClosed = closedEvent(serial.consoleId);
    const vncClosed = closedEvent(vnc.consoleId);

    const { job } = await t.client.call('migration.start', {
      hostId: host1.id,
      uuid: vm.uuid,
      options: { destinationHostId: host2.id, allowUnsafe: true },
    });
    const ended = await waitForJobEnd(t, job.id, 180_000);
    expect(ended.state, ended.error?.message).toBe('succeeded');

    for (const closed of [await serialClosed, await vncClosed]) {
      expect(closed).toMatchObject({
        hostId: host1.id,
        uuid: vm.uuid,
        reason: 'vm-moved',
        message: 'The VM moved to testbed host2.',
        movedTo: { hostId: host2.id, hostName: 'testbed host2' },
      });
    }
    expect((await serial.socket.closed).code).toBe(1000);

    const reopened = await open(host2.id, 'serial');
    const last = Number((await reopened.socket.waitFor(SERIAL.counter, 30_000))[1]);
    await reopened.socket.waitFor(new RegExp(`^tandem-counter ${last + 1}$`, 'm'), 30_000);
    expect(t.tandem.consoles.openCount).toBe(1);
  });

  it('a plain stop on the new host still says the VM stopped', async () => {
    const vnc = await open(host2.id, 'vnc');
    const closed = closedEvent(vnc.consoleId);
    await t.client.call('vms.destroy', { hostId: host2.id, uuid: vm.uuid });
    await expect(closed).resolves.toMatchObject({ reason: 'vm-stopped', message: 'The VM stopped.' });
    expect((await closed).movedTo).toBeUndefined();
  });
});
