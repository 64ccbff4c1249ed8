/**
 * Checkpoints of the tiny test-bed guest (host1, through its daemon's unix socket as a local qemu:///system):
 * - stun time by method, same guest, same run, interleaved rounds (the order rotates each round), medians:
 *   (a) libvirt's non-live external snapshot (the same snapshot XML and flags without LIVE: paused while all
 *       memory is written), (b) libvirt's live external snapshot (Tandem's path where a background snapshot is
 *       not possible: the guest runs while its memory is copied, paused for the last of it), (c) QEMU's
 *       background snapshot (Tandem's default here: paused for the disk switch and the device state only);
 *   for an idle and a busy 512 MiB guest (tandem.busy: it keeps rewriting 128 MiB of its RAM with random
 *   bytes). The stun is the domain's suspended -> resumed lifecycle events in each case. A non-live round's
 *   overlay is merged back afterwards, so Tandem's tree sees no disk it did not make;
 * - how the default's stun grows with guest memory (128 MiB to 1 GiB, idle), with the non-live one beside it;
 * - memory stored (first take whole, second 3 s later as a sealed delta) and revert time, default method, for
 *   every guest size (128 MiB to 1 GiB idle, 512 MiB busy): revert time vs guest memory.
 * Skipped, with the reason printed, when the test bed is down. `tsx bench/checkpoints.ts` prints the tables;
 * `TANDEM_BENCH_ROUNDS` sets the rounds (default 3).
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckpointEngine } from '../main/core/checkpoints/CheckpointEngine';
import { KeychainMemoryKeyProvider } from '../main/core/checkpoints/MemoryKeyProvider';
import type { MemoryStateStore } from '../main/core/checkpoints/ports';
import { KeyringSecretStore } from '../main/drivers/keyring/KeyringSecretStore';
import { LibvirtCheckpointHypervisor, snapshotXml } from '../main/drivers/libvirt/LibvirtCheckpointHypervisor';
import { SealedMemoryStateStore } from '../main/drivers/memoryState/SealedMemoryStateStore';
import { openConnection, virDomainEventID, virDomainEventType, virDomainSnapshotCreateFlags, type Connection, type Domain } from '../native-helpers/libvirt/lib/index';
import { startSecretService } from '../test/support/secretService';
import { checkpointEngine, checkpointFolderOf, checkpointHostUri, HOST_ID } from '../test/integration/testbed/checkpointFixture';
import { readTestbedEnv, type TestbedEnv } from '../test/testbed/testbedEnv';
import { createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../test/testbed/tinyGuest';
import { median } from './stats';

type Row = Record<string, string | number>;
const MiB = 1024 * 1024;
const ROUNDS = Math.max(1, Number(process.env.TANDEM_BENCH_ROUNDS ?? 3));
type Method = 'non-live' | 'live' | 'background';
const METHODS: Method[] = ['non-live', 'live', 'background'];

export interface CheckpointBench {
  /** Stun by method, 512 MiB idle and busy. */
  methods: Row[];
  /** The default method's stun as guest memory grows. */
  growth: Row[];
  /** Memory stored and revert time with the default method, per guest size. */
  sizes: Row[];
}

export async function benchCheckpoints(): Promise<CheckpointBench | { skipped: string }> {
  const env = readTestbedEnv();
  if (!env) return { skipped: 'the test bed is down (start it with `npm run testbed`)' };
  let conn: Connection;
  try {
    conn = await openConnection(checkpointHostUri(env));
  } catch (error) {
    return { skipped: `the test bed's host1 does not answer on its unix socket: ${(error as Error).message.split('\n')[0]}` };
  }
  // Memory states are sealed with a key from the keychain: a private, real Secret Service for this process.
  const keyring = await startSecretService();
  keyring.useInThisProcess();
  const result: CheckpointBench = { methods: [], growth: [], sizes: [] };
  try {
    for (const busyMiB of [undefined, 128]) {
      await withGuest(env, conn, 512, busyMiB, async (guest) => {
        const compared = await compareMethods(conn, guest, 512, busyMiB);
        result.methods.push(compared.row);
        if (!busyMiB) result.growth.push(growthRow(512, compared.samples.background, compared.samples['non-live']));
        result.sizes.push(await sizesAndRevert(conn, guest, 512, busyMiB));
      });
    }
    for (const mib of [128, 256, 1024]) {
      await withGuest(env, conn, mib, undefined, async (guest) => {
        const { background, nonLive } = await growthSamples(conn, guest);
        result.growth.push(growthRow(mib, background, nonLive));
        // Revert time as guest memory grows (the restore reads the whole state back).
        result.sizes.push(await sizesAndRevert(conn, guest, mib));
      });
    }
    result.growth.sort((a, b) => Number(a.MiB) - Number(b.MiB));
    result.sizes.sort((a, b) => parseInt(String(a.guest), 10) - parseInt(String(b.guest), 10));
    for (const row of result.growth) delete row.MiB;
  } finally {
    await conn.close().catch(() => undefined);
    await keyring.stop();
  }
  return result;
}

