/**
 * The libvirt binding on libvirt's test driver, each figure next to a same-run baseline:
 * - bulk stats of 1,000 domains: getAllDomainStats through the binding (on an open connection, and
 *   including open + close, which parses the node file as virsh must) vs `virsh domstats` (one process);
 * - domain lookups per second (lookupDomainByUUIDString), one at a time and with 16 in flight;
 * - the call gate's cost: the same lookups on a gated connection (serializeCalls) next to an ungated one;
 * - event delivery: from a suspend/resume call to the lifecycle event in the JS callback, p50/p99, next to
 *   the call's own round trip.
 * `benchBinding()` returns table rows; `tsx bench/binding.ts` prints them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  openConnection,
  virDomainEventID,
  virDomainEventType,
  type Connection,
  type DomainEvent,
} from '../native-helpers/libvirt/lib/index';
import { nodeWithDomains } from './listAndRender';
import { fmt, median, percentile, table, timeEach } from './stats';

const run = promisify(execFile);
const COUNT = 1000;

type Row = Record<string, string | number>;

async function benchBulkStats(uri: string): Promise<Row[]> {
  const ROUNDS = 10;
  const virsh: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const { stdout } = await run('virsh', ['-c', uri, 'domstats'], { maxBuffer: 64 << 20 });
    virsh.push(performance.now() - start);
    const records = stdout.split('\n').filter((l) => l.startsWith('Domain: ')).length;
    if (records !== COUNT) throw new Error(`virsh domstats printed ${records} records, expected ${COUNT}`);
  }
  const check = (records: unknown[]) => {
    if (records.length !== COUNT) throw new Error(`getAllDomainStats returned ${records.length} records`);
  };
  const withOpen = await timeEach(ROUNDS, async () => {
    const conn = await openConnection(uri);
    check(await conn.getAllDomainStats(0));
    await conn.close();
  }, 2);
  const conn = await openConnection(uri);
  const onOpen = await timeEach(ROUNDS * 3, async () => check(await conn.getAllDomainStats(0)), 3);
  await conn.close();
  const base = median(virsh);
  return [
    { measure: `bulk stats, ${COUNT} domains`, what: 'virsh domstats (baseline)', median: fmt(base), ratio: '1.00' },
    { measure: '', what: 'binding: open + getAllDomainStats + close', median: fmt(median(withOpen)), ratio: (median(withOpen) / base).toFixed(3) },
    { measure: '', what: 'binding: getAllDomainStats on an open connection', median: fmt(median(onOpen)), ratio: (median(onOpen) / base).toFixed(3) },
  ];
}

async function benchLookups(conn: Connection): Promise<Row[]> {
  const uuids = (await conn.listAllDomains()).map((d) => d.getUUIDString());
  const CALLS = 4000;
  const lookup = (i: number) => conn.lookupDomainByUUIDString(uuids[i % uuids.length]!);
  for (let i = 0; i < 200; i++) await lookup(i); // warm-up
  let start = performance.now();
  for (let i = 0; i < CALLS; i++) await lookup(i);
  const sequential = CALLS / ((performance.now() - start) / 1000);
  const IN_FLIGHT = 16;
  let next = 0;
  start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CALLS) await lookup(next++);
    }),
  );
  const parallel = CALLS / ((performance.now() - start) / 1000);
  return [
    { measure: 'lookupDomainByUUIDString', what: 'sequential (baseline)', median: `${Math.round(sequential)} /s`, ratio: '1.00' },
    { measure: '', what: `${IN_FLIGHT} in flight`, median: `${Math.round(parallel)} /s`, ratio: (parallel / sequential).toFixed(2) },
  ];
}

/** Lookups per second, one at a time and `inFlight` at once. */
async function lookupRates(conn: Connection, calls: number, inFlight: number): Promise<[number, number]> {
  const uuids = (await conn.listAllDomains()).map((d) => d.getUUIDString());
  const lookup = (i: number) => conn.lookupDomainByUUIDString(uuids[i % uuids.length]!);
  for (let i = 0; i < 200; i++) await lookup(i); // warm-up
  let start = performance.now();
  for (let i = 0; i < calls; i++) await lookup(i);
  const sequential = calls / ((performance.now() - start) / 1000);
  let next = 0;
  start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) await lookup(next++);
    }),
  );
  return [sequential, calls / ((performance.now() - start) / 1000)];
}

