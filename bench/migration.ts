/**
 * Live migration of the tiny test-bed guest host1 -> host2: through Tandem (migration.start, the job's final
 * report) vs `virsh migrate --live --p2p --persistent --undefinesource --unsafe` with the same options, in
 * the same run, alternating, several rounds. Each tool's downtime is QEMU's, from the completed job's stats
 * (Tandem's report; for virsh, the job-completed event on host1), and Tandem's report also gives the guest's
 * pause seen from the hosts' events (QEMU's downtime leaves out libvirt's hand-over); total time is the wall clock around the
 * call (Tandem: start call to job succeeded; virsh: the process). The way back host2 -> host1 between
 * measured runs is not measured. Skipped, with the reason printed, when the test bed is down.
 * `benchMigration()` returns table rows or a skip reason; `tsx bench/migration.ts` prints them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createTandem, type Tandem } from '../main/bootstrap/createTandem';
import { openConnection, subscribeDomainEvents, virDomainEventID, type DomainEvent } from '../native-helpers/libvirt/lib/index';
import { readTestbedEnv, type TestbedEnv } from '../test/testbed/testbedEnv';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial } from '../test/testbed/tinyGuest';
import { median, table } from './stats';

const run = promisify(execFile);
const ROUNDS = 3;
const SETTINGS = { mode: 'live', storage: 'shared', allowUnsafe: true } as const;
const VIRSH_FLAGS = ['--live', '--p2p', '--persistent', '--undefinesource', '--unsafe'];

type Row = Record<string, string | number>;

export async function benchMigration(): Promise<{ rows: Row[] } | { skipped: string }> {
  const env = readTestbedEnv();
  if (!env) return { skipped: 'the test bed is down (start it with `npm run testbed`)' };
  try {
    await run('virsh', ['-c', env.host1Uri, 'version'], { timeout: 10_000 });
    await run('virsh', ['-c', env.host2Uri, 'version'], { timeout: 10_000 });
  } catch (error) {
    return { skipped: `the test bed's hosts do not answer: ${(error as Error).message.split('\n')[0]}` };
  }
  return { rows: await measure(env) };
}

async function measure(env: TestbedEnv): Promise<Row[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-bench-migration-'));
  const guest = await createTinyGuest(env, { name: `bench-mig-${process.pid}` });
  const tandem = await createTandem({ mode: 'headless', dataDir, demo: 'never', localUri: null });
  const host1Conn = await openConnection(env.host1Uri);
  const completed: DomainEvent[] = [];
  const subscription = await subscribeDomainEvents(host1Conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, (e) => {
    if (e.name === guest.name) completed.push(e);
  });
  try {
    await tandem.ready();
    const host1 = await tandem.hosts.add(env.host1Uri, 'host1');
    const host2 = await tandem.hosts.add(env.host2Uri, 'host2');
    await (await host1Conn.defineDomainXML(guest.xml)).create();
    await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 30_000);

    const viaTandem = async (from: string, to: string) => {
      const started = performance.now();
      const job = await tandem.migration.start(from, guest.uuid, to, SETTINGS);
      const done = await tandem.jobs.wait(job.id);
      if (done.state !== 'succeeded') throw new Error(`Tandem migration ${done.state}: ${done.error?.message}`);
      return {
        totalMs: performance.now() - started,
        downtimeMs: Number(done.result?.downtimeMs),
        runMs: Number(done.result?.totalTimeMs),
        pauseMs: Number(done.result?.observedPauseMs),
      };
    };
    const viaVirsh = async (fromUri: string, toUri: string) => {
      completed.length = 0;
      const started = performance.now();
      await run('virsh', ['-c', fromUri, 'migrate', ...VIRSH_FLAGS, guest.name, toUri], { timeout: 300_000 });
      const totalMs = performance.now() - started;
      return { totalMs, downtimeMs: fromUri === env.host1Uri ? await completedDowntime() : NaN };
    };
    const completedDowntime = async () => {
      for (let i = 0; i < 50 && completed.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const event = completed[0];
      return event?.event === 'job-completed' ? Number(event.stats.downtime) : NaN;
    };
    await waitInventory(tandem, host1.id, guest.uuid);

    const tandemRuns: Array<{ totalMs: number; downtimeMs: number; runMs?: number; pauseMs?: number }> = [];
    const virshRuns: Array<{ totalMs: number; downtimeMs: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      tandemRuns.push(await viaTandem(host1.id, host2.id));
      await waitInventory(tandem, host2.id, guest.uuid);
      await viaVirsh(env.host2Uri, env.host1Uri); // back, not measured
      await waitInventory(tandem, host1.id, guest.uuid);
      virshRuns.push(await viaVirsh(env.host1Uri, env.host2Uri));
      await waitInventory(tandem, host2.id, guest.uuid);
      await viaTandem(host2.id, host1.id); // back, not measured
      await waitInventory(tandem, host1.id, guest.uuid);
    }
    const row = (what: string, runs: typeof tandemRuns): Row => ({
      'host1 -> host2, 128 MiB guest': what,
      'total (median)': `${median(runs.map((r) => r.totalMs)).toFixed(0)} ms`,
      'downtime (median)': `${median(runs.map((r) => r.downtimeMs)).toFixed(0)} ms`,
      runs: runs.map((r) => `${r.totalMs.toFixed(0)}/${r.downtimeMs}`).join(' '),
    });
    const pauses = tandemRuns.map((r) => r.pauseMs ?? NaN);
    const ratio = median(tandemRuns.map((r) => r.totalMs)) / median(virshRuns.map((r) => r.totalMs));
    return [
      row('Tandem: check + migration (start call to job end)', tandemRuns),
      row('Tandem: the migration alone (job report)', tandemRuns.map((r) => ({ totalMs: r.runMs ?? NaN, downtimeMs: r.downtimeMs }))),
      row('virsh migrate --live --p2p (baseline)', virshRuns),
      {
        'host1 -> host2, 128 MiB guest': "Tandem: the guest's pause seen from the hosts' events",
        'total (median)': '',
        'downtime (median)': `${median(pauses).toFixed(0)} ms`,
        runs: pauses.join(' '),
      },
      { 'host1 -> host2, 128 MiB guest': 'Tandem / virsh, total time', 'total (median)': `${ratio.toFixed(2)}x`, 'downtime (median)': '', runs: '' },
    ];
  } finally {
    await subscription.dispose().catch(() => undefined);
    for (const uri of [env.host1Uri, env.host2Uri]) {
      await run('virsh', ['-c', uri, 'destroy', guest.name]).catch(() => undefined);
      await run('virsh', ['-c', uri, 'undefine', guest.name]).catch(() => undefined);
    }
    await host1Conn.close();
    await tandem.dispose();
    await removeTinyGuest(guest);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Migrations are measured one after the other only once the inventory has seen the last one land. */
async function waitInventory(tandem: Tandem, hostId: string, uuid: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (tandem.inventory.list(hostId).some((v) => v.uuid === uuid && v.state === 'running')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the guest did not show up running on ${hostId}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.TANDEM_LOG_LEVEL ??= 'error';
  const result = await benchMigration();
  console.log('skipped' in result ? `Migration: skipped, ${result.skipped}` : table(result.rows));
}
