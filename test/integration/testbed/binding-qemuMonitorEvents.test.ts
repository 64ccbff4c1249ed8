/**
 * QEMU monitor events through the binding (virConnectDomainQemuMonitorEventRegister, libvirt-qemu) on real
 * QEMU guests, and what they are for: on this libvirt 9.0 / QEMU 7.2, a guest that resets itself under
 * `<on_reboot>destroy</on_reboot>` and a guest that powers itself off give the same libvirt lifecycle events
 * (shutdown "finished after guest request", then stopped "shutdown"), while QEMU's SHUTDOWN event says
 * `guest-reset` for the one and `guest-shutdown` for the other. The test driver has no QEMU monitor: refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openConnection,
  subscribeDomainEvents,
  subscribeQemuMonitorEvents,
  virDomainEventID,
  virDomainEventShutdownDetailType as Shutdown,
  virDomainEventStoppedDetailType as Stopped,
  virDomainEventType as Lifecycle,
  type Connection,
  type DomainEvent,
  type QemuMonitorEvent,
} from '../../../native-helpers/libvirt/lib/index';
import { expectLibvirtError } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!env)('libvirt binding: QEMU monitor events on real QEMU guests', () => {
  let conn: Connection;
  const guests: TinyGuest[] = [];
  const qmp: QemuMonitorEvent[] = [];
  const lifecycle: DomainEvent[] = [];
  const subscriptions: Array<{ dispose(): Promise<void> }> = [];

  beforeAll(async () => {
    conn = await openConnection(env!.host1Uri);
    subscriptions.push(await subscribeQemuMonitorEvents(conn, 'SHUTDOWN', (e) => qmp.push(e)));
    subscriptions.push(await subscribeDomainEvents(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (e) => lifecycle.push(e)));
  });

  afterAll(async () => {
    for (const s of subscriptions) await s.dispose();
    await conn?.close();
    for (const guest of guests) await removeTinyGuest(guest);
  });

  /** Boots a transient tiny guest that reboots or powers off by itself; returns its events once it stopped. */
  async function runUntilStopped(then: 'reboot' | 'poweroff') {
    const guest = await createTinyGuest(env!, { name: `qmp-${process.pid}-${then}`, then, onReboot: 'destroy', graphics: 'none' });
    guests.push(guest);
    (await conn.createDomainXML(guest.xml)).free();
    await waitForSerial(guest.serialLogPath, SERIAL.then, 60_000);
    const ofGuest = (e: { uuid: string }) => e.uuid === guest.uuid;
    await until('the stopped event', () => lifecycle.find((e) => ofGuest(e) && e.event === 'lifecycle' && e.type === Lifecycle.VIR_DOMAIN_EVENT_STOPPED));
    return {
      qmp: qmp.filter(ofGuest).map((e) => ({ qmpEvent: e.qmpEvent, data: JSON.parse(e.details) as unknown, name: e.name })),
      lifecycle: lifecycle.filter(ofGuest).flatMap((e) => (e.event === 'lifecycle' ? [[e.type, e.detail]] : [])),
    };
  }

  it('a guest reset under on_reboot=destroy: libvirt says "shutdown by the guest, stopped", QEMU says guest-reset', async () => {
    const { qmp: events, lifecycle: states } = await runUntilStopped('reboot');
    expect(states.slice(-2)).toEqual([
      [Lifecycle.VIR_DOMAIN_EVENT_SHUTDOWN, Shutdown.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST],
      [Lifecycle.VIR_DOMAIN_EVENT_STOPPED, Stopped.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN],
    ]);
    expect(events[0]).toEqual({ qmpEvent: 'SHUTDOWN', data: { guest: true, reason: 'guest-reset' }, name: `qmp-${process.pid}-reboot` });
  }, 90_000);

  it('a guest power-off: the same libvirt events, QEMU says guest-shutdown', async () => {
    const { qmp: events, lifecycle: states } = await runUntilStopped('poweroff');
    expect(states.slice(-2)).toEqual([
      [Lifecycle.VIR_DOMAIN_EVENT_SHUTDOWN, Shutdown.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST],
      [Lifecycle.VIR_DOMAIN_EVENT_STOPPED, Stopped.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN],
    ]);
    expect(events[0]).toMatchObject({ qmpEvent: 'SHUTDOWN', data: { guest: true, reason: 'guest-shutdown' } });
  }, 90_000);

  it("is refused by libvirt's test driver (no QEMU monitor), and a closed connection deregisters it", async () => {
    const test = await openConnection('test:///default');
    try {
      await expectLibvirtError(test.domainQemuMonitorEventRegister(null, 'SHUTDOWN', () => undefined), 'VIR_ERR_NO_SUPPORT');
    } finally {
      await test.close();
    }
    const other = await openConnection(env!.host1Uri);
    await other.domainQemuMonitorEventRegister(null, null, () => undefined);
    await other.close();
    expect(other.isClosed()).toBe(true);
  });
});
