/**
 * The binding's migration calls and the events around them, with a real tiny QEMU guest on the test bed:
 * a peer-to-peer live migration host1 -> host2 (migrateToURI3) followed with getJobStats while it runs and
 * sped up past QEMU's default cap mid-way (migrateSetMaxSpeed), a client-driven one back (migrate3), both
 * ending with a job-completed event on the source carrying the job's stats; the migration tunables; the
 * refusals (same host, unreachable destination, unknown parameter) leaving the guest running where it was;
 * and graphics events from a real VNC client handshake. The guest's serial counter shows that it kept
 * running through each migration without a reboot.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gateOf,
  LibvirtError,
  openConnection,
  subscribeDomainEvents,
  virDomainEventGraphicsAddressType as AddrType,
  virDomainEventGraphicsPhase as Phase,
  virDomainEventID as E,
  virDomainJobOperation,
  virDomainJobType,
  virDomainMigrateFlags as M,
  virDomainState,
  type Connection,
  type Domain,
  type DomainEvent,
  type MigrateParams,
  type Subscription,
} from '../../../native-helpers/libvirt/lib/index';
import { waitFor } from '../../../native-helpers/libvirt/test/helpers';
import { testbedOrFail } from '../../support/requireTestbed';
import { bootTinyGuest, removeGuestFromHosts } from '../../testbed/guestOnHosts';
import { SERIAL, createTinyGuest, lastCounter, serialLogSize, serialText, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { expectLibvirtError } from '../../../native-helpers/libvirt/test/helpers';

const env = testbedOrFail();
const LIVE_MOVE = M.VIR_MIGRATE_LIVE | M.VIR_MIGRATE_PERSIST_DEST | M.VIR_MIGRATE_UNDEFINE_SOURCE | M.VIR_MIGRATE_UNSAFE;
/** Above QEMU's own default cap of 128 MiB/s. */
const FAST_MIBS = 4096;

/**
 * After a migration started at `offset` when the counter was `before`: the guest prints a higher counter
 * from the new host, and never booted again (one READY line in the whole log, none since the offset).
 */
async function keptRunning(guest: TinyGuest, offset: number, before: number): Promise<void> {
  const next = await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000, { fromOffset: offset });
  expect(Number(next[1])).toBeGreaterThan(before);
  expect((await serialText(guest)).match(new RegExp(SERIAL.ready.source, 'gm'))).toHaveLength(1);
  expect(await serialText(guest, offset)).not.toMatch(SERIAL.ready);
}

async function isDefinedOn(conn: Connection, name: string): Promise<boolean> {
  return conn.lookupDomainByName(name).then(
    () => true,
    (e: unknown) => {
      if (e instanceof LibvirtError && e.codeName === 'VIR_ERR_NO_DOMAIN') return false;
      throw e;
    },
  );
}

/** A minimal RFB (VNC) client: handshake with security type None up to ServerInit, then hang up. */
async function vncHandshake(port: number): Promise<void> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  let buffered = Buffer.alloc(0);
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiters.splice(0).forEach((w) => w());
  });
  const read = async (n: number): Promise<Buffer> => {
    while (buffered.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    const out = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return out;
  };
  try {
    expect((await read(12)).toString()).toMatch(/^RFB 003\.00\d\n$/);
    socket.write('RFB 003.008\n');
    const count = (await read(1))[0]!;
    expect([...(await read(count))]).toContain(1); // security type None offered
    socket.write(Buffer.from([1]));
    expect((await read(4)).readUInt32BE(0)).toBe(0); // SecurityResult OK
    socket.write(Buffer.from([1])); // ClientInit, shared
    await read(24); // ServerInit header: width, height, pixel format, name length
  } finally {
    socket.destroy();
  }
}

