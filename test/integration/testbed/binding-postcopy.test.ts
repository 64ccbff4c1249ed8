/**
 * Post-copy live migration with the binding on the test bed: host1 -> host2 started with VIR_MIGRATE_POSTCOPY
 * (throttled to 1 MiB/s so it cannot finish in pre-copy), switched with migrateStartPostCopy while it runs;
 * the guest resumes on host2 before its memory has arrived (lifecycle: suspended/post-copy on the source,
 * resumed/post-copy on the destination) and keeps counting there without a reboot. QEMU needs userfaultfd
 * for this, which the kernel here grants to root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openConnection,
  subscribeDomainEvents,
  virDomainEventID as E,
  virDomainEventResumedDetailType as Resumed,
  virDomainEventSuspendedDetailType as Suspended,
  virDomainEventType as Ev,
  virDomainJobType,
  virDomainMigrateFlags as M,
  virDomainState,
  type Connection,
  type Domain,
  type DomainEvent,
  type Subscription,
} from '../../../native-helpers/libvirt/lib/index';
import { waitFor } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';
import { bootTinyGuest, removeGuestFromHosts } from '../../testbed/guestOnHosts';
import { SERIAL, createTinyGuest, lastCounter, serialLogSize, serialText, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const POSTCOPY_MOVE =
  M.VIR_MIGRATE_LIVE | M.VIR_MIGRATE_PEER2PEER | M.VIR_MIGRATE_PERSIST_DEST | M.VIR_MIGRATE_UNDEFINE_SOURCE | M.VIR_MIGRATE_UNSAFE | M.VIR_MIGRATE_POSTCOPY;

describe.skipIf(!env)('libvirt binding: post-copy live migration between two QEMU hosts', () => {
  let host1: Connection;
  let host2: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  const subscriptions: Subscription[] = [];
  const host1Events: DomainEvent[] = [];
  const host2Events: DomainEvent[] = [];

  beforeAll(async () => {
    // Gated as Tandem's remote sessions are: job control must get through while the migration runs.
    host1 = await openConnection(env!.host1Uri, { serializeCalls: true });
    host2 = await openConnection(env!.host2Uri, { serializeCalls: true });
    subscriptions.push(await subscribeDomainEvents(host1, E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (e) => host1Events.push(e)));
    subscriptions.push(await subscribeDomainEvents(host2, E.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (e) => host2Events.push(e)));
    guest = await createTinyGuest(env!, { name: `pc-${process.pid}` });
    dom = await bootTinyGuest(host1, guest);
  });

  afterAll(() => removeGuestFromHosts(guest, [host1, host2], subscriptions));

  it('switches a running migration to post-copy; the guest keeps counting on host2', async () => {
    const offset = await serialLogSize(guest.serialLogPath);
    const before = await lastCounter(guest);
    // 1 MiB/s: the 128 MiB guest cannot converge in pre-copy, so only the switch can finish it.
    const migration = dom.migrateToURI3(env!.host2Uri, { bandwidth: 1 }, POSTCOPY_MOVE);
    let failed: unknown;
    migration.catch((error: unknown) => (failed = error));
    // Switch once the pre-copy phase is under way (a failed start ends the wait with its own error).
    for (let tries = 0; ; tries++) {
      if (failed) throw failed;
      const { type, stats } = await dom.getJobStats();
      if (type === virDomainJobType.VIR_DOMAIN_JOB_UNBOUNDED && typeof stats.data_processed === 'number' && stats.data_processed > 0) break;
      if (tries > 300) throw new Error(`the migration job never started: ${JSON.stringify({ type, stats })}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await dom.migrateStartPostCopy();
    await migration;

    const onHost2 = await host2.lookupDomainByName(guest.name);
    expect(await onHost2.getState()).toMatchObject({ state: virDomainState.VIR_DOMAIN_RUNNING });
    expect(await onHost2.isPersistent()).toBe(true);
    // The switch really happened: the source paused for post-copy, the destination resumed in post-copy.
    await waitFor(host1Events, (e) => e.event === 'lifecycle' && e.name === guest.name && e.type === Ev.VIR_DOMAIN_EVENT_SUSPENDED && e.detail === Suspended.VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY, 20_000);
    await waitFor(host2Events, (e) => e.event === 'lifecycle' && e.name === guest.name && e.type === Ev.VIR_DOMAIN_EVENT_RESUMED && e.detail === Resumed.VIR_DOMAIN_EVENT_RESUMED_POSTCOPY, 20_000);

    const next = await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000, { fromOffset: offset });
    expect(Number(next[1])).toBeGreaterThan(before);
    expect((await serialText(guest)).match(new RegExp(SERIAL.ready.source, 'gm'))).toHaveLength(1);
    expect(await serialText(guest, offset)).not.toMatch(SERIAL.ready);
    const later = await lastCounter(guest);
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter (${later + 1}|${later + 2})$`, 'm'), 30_000);
  });
});