/** The call gate (at most one call in flight, the rest queued in JS) against the same ungated calls. */
async function benchCallGate(uri: string): Promise<Row[]> {
  const CALLS = 4000;
  const IN_FLIGHT = 16;
  const plain = await openConnection(uri);
  const gated = await openConnection(uri, { serializeCalls: true });
  try {
    // Alternating rounds, medians: on a shared machine a single pass of each mostly measures the neighbours.
    const plainRuns: Array<[number, number]> = [];
    const gatedRuns: Array<[number, number]> = [];
    for (let round = 0; round < 5; round++) {
      plainRuns.push(await lookupRates(plain, CALLS, IN_FLIGHT));
      gatedRuns.push(await lookupRates(gated, CALLS, IN_FLIGHT));
    }
    const [plainSeq, plainPar, gatedSeq, gatedPar] = [
      median(plainRuns.map((r) => r[0])),
      median(plainRuns.map((r) => r[1])),
      median(gatedRuns.map((r) => r[0])),
      median(gatedRuns.map((r) => r[1])),
    ];
    const rate = (r: number) => `${Math.round(r)} /s`;
    return [
      { measure: 'call gate: lookupDomainByUUIDString', what: 'ungated, sequential (baseline), median of 5', median: rate(plainSeq), ratio: '1.00' },
      { measure: '', what: 'gated, sequential', median: rate(gatedSeq), ratio: (gatedSeq / plainSeq).toFixed(2) },
      { measure: '', what: `ungated, ${IN_FLIGHT} in flight`, median: rate(plainPar), ratio: (plainPar / plainSeq).toFixed(2) },
      { measure: '', what: `gated, ${IN_FLIGHT} issued at once (1 in flight)`, median: rate(gatedPar), ratio: (gatedPar / plainSeq).toFixed(2) },
    ];
  } finally {
    await Promise.all([plain.close(), gated.close()]);
  }
}

async function benchEventLatency(conn: Connection): Promise<Row[]> {
  const dom = (await conn.listAllDomains())[0]!;
  const ROUNDS = 300;
  let waiting: { type: number; resolve: (at: number) => void } | undefined;
  const id = await conn.domainEventRegister(virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, dom, (e: DomainEvent) => {
    const at = performance.now();
    if (e.event === 'lifecycle' && waiting && e.type === waiting.type) waiting.resolve(at);
  });
  const eventMs: number[] = [];
  const callMs: number[] = [];
  const once = async (type: number, call: () => Promise<void>) => {
    const delivered = new Promise<number>((resolve) => (waiting = { type, resolve }));
    const start = performance.now();
    await call();
    callMs.push(performance.now() - start);
    eventMs.push((await delivered) - start);
  };
  // Subscriptions are unref'd (they never keep a process alive): while we wait for an event, only this
  // timer does.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    if (!(await dom.isActive())) await dom.create();
    for (let i = 0; i < ROUNDS; i++) {
      await once(virDomainEventType.VIR_DOMAIN_EVENT_SUSPENDED, () => dom.suspend());
      await once(virDomainEventType.VIR_DOMAIN_EVENT_RESUMED, () => dom.resume());
    }
  } finally {
    clearInterval(keepAlive);
    await conn.domainEventDeregister(id);
  }
  const samples = eventMs.slice(20); // the first rounds warm up the thread pool and the event thread
  const calls = callMs.slice(20);
  return [
    { measure: 'lifecycle event (suspend/resume)', what: 'call round trip p50 / p99 (baseline)', median: `${fmt(median(calls))} / ${fmt(percentile(calls, 99))}`, ratio: '1.00' },
    { measure: '', what: 'call -> JS callback p50 / p99', median: `${fmt(median(samples))} / ${fmt(percentile(samples, 99))}`, ratio: (median(samples) / median(calls)).toFixed(2) },
  ];
}

export async function benchBinding(): Promise<Row[]> {
  const work = await mkdtemp(join(tmpdir(), 'tandem-bench-binding-'));
  try {
    const file = join(work, `node-${COUNT}.xml`);
    await writeFile(file, nodeWithDomains(COUNT));
    const uri = `test://${file}`;
    const rows = await benchBulkStats(uri);
    const conn = await openConnection(uri);
    try {
      rows.push(...(await benchLookups(conn)));
      rows.push(...(await benchEventLatency(conn)));
    } finally {
      await conn.close();
    }
    rows.push(...(await benchCallGate(uri)));
    return rows;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`libvirt binding on the test driver (${COUNT} domains); Node ${process.version}\n`);
  benchBinding().then(
    (rows) => console.log(table(rows)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