describe.skipIf(!env)('libvirt binding: live migration between two QEMU hosts, and the events around it', () => {
  let host1: Connection;
  let host2: Connection;
  let guest: TinyGuest;
  let dom: Domain; // the guest, on whichever host it is
  const subscriptions: Subscription[] = [];
  const host1Events: DomainEvent[] = [];
  const host2Events: DomainEvent[] = [];

  beforeAll(async () => {
    // Gated as Tandem's remote sessions are: job control must get through while the migration runs.
    host1 = await openConnection(env!.host1Uri, { serializeCalls: true });
    host2 = await openConnection(env!.host2Uri, { serializeCalls: true });
    for (const [conn, events] of [
      [host1, host1Events],
      [host2, host2Events],
    ] as const) {
      for (const id of [E.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, E.VIR_DOMAIN_EVENT_ID_GRAPHICS, E.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD]) {
        subscriptions.push(await subscribeDomainEvents(conn, id, (e) => events.push(e)));
      }
    }
    guest = await createTinyGuest(env!, { name: `mg-${process.pid}-a` });
    dom = await bootTinyGuest(host1, guest);
  });

  afterAll(() => removeGuestFromHosts(guest, [host1, host2], subscriptions));

  it('sets and reads the migration tunables of a running guest', async () => {
    await dom.migrateSetMaxSpeed(FAST_MIBS);
    expect(await dom.migrateGetMaxSpeed()).toBe(FAST_MIBS);
    await dom.migrateSetMaxDowntime(400);
    expect(await dom.migrateGetMaxDowntime()).toBe(400);
    await dom.migrateSetCompressionCache(32 * 1024 * 1024);
    expect(await dom.migrateGetCompressionCache()).toBe(32 * 1024 * 1024);
    // Post-copy needs a migration started with VIR_MIGRATE_POSTCOPY.
    await expectLibvirtError(dom.migrateStartPostCopy(), 'VIR_ERR_OPERATION_INVALID');
  });

  it('refuses bad migrations with specific errors; the guest stays running on host1', async () => {
    const p2p = M.VIR_MIGRATE_LIVE | M.VIR_MIGRATE_PEER2PEER | M.VIR_MIGRATE_UNSAFE;
    expect(() => dom.migrateToURI3(env!.host2Uri, { bandwidht: 10 } as MigrateParams, p2p)).toThrow(TypeError);
    const same = await expectLibvirtError(dom.migrateToURI3(env!.host1Uri, {}, p2p), 'VIR_ERR_INTERNAL_ERROR');
    expect(same.message).toMatch(/migrate guest to the same host/);
    const unreachable = await expectLibvirtError(dom.migrateToURI3('qemu+tcp://127.0.0.9:1/system', {}, p2p), 'VIR_ERR_SYSTEM_ERROR');
    expect(unreachable.message).toMatch(/127\.0\.0\.9:1.*Connection refused/);
    expect(unreachable.function).toBe('virDomainMigrateToURI3');
    expect(await dom.getState()).toMatchObject({ state: virDomainState.VIR_DOMAIN_RUNNING });
    expect(await isDefinedOn(host2, guest.name)).toBe(false);
    const before = await lastCounter(guest);
    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter (${before + 1}|${before + 2})$`, 'm'), 30_000);
  });

  it('reports a VNC client connecting, initializing and leaving as graphics events', async () => {
    const port = Number((await dom.getXMLDesc()).match(/<graphics type='vnc' port='(\d+)'/)?.[1]);
    expect(port).toBeGreaterThan(0);
    await vncHandshake(port);
    const ofGuest = (phase: number) => (e: DomainEvent) => e.event === 'graphics' && e.name === guest.name && e.phase === phase;
    const connected = await waitFor(host1Events, ofGuest(Phase.VIR_DOMAIN_EVENT_GRAPHICS_CONNECT), 20_000);
    await waitFor(host1Events, ofGuest(Phase.VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE), 20_000);
    await waitFor(host1Events, ofGuest(Phase.VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT), 20_000);
    expect(connected).toMatchObject({
      uuid: guest.uuid,
      local: { family: AddrType.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4, node: '127.0.0.1', service: String(port) },
      remote: { family: AddrType.VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4, node: '127.0.0.1', service: expect.stringMatching(/^\d+$/) },
      authScheme: 'none',
      subject: [],
    });
  });

  it('raises a block-threshold event once the guest writes past the threshold set on its disk', async () => {
    expect(() => dom.setBlockThreshold('vda', -1)).toThrow(/thresholdBytes must be an integer/);
    await expectLibvirtError(dom.setBlockThreshold('vdz', 1), 'VIR_ERR_INVALID_ARG');
    // The guest writes its counter to the disk every second, so any write goes past 1 byte.
    await dom.setBlockThreshold('vda', 1);
    const crossed = await waitFor(host1Events, (e) => e.event === 'block-threshold' && e.name === guest.name, 20_000);
    expect(crossed).toMatchObject({ dev: 'vda', path: guest.diskPath, threshold: 1, excess: expect.any(Number) });
  });

  it('migrates live peer-to-peer to host2 (migrateToURI3): progress in getJobStats, sped up mid-way, job-completed on host1', async () => {
    const offset = await serialLogSize(guest.serialLogPath);
    const before = await lastCounter(guest);
    // Start at 1 MiB/s so the job can be watched, then raise the cap well above QEMU's default.
    const migration = dom.migrateToURI3(env!.host2Uri, { bandwidth: 1 }, LIVE_MOVE | M.VIR_MIGRATE_PEER2PEER);
    const samples: number[] = [];
    let total = 0;
    while (samples.length < 3) {
      const { type, stats } = await dom.getJobStats();
      if (type === virDomainJobType.VIR_DOMAIN_JOB_UNBOUNDED && typeof stats.data_processed === 'number') {
        expect(stats.operation).toBe(virDomainJobOperation.VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT);
        if (samples.length === 0 || stats.data_processed > samples.at(-1)!) samples.push(stats.data_processed);
        total = stats.data_total as number;
        expect(stats).toMatchObject({ data_remaining: expect.any(Number), memory_dirty_rate: expect.any(Number) });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(samples.every((s) => s <= total)).toBe(true);
    await dom.migrateSetMaxSpeed(FAST_MIBS);
    await migration;

    dom = await host2.lookupDomainByName(guest.name);
    expect(await dom.getState()).toMatchObject({ state: virDomainState.VIR_DOMAIN_RUNNING });
    expect(await dom.isPersistent()).toBe(true);
    expect(await isDefinedOn(host1, guest.name)).toBe(false);
    await keptRunning(guest, offset, before);
    const done = await waitFor(host1Events, (e) => e.event === 'job-completed' && e.name === guest.name, 20_000);
    expect(done.event === 'job-completed' && done.stats).toMatchObject({
      operation: virDomainJobOperation.VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT,
      downtime: expect.any(Number),
      time_elapsed: expect.any(Number),
      data_processed: expect.any(Number),
    });
    expect(done.event === 'job-completed' && done.stats.data_processed).toBeGreaterThanOrEqual(samples.at(-1)!);
  });

  it('migrates back to host1 driven by this client (migrate3): the domain there is returned', async () => {
    const offset = await serialLogSize(guest.serialLogPath);
    const before = await lastCounter(guest);
    const back = await dom.migrate3(host1, { bandwidth: FAST_MIBS }, LIVE_MOVE);
    expect(back.getName()).toBe(guest.name);
    expect(back.getUUIDString()).toBe(guest.uuid);
    expect(gateOf(back)).toBe(gateOf(host1)); // the returned domain queues on its own connection's gate
    expect(await back.getState()).toMatchObject({ state: virDomainState.VIR_DOMAIN_RUNNING });
    expect(await back.isPersistent()).toBe(true);
    expect(await isDefinedOn(host2, guest.name)).toBe(false);
    dom = back;
    await keptRunning(guest, offset, before);
    const done = await waitFor(host2Events, (e) => e.event === 'job-completed' && e.name === guest.name, 20_000);
    expect(done.event === 'job-completed' && done.stats).toMatchObject({
      operation: virDomainJobOperation.VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT,
      downtime: expect.any(Number),
    });
  });
});