interface BenchGuest {
  guest: TinyGuest;
  dom: Domain;
  /** Tandem's checkpoint folder of this VM (next to its disk). */
  folder: string;
}

async function withGuest(env: TestbedEnv, conn: Connection, mib: number, busyMiB: number | undefined, work: (g: BenchGuest) => Promise<void>): Promise<void> {
  const guest = await createTinyGuest(env, { name: `bench-ck-${process.pid}-${mib}${busyMiB ? '-busy' : ''}`, memoryMiB: mib, ...(busyMiB ? { busyMiB } : {}) });
  const dom = await conn.defineDomainXML(guest.xml);
  const folder = checkpointFolderOf(env, guest.uuid);
  try {
    await mkdir(folder, { recursive: true });
    await dom.create();
    await waitForSerial(guest.serialLogPath, /^tandem-counter 3$/m, 90_000);
    await work({ guest, dom, folder });
  } finally {
    await dom.destroy().catch(() => undefined);
    await dom.undefine().catch(() => undefined);
    await removeTinyGuest(guest);
    await rm(folder, { recursive: true, force: true });
  }
}

function engineFor(conn: Connection, dataDir: string, background: boolean): CheckpointEngine {
  const memory: MemoryStateStore = new SealedMemoryStateStore(new KeychainMemoryKeyProvider(new KeyringSecretStore()));
  return checkpointEngine(conn, dataDir, memory, { backgroundSnapshot: background });
}

interface Sample {
  stunMs: number;
  wallMs: number;
}

/**
 * libvirt's non-live external snapshot (memory + disk overlay), stun from the lifecycle events; then its
 * overlay is merged back with an active commit, so the disk is again the layer Tandem's tree knows.
 */
async function nonLive(conn: Connection, g: BenchGuest, round: number): Promise<Sample> {
  const memoryFile = join(g.folder, `baseline-${round}.mem`);
  const overlay = join(g.folder, `baseline-${round}.vda.qcow2`);
  const domainXml = await g.dom.getXMLDesc(0);
  const active = /<source file='([^']+)'/.exec(domainXml)![1]!;
  const xml = snapshotXml({ name: `bench-baseline-${round}`, overlays: [{ target: 'vda', overlay }], memoryFile, quiesce: false }, domainXml);
  const F = virDomainSnapshotCreateFlags;
  let suspendedAt: number | undefined;
  let resumedAt: number | undefined;
  const callbackId = await conn.domainEventRegister(virDomainEventID.VIR_DOMAIN_EVENT_ID_LIFECYCLE, g.dom, (event) => {
    if (event.event !== 'lifecycle') return;
    if (event.type === virDomainEventType.VIR_DOMAIN_EVENT_SUSPENDED) suspendedAt ??= performance.now();
    if (event.type === virDomainEventType.VIR_DOMAIN_EVENT_RESUMED && suspendedAt !== undefined) resumedAt ??= performance.now();
  });
  try {
    const started = performance.now();
    (await g.dom.snapshotCreateXML(xml, F.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | F.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC)).free();
    const wallMs = performance.now() - started;
    for (let i = 0; i < 40 && resumedAt === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    return { stunMs: resumedAt !== undefined && suspendedAt !== undefined ? resumedAt - suspendedAt : NaN, wallMs };
  } finally {
    await conn.domainEventDeregister(callbackId).catch(() => undefined);
    await new LibvirtCheckpointHypervisor(() => conn).blockJob({ hostId: HOST_ID, uuid: g.guest.uuid }, { kind: 'active-commit', target: 'vda', base: active });
    await rm(overlay, { force: true });
    await rm(memoryFile, { force: true });
  }
}

async function viaEngine(engine: CheckpointEngine, g: BenchGuest, name: string, expected: 'live-snapshot' | 'background-snapshot'): Promise<Sample> {
  const cp = await engine.take({ hostId: HOST_ID, uuid: g.guest.uuid }, { name });
  if (cp.memoryMethod !== expected) throw new Error(`checkpoint ${name} was a ${cp.memoryMethod ?? 'disk-only'} snapshot, not a ${expected}`);
  return { stunMs: cp.stunMs ?? NaN, wallMs: cp.wallMs };
}

const ms = (v: number) => `${v.toFixed(0)} ms`;
const ratio = (baseline: number, value: number) => `${(baseline / value).toFixed(1)}x`;
const spread = (samples: Sample[]) => samples.map((s) => s.stunMs.toFixed(0)).join(', ');

