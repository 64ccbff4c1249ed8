import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostSummary, VmRef, VmSummary } from '../../../preload/contract';
import { Emitter } from '../Emitter';
import { NotFoundError } from '../errors';
import { ManualClock } from '../testing/scripted';
import { AlertCenter, type AlertsChanged } from './AlertCenter';
import { AlertedCrashes, type CrashRecord } from './AlertedCrashes';
import type { HostSampled } from './Monitoring';

const UUID = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';

function setup(options: { crashes?: CrashRecord; vms?: VmSummary[] } = {}) {
  const hostChanged = new Emitter<HostSummary>();
  const hostRemoved = new Emitter<string>();
  const vmChanged = new Emitter<VmSummary>();
  const vmRemoved = new Emitter<VmRef>();
  const hostListed = new Emitter<{ hostId: string; uuids: ReadonlySet<string> }>();
  const samples = new Emitter<HostSampled>();
  const clock = new ManualClock();
  const changes: AlertsChanged[] = [];
  const center = new AlertCenter({
    hosts: { list: () => [], hostChanged, hostRemoved },
    vms: { list: () => options.vms ?? [], vmChanged, vmRemoved, hostListed },
    samples,
    clock,
    ...(options.crashes ? { crashes: options.crashes } : {}),
  });
  center.changed.on((c) => changes.push(c));
  const host = (status: HostSummary['status'], statusReason?: string) =>
    hostChanged.emit({ id: 'h1', name: 'lab', uri: 'qemu+tcp://lab/system', kind: 'libvirt', status, ...(statusReason ? { statusReason } : {}) });
  const vm = (state: VmSummary['state'], stateReason: string) => vmChanged.emit(webVm(state, stateReason));
  const memory = (usedKiB: number) => samples.emit({ hostId: 'h1', at: 0, row: Float64Array.from([NaN, 1000, usedKiB, 1000 - usedKiB]) });
  const raised = () => changes.flatMap((c) => c.raised.map((a) => a.id));
  return { center, changes, host, vm, memory, raised, clock, hostRemoved, vmRemoved, hostListed, samples };
}

const webVm = (state: VmSummary['state'], stateReason: string): VmSummary => ({
  hostId: 'h1',
  uuid: UUID,
  name: 'web',
  state,
  stateReason,
  vcpus: 1,
  memoryKiB: 1024,
  persistent: true,
});

