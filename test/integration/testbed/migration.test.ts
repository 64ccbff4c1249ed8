/**
 * Migration through the contract on the test bed's two TCP hosts (added by URI): the check's blockers
 * (same host, a destination that cannot see the disk, a name taken there) refuse with specific messages and
 * change nothing; a live migration host1 -> host2 reports progress and a final report, the guest keeps
 * counting on its serial log, and the inventory shows it on host2 only; a cancelled migration leaves the
 * guest running on its host; evacuating a host with two guests empties it and both keep running elsewhere.
 *
 * What "no gap larger than the reported downtime" can honestly mean here: the guest prints
 * `tandem-counter N` once a second of its own run time, then writes and syncs its disk (real work, slow
 * under TCG on a shared 2-core machine). A tail of the serial log (polled every 25 ms) stamps each new counter
 * line with our clock. Across the switch-over we assert: (1) the counter continues N, N+1, ... without a
 * skipped or repeated value and without a second boot (no guest state was lost or replayed); (2) the largest
 * interval between two consecutive lines during the migration exceeds the guest's usual interval (median of
 * the 10 s before) by at most: the reported pause (the larger of QEMU's downtime and the pause seen from the
 * hosts' events, source "suspended: migrated" to destination "resumed: migrated"; measured, they agree within
 * tens of ms) + two poll periods + the jitter seen before the migration + SLACK_MS (the guest's first loop
 * on the destination is slower without being paused, and a noisy shared machine stretches one interval now
 * and then; see there). The figures are printed; a precise downtime measure belongs to the benchmarks.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../../native-helpers/libvirt/lib/index';
import type { Job } from '../../../preload/api/jobs';
import { MigrationReportSchema } from '../../../preload/api/migration';
import type { HostSummary, VmSummary } from '../../../preload/contract';
import { callError, startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, buildTinyGuestXml, completeLines, createTinyGuest, lastCounter, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 25;
/**
 * Not a pause, yet a longer interval: the guest's first loop on the destination (echo, dd + sync to its disk,
 * sleep) runs on QEMU's cold TCG translation cache and a freshly re-opened disk image (measured 0-250 ms
 * here, 2 shared cores; near 0 under KVM), and on a loaded CI machine any one interval can stretch by some
 * hundreds of ms more. Wall-clock margins are not what this test is for (tests hold no timed targets): it
 * must catch run time the report does not account for, a guest held a second or more beyond the reported
 * pause (left paused, restarted, state replayed), and that still fails.
 */
const SLACK_MS = 1_000;

