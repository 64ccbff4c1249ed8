/**
 * Checkpoints of the tiny test-bed guest (host1) at 128, 256 and 512 MiB:
 * - stun time of Tandem's checkpoint (libvirt's live external snapshot: the guest runs while its memory is
 *   written, paused only for the rest) vs libvirt's non-live external snapshot (the same snapshot XML and
 *   flags without LIVE: paused while all memory is written), both from the domain's suspended -> resumed
 *   lifecycle events, same guest, same run;
 * - the memory state stored: the first checkpoint whole (sealed), the second as a sealed delta against the
 *   first, vs the plain state libvirt wrote; for the idle-ish counting guest and a busy one (tandem.busy:
 *   it keeps rewriting part of its RAM with random bytes);
 * - revert time to the second checkpoint (rebuild the chain, verify, stop, restore), from the call.
 * One run per guest (TCG is slow). Skipped, with the reason printed, when the test bed is down.
 * `benchCheckpoints()` returns table rows or a skip reason; `tsx bench/checkpoints.ts` prints them.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KeychainMemoryKeyProvider } from '../main/core/checkpoints/MemoryKeyProvider';
import { KeyringSecretStore } from '../main/drivers/keyring/KeyringSecretStore';
import { snapshotXml } from '../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { SealedMemoryStateStore } from '../main/drivers/memoryState/SealedMemoryStateStore';
import { openConnection, virDomainEventID, virDomainEventType, virDomainSnapshotCreateFlags, type Connection, type Domain } from '../native-helpers/libvirt/lib/index';
import { startSecretService } from '../test/support/secretService';
import { checkpointEngine, HOST_ID } from '../test/integration/testbed/checkpointFixture';
import { readTestbedEnv, type TestbedEnv } from '../test/testbed/testbedEnv';
import { createTinyGuest, removeTinyGuest, waitForSerial } from '../test/testbed/tinyGuest';

type Row = Record<string, string | number>;
/** Idle-ish guests of growing memory, then a busy one (it keeps rewriting busyMiB of its RAM). */
const GUESTS: Array<{ mib: number; busyMiB?: number }> = [{ mib: 128 }, { mib: 256 }, { mib: 512 }, { mib: 512, busyMiB: 128 }];
const MiB = 1024 * 1024;

export async function benchCheckpoints(): Promise<{ rows: Row[] } | { skipped: string }> {
  const env = readTestbedEnv();
  if (!env) return { skipped: 'the test bed is down (start it with `npm run testbed`)' };
  let conn: Connection;
  try {
    conn = await openConnection(env.host1Uri);
  } catch (error) {
    return { skipped: `the test bed's host1 does not answer: ${(error as Error).message.split('\n')[0]}` };
  }
  // Memory states are sealed with a key from the keychain: a private, real Secret Service for this process.
  const keyring = await startSecretService();
  keyring.useInThisProcess();
  const rows: Row[] = [];
  try {
    for (const g of GUESTS) rows.push(await measure(env, conn, g.mib, g.busyMiB));
  } finally {
    await conn.close().catch(() => undefined);
    await keyring.stop();
  }
  return { rows };
}