async function compareMethods(conn: Connection, g: BenchGuest, mib: number, busyMiB?: number): Promise<{ row: Row; samples: Record<Method, Sample[]> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-ckpt-'));
  try {
    const engines = { live: engineFor(conn, dataDir, false), background: engineFor(conn, dataDir, true) };
    const samples: Record<Method, Sample[]> = { 'non-live': [], live: [], background: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < METHODS.length; i++) {
        const method = METHODS[(i + round) % METHODS.length]!;
        await new Promise((r) => setTimeout(r, 1_000));
        if (method === 'non-live') samples[method].push(await nonLive(conn, g, round));
        else samples[method].push(await viaEngine(engines[method], g, `${method}-${round}`, method === 'live' ? 'live-snapshot' : 'background-snapshot'));
      }
    }
    const stun = (m: Method) => median(samples[m].map((s) => s.stunMs));
    const wall = (m: Method) => median(samples[m].map((s) => s.wallMs));
    const row = {
      guest: `${mib} MiB, ${busyMiB ? `busy (rewrites ${busyMiB} MiB)` : 'idle'}`,
      'non-live stun': ms(stun('non-live')),
      'live snapshot stun': ms(stun('live')),
      'background snapshot stun': ms(stun('background')),
      'non-live ÷ live': ratio(stun('non-live'), stun('live')),
      'non-live ÷ background': ratio(stun('non-live'), stun('background')),
      'take (call) non-live / live / background': `${ms(wall('non-live'))} / ${ms(wall('live'))} / ${ms(wall('background'))}`,
      'stun samples (ms) non-live | live | background': `${spread(samples['non-live'])} | ${spread(samples.live)} | ${spread(samples.background)}`,
    };
    return { row, samples };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Background snapshots and non-live ones alternating (the first of each round alternates too). */
async function growthSamples(conn: Connection, g: BenchGuest): Promise<{ background: Sample[]; nonLive: Sample[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-ckpt-'));
  try {
    const engine = engineFor(conn, dataDir, true);
    const background: Sample[] = [];
    const baseline: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (round % 2 === 0) baseline.push(await nonLive(conn, g, round));
      background.push(await viaEngine(engine, g, `growth-${round}`, 'background-snapshot'));
      if (round % 2 === 1) baseline.push(await nonLive(conn, g, round));
    }
    return { background, nonLive: baseline };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function growthRow(mib: number, background: Sample[], nonLive: Sample[]): Row {
  const stun = median(background.map((s) => s.stunMs));
  const base = median(nonLive.map((s) => s.stunMs));
  return {
    MiB: mib,
    'guest memory': mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`,
    'background snapshot stun': ms(stun),
    'non-live stun': ms(base),
    ratio: ratio(base, stun),
    'take (call)': ms(median(background.map((s) => s.wallMs))),
  };
}

/** A fresh tree: the first take stored whole, the second (3 s later) a sealed delta against it; then a revert to the second. */
async function sizesAndRevert(conn: Connection, g: BenchGuest, mib: number, busyMiB?: number): Promise<Row> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-ckpt-'));
  try {
    const engine = engineFor(conn, dataDir, true);
    const vm = { hostId: HOST_ID, uuid: g.guest.uuid };
    const first = await engine.take(vm, { name: 'size-1' });
    await new Promise((r) => setTimeout(r, 3_000));
    const second = await engine.take(vm, { name: 'size-2' });
    const firstStored = (await stat(first.memoryFile!)).size;
    const secondStored = (await stat(second.memoryFile!)).size;
    await new Promise((r) => setTimeout(r, 2_000));
    const r0 = performance.now();
    await engine.revert(vm, second.id);
    const revertMs = performance.now() - r0;
    return {
      guest: `${mib} MiB, ${busyMiB ? `busy (rewrites ${busyMiB} MiB)` : 'idle'}`,
      method: second.memoryMethod ?? 'disk-only',
      'plain state (1st / 2nd take)': `${((first.memoryFullBytes ?? NaN) / MiB).toFixed(1)} / ${((second.memoryFullBytes ?? NaN) / MiB).toFixed(1)} MiB`,
      'stored: whole / delta': `${(firstStored / MiB).toFixed(1)} / ${(secondStored / MiB).toFixed(2)} MiB (${((100 * secondStored) / (second.memoryFullBytes ?? NaN)).toFixed(1)}%)`,
      'revert (delta chain)': ms(revertMs),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.TANDEM_LOG_LEVEL ??= 'error';
  const { table } = await import('./stats');
  const result = await benchCheckpoints();
  if ('skipped' in result) console.log(`skipped: ${result.skipped}`);
  else {
    console.log(`Stun by method, same guest, interleaved rounds (median of ${ROUNDS})`);
    console.log(table(result.methods));
    console.log(`\nBackground snapshot stun as guest memory grows, idle guest (median of ${ROUNDS}), non-live beside it`);
    console.log(table(result.growth));
    console.log('\nMemory stored and revert (background snapshot)');
    console.log(table(result.sizes));
  }
}