describe('AlertCenter', () => {
  it('raises host-unreachable once while the host retries, and clears it when it is connected again', async () => {
    const { center, host, raised, clock } = setup();
    host('connected');
    await clock.advance(5000);
    host('unreachable', 'the host stopped answering (keepalive timeout)');
    host('connecting');
    host('unreachable', 'connection refused');
    expect(raised()).toEqual(['host-unreachable:h1']);
    expect(center.list()).toMatchObject([
      { kind: 'host-unreachable', severity: 'critical', hostId: 'h1', title: 'lab is unreachable', raisedAt: 5000 },
    ]);
    host('connected');
    expect(center.list()).toEqual([]);
  });

  it('raises vm-io-error for a VM paused on an I/O error, not for a user pause, and clears it on resume', () => {
    const { center, vm, raised } = setup();
    vm('paused', 'user');
    expect(center.list()).toEqual([]);
    vm('paused', 'ioerror');
    vm('paused', 'ioerror');
    expect(raised()).toEqual([`vm-io-error:h1/${UUID}`]);
    expect(center.list()[0]).toMatchObject({ kind: 'vm-io-error', uuid: UUID, title: 'web paused on an I/O error' });
    vm('running', 'unpaused');
    expect(center.list()).toEqual([]);
  });

  it('raises vm-crashed for a crashed VM or one shut off by a crash (not by a user destroy); clears when it runs or is removed', () => {
    const { center, vm, raised, vmRemoved } = setup();
    vm('shutoff', 'destroyed');
    expect(center.list()).toEqual([]);
    vm('shutoff', 'crashed');
    expect(center.list().map((a) => a.kind)).toEqual(['vm-crashed']);
    vm('running', 'booted');
    expect(center.list()).toEqual([]);
    vm('crashed', 'panicked');
    expect(center.list().map((a) => a.kind)).toEqual(['vm-crashed']);
    vmRemoved.emit({ hostId: 'h1', uuid: UUID });
    expect(center.list()).toEqual([]);
    expect(raised()).toEqual([`vm-crashed:h1/${UUID}`, `vm-crashed:h1/${UUID}`]);
  });

  it('raises host memory pressure at 90 % and clears it only below 85 % (no flapping at the threshold)', () => {
    const { center, memory, raised, samples, host } = setup();
    host('connected');
    memory(899);
    expect(center.list()).toEqual([]);
    memory(900);
    memory(880);
    memory(950);
    expect(raised()).toEqual(['host-memory-pressure:h1']);
    expect(center.list()[0]!.message).toContain('90 % of lab'); // the figure when it was raised
    memory(849);
    expect(center.list()).toEqual([]);
    // Unknown memory figures give no verdict either way.
    memory(950);
    samples.emit({ hostId: 'h1', at: 0, row: Float64Array.from([NaN, 1000, NaN, NaN]) });
    expect(center.list()).toHaveLength(1);
  });

  it('clears memory pressure when the host drops (no samples say either way) and raises it again from a new sample', () => {
    const { center, memory, host, raised } = setup();
    host('connected');
    memory(950);
    host('unreachable', 'the host stopped answering (keepalive timeout)');
    expect(center.list().map((a) => a.kind)).toEqual(['host-unreachable']);
    host('connecting');
    expect(center.list().map((a) => a.kind)).toEqual(['host-unreachable']);
    host('connected');
    expect(center.list()).toEqual([]);
    memory(950);
    expect(center.list().map((a) => a.kind)).toEqual(['host-memory-pressure']);
    expect(raised()).toEqual(['host-memory-pressure:h1', 'host-unreachable:h1', 'host-memory-pressure:h1']);
  });

  describe('crashes alerted by an earlier run (alerts.json)', () => {
    let dataDir: string;
    let records: AlertedCrashes[];
    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'tandem-alerts-'));
      records = [];
    });
    afterEach(async () => {
      await Promise.all(records.map((r) => r.flushed()));
      await rm(dataDir, { recursive: true, force: true });
    });

    /** A run of Tandem: its record loaded from the data folder, the VMs its inventory lists at start. */
    async function run(vms: VmSummary[] = []) {
      const crashes = new AlertedCrashes(dataDir);
      await crashes.load();
      records.push(crashes);
      return { ...setup({ crashes, vms }), crashes };
    }

    it('are not raised again at the next start while the VM is still shut off by that crash', async () => {
      const first = await run();
      first.vm('running', 'booted');
      first.vm('shutoff', 'crashed');
      expect(first.raised()).toEqual([`vm-crashed:h1/${UUID}`]);
      first.center.dispose();
      await first.crashes.flushed();
      expect(JSON.parse(await readFile(join(dataDir, 'alerts.json'), 'utf8'))).toEqual({ version: 1, crashedVms: [`h1/${UUID}`] });

      // Listed at start, and again as its host's first listing arrives.
      const second = await run([webVm('shutoff', 'crashed')]);
      second.vm('shutoff', 'crashed');
      expect(second.center.list()).toEqual([]);
      expect(second.raised()).toEqual([]);
      // A new crash after it ran again is a new alert.
      second.vm('running', 'booted');
      second.vm('shutoff', 'crashed');
      expect(second.raised()).toEqual([`vm-crashed:h1/${UUID}`]);
    });

    it('a crash while Tandem was not running is raised at start, once', async () => {
      const first = await run();
      first.vm('running', 'booted');
      first.center.dispose();
      await first.crashes.flushed();
      const second = await run([webVm('shutoff', 'crashed')]);
      second.vm('shutoff', 'crashed');
      expect(second.center.list().map((a) => a.kind)).toEqual(['vm-crashed']);
      second.center.dispose();
      await second.crashes.flushed();
      const third = await run([webVm('shutoff', 'crashed')]);
      expect(third.center.list()).toEqual([]);
    });

    it('forgets a crash once the VM runs again or is removed', async () => {
      const first = await run();
      first.vm('shutoff', 'crashed');
      first.vm('running', 'booted');
      await first.crashes.flushed();
      expect(first.crashes.has(`h1/${UUID}`)).toBe(false);
      first.vm('crashed', 'panicked');
      first.vmRemoved.emit({ hostId: 'h1', uuid: UUID });
      await first.crashes.flushed();
      expect(JSON.parse(await readFile(join(dataDir, 'alerts.json'), 'utf8'))).toEqual({ version: 1, crashedVms: [] });
    });

    it('forgets the crashed VMs a host no longer has at its first listing (removed while Tandem was closed), and those of a removed host', async () => {
      const OTHER = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100002';
      await writeFile(
        join(dataDir, 'alerts.json'),
        JSON.stringify({ version: 1, crashedVms: [`h1/${UUID}`, `h1/${OTHER}`, `h2/${UUID}`, `h1-b/${OTHER}`] }),
      );
      const next = await run();
      next.hostListed.emit({ hostId: 'h1', uuids: new Set([UUID]) });
      await next.crashes.flushed();
      expect(JSON.parse(await readFile(join(dataDir, 'alerts.json'), 'utf8')).crashedVms).toEqual([`h1-b/${OTHER}`, `h1/${UUID}`, `h2/${UUID}`]);
      next.hostRemoved.emit('h2');
      await next.crashes.flushed();
      expect(JSON.parse(await readFile(join(dataDir, 'alerts.json'), 'utf8')).crashedVms).toEqual([`h1-b/${OTHER}`, `h1/${UUID}`]);
      // Still remembered: no alert for the VM the host still has, shut off by that old crash.
      next.vm('shutoff', 'crashed');
      expect(next.raised()).toEqual([]);
    });

    it('an unreadable record is moved aside and the crash alerted again rather than blocking the start', async () => {
      await writeFile(join(dataDir, 'alerts.json'), '{"version": 1, "crashedVms": 7');
      const second = await run([webVm('shutoff', 'crashed')]);
      expect(second.center.list().map((a) => a.kind)).toEqual(['vm-crashed']);
      expect((await readdir(dataDir)).some((f) => f.startsWith('alerts.json.unreadable-'))).toBe(true);
    });
  });

  it('a dismissed alert stays hidden until its condition ends and comes back; unknown ids are NotFound', () => {
    const { center, vm, changes } = setup();
    vm('paused', 'ioerror');
    const id = center.list()[0]!.id;
    center.dismiss(id);
    expect(center.list()).toEqual([]);
    expect(changes.at(-1)).toEqual({ alerts: [], raised: [] });
    vm('paused', 'ioerror');
    expect(center.list()).toEqual([]);
    expect(() => center.dismiss(id)).toThrow(NotFoundError);
    vm('running', 'unpaused');
    vm('paused', 'ioerror');
    expect(center.list().map((a) => a.id)).toEqual([id]);
  });

  it('removing a host clears its alerts', () => {
    const { center, host, vm, hostRemoved } = setup();
    host('unreachable');
    vm('shutoff', 'crashed');
    expect(center.list()).toHaveLength(2);
    hostRemoved.emit('h1');
    expect(center.list()).toEqual([]);
  });
});
