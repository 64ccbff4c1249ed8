/**
 * Soak: opens a connection, lists every domain (wrapping, reading and freeing each), and closes it, 10,000
 * times on libvirt's test driver; prints the process's RSS and JS heap every 1,000 rounds after a GC.
 * A leak in the binding (a connection, a domain, a callback registration, an error object) shows as RSS
 * growing round after round; flat figures after the first block (allocator and JIT warm-up) mean none.
 *
 *   node --expose-gc --import tsx native-helpers/libvirt/scripts/soak.ts [rounds]   (npm run soak:native)
 */
import { openConnection, subscribeDomainEvents, virDomainEventID } from '../lib/index';

const ROUNDS = Number(process.argv[2] ?? 10_000);
const BLOCK = Math.max(1, Math.floor(ROUNDS / 10));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const rows: Array<{ round: number; rss: number; heap: number }> = [];

for (let round = 1; round <= ROUNDS; round++) {
  const conn = await openConnection('test:///default');
  const sub = await subscribeDomainEvents(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, () => undefined);
  for (const dom of await conn.listAllDomains()) {
    dom.getName();
    await dom.getState();
    dom.free();
  }
  await conn.lookupDomainByName('no-such-domain').catch(() => undefined); // an error object each round
  if (round % 2 === 0) await sub.dispose(); // half the rounds leave the subscription for close() to remove
  await conn.close();
  if (round % BLOCK === 0) {
    gc();
    await new Promise((r) => setTimeout(r, 10)); // let finalizers run
    gc();
    rows.push({ round, rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
  }
}

console.log(`soak: ${ROUNDS} rounds of open + subscribe + list + lookup error + close (test:///default)`);
console.log('round     RSS MiB   heap MiB');
for (const r of rows) console.log(`${String(r.round).padEnd(9)} ${mib(r.rss).padStart(7)}   ${mib(r.heap).padStart(8)}`);
const warm = rows[0]!;
const last = rows.at(-1)!;
console.log(`RSS growth after the first block: ${mib(last.rss - warm.rss)} MiB over ${last.round - warm.round} rounds`);