/** Tails a serial log and stamps each new `tandem-counter N` line with the time we first saw it. */
function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function tailCounters(path: string) {
  const seen: Array<{ n: number; at: number }> = [];
  let offset = -1;
  let partial = '';
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      if (offset < 0) {
        // Lines already in the file were printed at unknown times: only lines written from now on are stamped.
        offset = (await readFile(path).catch(() => Buffer.alloc(0))).length;
        continue;
      }
      const buf = await readFile(path).catch(() => Buffer.alloc(0));
      if (buf.length > offset) {
        const at = performance.now();
        partial += buf.subarray(offset).toString('utf8');
        offset = buf.length;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^tandem-counter (\d+)\r?$/.exec(line);
          if (m) seen.push({ n: Number(m[1]), at });
        }
      }
      await sleep(POLL_MS);
    }
  })();
  return {
    seen,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe.skipIf(!env)('migration between the test bed hosts, through the contract', () => {
  let t: InProcessTandem;
  let host1: HostSummary;
  let host2: HostSummary;
  const guests: TinyGuest[] = [];
  const extraFiles: string[] = [];

  async function vmOn(hostId: string, uuid: string): Promise<VmSummary | undefined> {
    return (await t.client.call('vms.list', { hostId })).find((v) => v.uuid === uuid);
  }

  /** Waits until the inventory (fed by both hosts' events) shows the VM on `hostId` only, running. */
  async function waitOnlyOn(hostId: string, other: string, uuid: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const here = await vmOn(hostId, uuid);
      const there = await vmOn(other, uuid);
      if (here?.state === 'running' && !there) return;
      if (Date.now() > deadline) throw new Error(`inventory: on ${hostId} ${JSON.stringify(here)}, on ${other} ${JSON.stringify(there)}`);
      await sleep(100);
    }
  }

  async function bootGuest(hostId: string, name: string): Promise<{ guest: TinyGuest; vm: VmSummary }> {
    const guest = await createTinyGuest(env!, { name });
    guests.push(guest);
    const vm = await t.client.call('vms.defineXml', { hostId, xml: guest.xml });
    await t.client.call('vms.start', { hostId, uuid: vm.uuid });
    await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 30_000);
    return { guest, vm };
  }

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
    host1 = await t.client.call('hosts.add', { uri: env!.host1Uri, name: 'testbed host1' });
    host2 = await t.client.call('hosts.add', { uri: env!.host2Uri, name: 'testbed host2' });
  });

  afterAll(async () => {
    for (const g of guests) {
      for (const h of [host1, host2]) {
        if (!h) continue;
        const vm = await vmOn(h.id, g.uuid).catch(() => undefined);
        if (!vm) continue;
        await t.client.call('vms.destroy', { hostId: h.id, uuid: g.uuid }).catch(() => undefined);
        await t.client.call('vms.undefine', { hostId: h.id, uuid: g.uuid }).catch(() => undefined);
      }
      await removeTinyGuest(g);
    }
    for (const f of extraFiles) await rm(f, { force: true });
    await t?.stop();
  });

  let a: { guest: TinyGuest; vm: VmSummary };

  it('adds the two TCP hosts by URI and boots a guest on host1', async () => {
    expect(host1).toMatchObject({ status: 'connected', hypervisor: expect.stringMatching(/^QEMU /) });
    expect(host2).toMatchObject({ status: 'connected' });
    a = await bootGuest(host1.id, `mig-a-${process.pid}`);
  });

  it('refuses a migration to the same host with a specific message; nothing changes', async () => {
    const options = { destinationHostId: host1.id, allowUnsafe: true };
    const check = await t.client.call('migration.check', { hostId: host1.id, uuid: a.vm.uuid, options });
    expect(check.ok).toBe(false);
    expect(check.blockers).toEqual([{ code: 'destination.same-host', message: expect.stringMatching(/already runs on testbed host1/) }]);
    const error = await callError(t.client.call('migration.start', { hostId: host1.id, uuid: a.vm.uuid, options }));
    expect(error).toMatchObject({ errorName: 'Conflict', code: 'migration.blocked', message: expect.stringMatching(/already runs on testbed host1/) });
    expect(await t.client.call('jobs.list', {})).toEqual([]);
    expect((await vmOn(host1.id, a.vm.uuid))?.state).toBe('running');
  });

  it('passes the check to host2, with the page-cache warning until unsafe is allowed', async () => {
    const check = await t.client.call('migration.check', { hostId: host1.id, uuid: a.vm.uuid, options: { destinationHostId: host2.id } });
    expect(check).toMatchObject({ ok: true, blockers: [] });
    expect(check.warnings.map((w) => w.code)).toContain('storage.cache-unsafe');
    const allowed = await t.client.call('migration.check', {
      hostId: host1.id,
      uuid: a.vm.uuid,
      options: { destinationHostId: host2.id, allowUnsafe: true },
    });
    expect(allowed).toEqual({ ok: true, blockers: [], warnings: [] });
  });

  it('refuses when the name is taken on the destination; nothing changes', async () => {
    // Another VM (another UUID) named like the guest, defined (not started) on host2.
    const impostorXml = a.guest.xml.replace(a.guest.uuid, randomUUID());
    const impostor = await t.client.call('vms.defineXml', { hostId: host2.id, xml: impostorXml });
    try {
      const options = { destinationHostId: host2.id, allowUnsafe: true };
      const check = await t.client.call('migration.check', { hostId: host1.id, uuid: a.vm.uuid, options });
      expect(check.blockers).toEqual([
        { code: 'name.taken', message: `testbed host2 already has another VM named "${a.guest.name}" (UUID ${impostor.uuid}).` },
      ]);
      const error = await callError(t.client.call('migration.start', { hostId: host1.id, uuid: a.vm.uuid, options }));
      expect(error).toMatchObject({ errorName: 'Conflict', code: 'migration.blocked', message: expect.stringContaining('already has another VM named') });
      expect((await vmOn(host1.id, a.vm.uuid))?.state).toBe('running');
      expect(await vmOn(host2.id, a.vm.uuid)).toBeUndefined();
    } finally {
      await t.client.call('vms.undefine', { hostId: host2.id, uuid: impostor.uuid });
    }
  });

  /** A tiny guest whose disk is in host1's private /var/lib/libvirt/images (bind-mounted in its mount namespace). */
  async function privateDiskGuest(name: string): Promise<TinyGuest> {
    const privateImages = join(env!.dir, 'host1', 'lib', 'libvirt', 'images');
    await mkdir(privateImages, { recursive: true });
    const hostSide = join(privateImages, `${name}.qcow2`);
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', hostSide, '16M']);
    const uuid = randomUUID();
    const serialLogPath = join(env!.images, `${name}.serial.log`);
    const xml = buildTinyGuestXml({
      name,
      uuid,
      id: name,
      memoryMiB: 128,
      kernel: env!.kernel,
      initrd: env!.initrd,
      diskPath: `/var/lib/libvirt/images/${name}.qcow2`,
      serialLogPath,
    });
    const guest = { name, uuid, xml, diskPath: hostSide, serialLogPath };
    guests.push(guest);
    return guest;
  }

  it('refuses a destination that cannot see the disk (host1-private /var/lib/libvirt); nothing changes', async () => {
    const name = `mig-private-${process.pid}`;
    const { uuid, xml: oneDisk } = await privateDiskGuest(name);
    // Two more disks, both in the shared folder (found on host2 with one look at that folder).
    const doc = new DOMParser().parseFromString(oneDisk, 'text/xml');
    const devices = doc.getElementsByTagName('devices')[0]!;
    for (const dev of ['vdb', 'vdc']) {
      const path = join(env!.images, `${name}-${dev}.qcow2`);
      await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '1M']);
      extraFiles.push(path);
      const disk = doc.createElement('disk');
      disk.setAttribute('type', 'file');
      disk.setAttribute('device', 'disk');
      for (const [tag, attrs] of [['driver', { name: 'qemu', type: 'qcow2' }], ['source', { file: path }], ['target', { dev, bus: 'virtio' }]] as const) {
        const el = doc.createElement(tag);
        for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
        disk.appendChild(el);
      }
      devices.appendChild(disk);
    }
    const xml = new XMLSerializer().serializeToString(doc);
    const vm = await t.client.call('vms.defineXml', { hostId: host1.id, xml });
    try {
      const options = { destinationHostId: host2.id, mode: 'offline' as const };
      const check = await t.client.call('migration.check', { hostId: host1.id, uuid, options });
      expect(check.blockers).toEqual([
        {
          code: 'storage.missing',
          message: `Disk vda (/var/lib/libvirt/images/${name}.qcow2) does not exist on testbed host2: choose "copy storage", or put the disk on storage both hosts see.`,
        },
      ]);
      const error = await callError(t.client.call('migration.start', { hostId: host1.id, uuid, options }));
      expect(error).toMatchObject({ errorName: 'Conflict', code: 'migration.blocked', message: expect.stringContaining('does not exist on testbed host2') });
      expect(await vmOn(host1.id, uuid)).toMatchObject({ state: 'shutoff' });
      expect(await vmOn(host2.id, uuid)).toBeUndefined();
      // The same check for a disk in the shared folder finds it on host2.
      const shared = await t.client.call('migration.check', { hostId: host1.id, uuid: a.vm.uuid, options: { ...options, mode: 'live', allowUnsafe: true } });
      expect(shared.blockers).toEqual([]);
    } finally {
      await t.client.call('vms.undefine', { hostId: vm.hostId, uuid });
    }
  });

  it('copies a running guest\'s private disk to host2 (copy storage), once host2 has a pool over the folder', async () => {
    const guest = await privateDiskGuest(`mig-copy-${process.pid}`);
    const vm = await t.client.call('vms.defineXml', { hostId: host1.id, xml: guest.xml });
    await t.client.call('vms.start', { hostId: host1.id, uuid: vm.uuid });
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 60_000);
    const options = { destinationHostId: host2.id, storage: 'copy-all' as const };
    const noPool = await t.client.call('migration.check', { hostId: host1.id, uuid: vm.uuid, options });
    expect(noPool.blockers.map((b) => b.code)).toEqual(['storage.no-pool-for-copy']);
    expect(noPool.blockers[0]!.message).toContain('in a storage pool over /var/lib/libvirt/images, and testbed host2 has none');

    // host2's own /var/lib/libvirt/images, and a transient pool over it (test setup, through the binding).
    const host2Images = join(env!.dir, 'host2', 'lib', 'libvirt', 'images');
    await mkdir(host2Images, { recursive: true });
    extraFiles.push(join(host2Images, `${guest.name}.qcow2`));
    const host2Conn = await openConnection(env!.host2Uri);
    const pool = await host2Conn.createStoragePoolXML(
      `<pool type="dir"><name>mig-test-${process.pid}</name><target><path>/var/lib/libvirt/images</path></target></pool>`,
    );
    try {
      const check = await t.client.call('migration.check', { hostId: host1.id, uuid: vm.uuid, options });
      expect(check.blockers).toEqual([]);
      const before = await lastCounter(guest);
      const { job } = await t.client.call('migration.start', { hostId: host1.id, uuid: vm.uuid, options });
      const ended = await waitForJobEnd(t, job.id, 180_000);
      expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');
      expect(ended.result).toMatchObject({ storage: 'copy-all' });
      await waitOnlyOn(host2.id, host1.id, vm.uuid);
      await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${before + 3}$`, 'm'), 30_000);
      // The copy exists in host2's private folder.
      await expect(stat(join(host2Images, `${guest.name}.qcow2`))).resolves.toMatchObject({ size: expect.any(Number) });
      await t.client.call('vms.destroy', { hostId: host2.id, uuid: vm.uuid });
    } finally {
      await pool.destroy();
      await host2Conn.close();
    }
  });

  it('moves a stopped guest offline: its definition leaves host1 for host2', async () => {
    const guest = await createTinyGuest(env!, { name: `mig-off-${process.pid}` });
    guests.push(guest);
    const vm = await t.client.call('vms.defineXml', { hostId: host1.id, xml: guest.xml });
    const live = await t.client.call('migration.check', { hostId: host1.id, uuid: vm.uuid, options: { destinationHostId: host2.id } });
    expect(live.blockers.map((b) => b.code)).toEqual(['vm.not-running']);
    const { job } = await t.client.call('migration.start', { hostId: host1.id, uuid: vm.uuid, options: { destinationHostId: host2.id, mode: 'offline' } });
    const ended = await waitForJobEnd(t, job.id, 180_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');
    expect(ended.result).toMatchObject({ mode: 'offline', destinationHostId: host2.id });
    const deadline = Date.now() + 30_000;
    while ((await vmOn(host1.id, vm.uuid)) || !(await vmOn(host2.id, vm.uuid))) {
      if (Date.now() > deadline) throw new Error('the inventory did not show the stopped guest moved');
      await sleep(100);
    }
    expect(await vmOn(host2.id, vm.uuid)).toMatchObject({ state: 'shutoff', persistent: true });
    await t.client.call('vms.undefine', { hostId: host2.id, uuid: vm.uuid });
  });

  it('cancels a slow migration (1 MiB/s): the guest stays running on host1', async () => {
    const { job } = await t.client.call('migration.start', {
      hostId: host1.id,
      uuid: a.vm.uuid,
      options: { destinationHostId: host2.id, allowUnsafe: true, bandwidthMiBs: 1 },
    });
    expect(job).toMatchObject({ kind: 'migration', targets: [{ hostId: host1.id, uuid: a.vm.uuid }, { hostId: host2.id, uuid: a.vm.uuid }] });
    const moving = await t.nextEvent('jobs.changed', (j) => j.id === job.id && Number(j.progress.figures.dataProcessed) > 0, 60_000);
    expect(moving.progress.figures).toMatchObject({ dataRemaining: expect.any(Number), dataTotal: expect.any(Number) });
    const cancelling = await t.client.call('jobs.cancel', { jobId: job.id });
    expect(cancelling.progress.phase).toBe('cancelling');
    const ended = await waitForJobEnd(t, job.id, 180_000);
    expect(ended).toMatchObject({ state: 'cancelled', error: { code: 'migration.cancelled', message: expect.stringMatching(/stays on testbed host1/) } });
    expect((await vmOn(host1.id, a.vm.uuid))?.state).toBe('running');
    expect(await vmOn(host2.id, a.vm.uuid)).toBeUndefined();
    const before = Number((await waitForSerial(a.guest.serialLogPath, /tandem-counter (\d+)\r?\n(?![\s\S]*tandem-counter)/, 5000))[1]);
    await waitForSerial(a.guest.serialLogPath, new RegExp(`^tandem-counter ${before + 2}$`, 'm'), 30_000);
    const error = await callError(t.client.call('jobs.cancel', { jobId: job.id }));
    expect(error).toMatchObject({ errorName: 'Conflict', code: 'job.finished' });
  });

  it('migrates the guest live to host2: progress, a report with downtime, no lost counter, inventory on host2 only', async () => {
    const tail = tailCounters(a.guest.serialLogPath);
    await sleep(10_000); // intervals before the migration: the guest's own cadence and jitter
    const progress: Job[] = [];
    const off = t.client.on('jobs.changed', (j) => progress.push(j));
    const startedAt = performance.now();
    const { job } = await t.client.call('migration.start', {
      hostId: host1.id,
      uuid: a.vm.uuid,
      options: { destinationHostId: host2.id, allowUnsafe: true, bandwidthMiBs: 512, maxDowntimeMs: 300 },
    });
    const ended = await waitForJobEnd(t, job.id, 180_000);
    off();
    const migratedAt = performance.now();
    await waitOnlyOn(host2.id, host1.id, a.vm.uuid);
    await waitForSerial(a.guest.serialLogPath, new RegExp(`^tandem-counter ${tail.seen.at(-1)!.n + 4}$`, 'm'), 30_000);
    await tail.stop();

    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');
    const report = MigrationReportSchema.parse(ended.result);
    expect(report).toMatchObject({ vmName: a.guest.name, sourceHostId: host1.id, destinationHostId: host2.id, mode: 'live', storage: 'shared' });
    expect(report.downtimeMs).toBeGreaterThan(0);
    expect(report.totalTimeMs).toBeGreaterThan(0);
    expect(report.totalTimeMs).toBeLessThanOrEqual(migratedAt - startedAt); // the move itself, not the waits after it
    expect(report.dataTransferred).toBeGreaterThan(0);
    expect(progress.some((j) => j.id === job.id && j.state === 'running')).toBe(true);

    // (1) continuity: one boot only, every counter value once, in order.
    // (whole lines: the guest counts on, and the line it is printing may be cut off at the end)
    const log = completeLines((await readFile(a.guest.serialLogPath, 'utf8')).replace(/\r/g, ''));
    expect(log.match(/^TANDEM-GUEST-READY/gm)).toHaveLength(1);
    const all = [...log.matchAll(/^tandem-counter (\d+)$/gm)].map((m) => Number(m[1]));
    all.forEach((n, i) => expect(n).toBe(i + 1));

    // (2) the largest gap around the switch-over vs the reported downtime.
    const seen = tail.seen;
    const intervals = seen.slice(1).map((s, i) => ({ ms: s.at - seen[i]!.at, at: s.at }));
    const before = intervals.filter((x) => x.at < startedAt).map((x) => x.ms);
    const during = intervals.filter((x) => x.at >= startedAt).map((x) => x.ms);
    expect(before.length).toBeGreaterThan(3);
    // The guest's usual interval and its jitter, before the migration. The pause it sees is QEMU's downtime
    // plus libvirt's hand-over to the destination (QEMU stops counting once its data is sent); the report's
    // observedPauseMs (source "suspended: migrated" event to destination "resumed: migrated" event) covers both.
    expect(report.observedPauseMs).toBeGreaterThan(0);
    const usual = median(before);
    const jitter = Math.max(...before) - usual;
    const excess = Math.max(...during) - usual;
    const pause = Math.max(report.downtimeMs!, report.observedPauseMs!);
    const allowance = pause + 2 * POLL_MS + jitter + SLACK_MS;
    console.log(
      `live migration: total ${report.totalTimeMs} ms, QEMU downtime ${report.downtimeMs} ms, pause ` +
        `seen from the hosts' events ${report.observedPauseMs} ms; serial interval usually ${usual.toFixed(0)} ms (jitter up to +${jitter.toFixed(0)} ms); ` +
        `largest across the switch-over ${Math.max(...during).toFixed(0)} ms: excess ${excess.toFixed(0)} ms <= allowance ${allowance.toFixed(0)} ms ` +
        `(pause + 2 polls + jitter + ${SLACK_MS} ms slack)`,
    );
    expect(excess).toBeLessThanOrEqual(allowance);
  });

  it('evacuates host2 with two guests: host2 is left empty, both run on host1 and keep counting', async () => {
    const b = await bootGuest(host2.id, `mig-b-${process.pid}`);
    const counters = await Promise.all([a, b].map((g) => lastCounter(g.guest)));
    const { job, plan } = await t.client.call('migration.evacuate', {
      hostId: host2.id,
      options: { allowUnsafe: true, bandwidthMiBs: 512 },
    });
    expect(plan.map((p) => p.destinationHostId)).toEqual([host1.id, host1.id]);
    expect(job).toMatchObject({ kind: 'evacuation', targets: [{ hostId: host2.id }] });
    const ended = await waitForJobEnd(t, job.id, 300_000);
    expect(ended.state, JSON.stringify(ended.error)).toBe('succeeded');
    expect(ended.result).toMatchObject({ migrated: 2, total: 2 });
    const results = (ended.result as { vms: Array<{ uuid: string; outcome: string }> }).vms;
    expect(results.map((r) => r.outcome)).toEqual(['migrated', 'migrated']);

    for (const g of [a, b]) await waitOnlyOn(host1.id, host2.id, g.vm.uuid);
    expect((await t.client.call('vms.list', { hostId: host2.id })).filter((v) => v.uuid === a.vm.uuid || v.uuid === b.vm.uuid)).toEqual([]);
    for (const [i, g] of [a, b].entries()) {
      await waitForSerial(g.guest.serialLogPath, new RegExp(`^tandem-counter ${counters[i]! + 3}$`, 'm'), 30_000);
      expect((await readFile(g.guest.serialLogPath, 'utf8')).match(/^TANDEM-GUEST-READY/gm)).toHaveLength(1);
    }
  });

  it('refuses to evacuate a host that runs nothing, with nothing changed', async () => {
    const error = await callError(t.client.call('migration.evacuate', { hostId: host2.id }));
    expect(error).toMatchObject({ errorName: 'Conflict', code: 'evacuate.nothing-to-move' });
  });
});
