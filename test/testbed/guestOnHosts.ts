/**
 * A tiny guest driven straight through the binding on the test bed's hosts, for tests that move it between
 * them (migration): boot it on one host, and afterwards remove it from whichever host it ended up on.
 */
import type { Connection, Domain, Subscription } from '../../native-helpers/libvirt/lib/index';
import { SERIAL, removeTinyGuest, waitForSerial, type TinyGuest } from './tinyGuest';

/** Defines and starts the guest on `conn`, and waits until it is up and counting. */
export async function bootTinyGuest(conn: Connection, guest: TinyGuest): Promise<Domain> {
  const dom = await conn.defineDomainXML(guest.xml);
  await dom.create();
  await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
  await waitForSerial(guest.serialLogPath, /^tandem-counter 1$/m, 30_000);
  return dom;
}

/**
 * For afterAll (anything may be unset when beforeAll failed part-way): disposes the subscriptions, destroys
 * and undefines the guest on every host that still has it, deletes its files and closes the hosts.
 */
export async function removeGuestFromHosts(guest: TinyGuest | undefined, hosts: Array<Connection | undefined>, subscriptions: Subscription[] = []): Promise<void> {
  for (const sub of subscriptions) await sub.dispose().catch(() => undefined);
  for (const conn of hosts) {
    if (!conn || !guest) continue;
    const leftover = await conn.lookupDomainByName(guest.name).catch(() => undefined);
    await leftover?.destroy().catch(() => undefined);
    await leftover?.undefine().catch(() => undefined);
  }
  if (guest) await removeTinyGuest(guest);
  for (const conn of hosts) await conn?.close();
}