/** libvirt's non-live external snapshot (memory + disk overlay), the stun from the lifecycle events. */
async function nonLiveSnapshot(conn: Connection, dom: Domain, folder: string): Promise<{ stunMs: number; wallMs: number; memoryFile: string; overlay: string }> {
  const memoryFile = join(folder, 'baseline.mem');
  const overlay = join(folder, 'baseline.vda.qcow2');
  const xml = snapshotXml({ name: 'bench-baseline', overlays: [{ target: 'vda', overlay }], memoryFile, quiesce: false }, await dom.getXMLDesc(0));
  const F = virDomainSnapshotCreateFlags;
  let suspendedAt: number | undefined;
  let resumedAt: number | undefined;
  const callbackId = await conn.domainEventRegister(virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, dom, (event) => {
    if (event.event !== 'lifecycle') return;
    if (event.type === virDomainEventType.VIR_DOMAIN_EVENT_SUSPENDED) suspendedAt ??= performance.now();
    if (event.type === virDomainEventType.VIR_DOMAIN_EVENT_RESUMED && suspendedAt !== undefined) resumedAt ??= performance.now();
  });
  try {
    const started = performance.now();
    (await dom.snapshotCreateXML(xml, F.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | F.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC)).free();
    const wallMs = performance.now() - started;
    for (let i = 0; i < 40 && resumedAt === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    return { stunMs: resumedAt !== undefined && suspendedAt !== undefined ? resumedAt - suspendedAt : NaN, wallMs, memoryFile, overlay };
  } finally {
    await conn.domainEventDeregister(callbackId).catch(() => undefined);
  }
}

async function measure(env: TestbedEnv, conn: Connection, mib: number, busyMiB?: number): Promise<Row> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-ckpt-'));
  const guest = await createTinyGuest(env, { name: `bench-ck-${process.pid}-${mib}${busyMiB ? '-busy' : ''}`, memoryMiB: mib, ...(busyMiB ? { busyMiB } : {}) });
  const dom = await conn.defineDomainXML(guest.xml);
  const folder = join(env.images, '.tandem-checkpoints', guest.uuid);
  const extra: string[] = [];
  try {
    await dom.create();
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 60_000);
    const baseline = await nonLiveSnapshot(conn, dom, env.images);
    extra.push(baseline.memoryFile, baseline.overlay);
    const baselineBytes = (await stat(baseline.memoryFile)).size;

    const engine = checkpointEngine(conn, dataDir, new SealedMemoryStateStore(new KeychainMemoryKeyProvider(new KeyringSecretStore())));
    const vm = { hostId: HOST_ID, uuid: guest.uuid };
    const t0 = performance.now();
    const first = await engine.take(vm, { name: 'bench-1' });
    const firstTakeMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 3_000));
    const t1 = performance.now();
    const second = await engine.take(vm, { name: 'bench-2' });
    const secondTakeMs = performance.now() - t1;
    const firstStored = (await stat(first.memoryFile!)).size;
    const secondStored = (await stat(second.memoryFile!)).size;
    await new Promise((r) => setTimeout(r, 2_000));
    const r0 = performance.now();
    await engine.revert(vm, second.id);
    const revertMs = performance.now() - r0;
    const stun = second.stunMs ?? NaN;
    return {
      guest: `${mib} MiB, ${busyMiB ? `busy (rewrites ${busyMiB} MiB)` : 'idle'}`,
      'Tandem stun (2nd take)': `${stun.toFixed(0)} ms`,
      'non-live snapshot stun': `${baseline.stunMs.toFixed(0)} ms`,
      'stun ratio': `${(baseline.stunMs / stun).toFixed(1)}x shorter`,
      'take (call, whole / delta)': `${firstTakeMs.toFixed(0)} / ${secondTakeMs.toFixed(0)} ms`,
      'plain state (baseline / 2nd take)': `${(baselineBytes / MiB).toFixed(1)} / ${((second.memoryFullBytes ?? NaN) / MiB).toFixed(1)} MiB`,
      'stored: whole / delta': `${(firstStored / MiB).toFixed(1)} / ${(secondStored / MiB).toFixed(2)} MiB (${((100 * secondStored) / (second.memoryFullBytes ?? NaN)).toFixed(1)}%)`,
      'revert (delta chain)': `${revertMs.toFixed(0)} ms`,
    };
  } finally {
    await dom.destroy().catch(() => undefined);
    await dom.undefine().catch(() => undefined);
    await removeTinyGuest(guest);
    await rm(folder, { recursive: true, force: true });
    for (const f of extra) await rm(f, { force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.TANDEM_LOG_LEVEL ??= 'error';
  const { table } = await import('./stats');
  const result = await benchCheckpoints();
  console.log('skipped' in result ? `skipped: ${result.skipped}` : table(result.rows));
}
