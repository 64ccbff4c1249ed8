import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VM_SAMPLE_FIELDS, type HostSummary, type MonitoringTick } from '../../../preload/contract';
import { Emitter } from '../Emitter';
import { InvalidInputError, NotFoundError } from '../errors';
import { deferred, flush, ManualClock } from '../testing/scripted';
import { Monitoring } from './Monitoring';
import type { MonitoringPort, RawHostCounters } from './MonitoringPort';
import { MonitoringSettingsStore } from './MonitoringSettingsStore';

const UUID = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';

function host(id: string, status: HostSummary['status']): HostSummary {
  return { id, name: id, uri: `qemu+tcp://${id}/system`, kind: 'libvirt', status };
}

class FakeHosts {
  readonly hostChanged = new Emitter<HostSummary>();
  readonly hostRemoved = new Emitter<string>();
  readonly all = new Map<string, HostSummary>();
  has(id: string) {
    return this.all.has(id);
  }
  list() {
    return [...this.all.values()];
  }
  set(summary: HostSummary) {
    this.all.set(summary.id, summary);
    this.hostChanged.emit(summary);
  }
}

/** Each read of a host takes its next scripted result; `reads` counts calls per host. */
class ScriptedPort implements MonitoringPort {
  readonly scripts = new Map<string, Array<RawHostCounters | Error | Promise<RawHostCounters>>>();
  readonly reads = new Map<string, number>();
  inFlight = new Map<string, number>();
  maxInFlight = 0;
  async read(hostId: string): Promise<RawHostCounters> {
    this.reads.set(hostId, (this.reads.get(hostId) ?? 0) + 1);
    const next = this.scripts.get(hostId)?.shift() ?? { vms: [] };
    const now = (this.inFlight.get(hostId) ?? 0) + 1;
    this.inFlight.set(hostId, now);
    this.maxInFlight = Math.max(this.maxInFlight, now);
    try {
      if (next instanceof Error) throw next;
      return await next;
    } finally {
      this.inFlight.set(hostId, (this.inFlight.get(hostId) ?? 1) - 1);
    }
  }
}

const counters = (cpuTimeNs: number): RawHostCounters => ({
  cpu: { busyNs: cpuTimeNs, totalNs: cpuTimeNs * 4 },
  memory: { totalKiB: 1000, availableKiB: 400 },
  vms: [{ uuid: UUID, state: 'running', cpuTimeNs, balloonCurrentKiB: 2048 }],
});

describe('Monitoring', () => {
  let dataDir: string | undefined;
  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  function setup() {
    const clock = new ManualClock();
    const hosts = new FakeHosts();
    const port = new ScriptedPort();
    const monitoring = new Monitoring({ hosts, port, clock, settings: { intervalSeconds: 2 } });
    const ticks: MonitoringTick[] = [];
    monitoring.ticked.on((t) => ticks.push(t));
    return { clock, hosts, port, monitoring, ticks };
  }

  it('samples a connected host every interval and computes rates from the second read on', async () => {
    const { clock, hosts, port, monitoring, ticks } = setup();
    port.scripts.set('h1', [counters(0), counters(1e9), counters(1.5e9)]);
    hosts.set(host('h1', 'connected'));
    await clock.advance(0);
    await clock.advance(2000);
    await clock.advance(2000);
    expect(ticks.map((t) => t.vms[0]!.values[0])).toEqual([null, 50, 25]);
    expect(ticks.map((t) => t.host[0])).toEqual([null, 25, 25]);
    const history = monitoring.vmHistorySince({ hostId: 'h1', uuid: UUID });
    expect(history.t).toEqual([0, 2000, 4000]);
    expect(history.values[VM_SAMPLE_FIELDS.indexOf('cpuPercent')]).toEqual([null, 50, 25]);
    expect(history.values[VM_SAMPLE_FIELDS.indexOf('memActualKiB')]).toEqual([2048, 2048, 2048]);
    expect(monitoring.vmHistorySince({ hostId: 'h1', uuid: UUID }, 2000).t).toEqual([2000, 4000]);
    expect(monitoring.hostHistorySince('h1').values[2]).toEqual([600, 600, 600]);
    monitoring.dispose();
  });

  it('never overlaps two reads of one host, and a slow host does not delay another', async () => {
    const { clock, hosts, port, monitoring, ticks } = setup();
    const slow = deferred<RawHostCounters>();
    port.scripts.set('slow', [slow.promise]);
    hosts.set(host('slow', 'connected'));
    hosts.set(host('fast', 'connected'));
    await clock.advance(0);
    for (let i = 0; i < 5; i++) await clock.advance(2000);
    expect(port.reads.get('slow')).toBe(1); // still waiting for its first read: no second one started
    expect(port.reads.get('fast')).toBe(6);
    expect(ticks.filter((t) => t.hostId === 'fast')).toHaveLength(6);
    expect(port.maxInFlight).toBe(1);
    slow.resolve({ vms: [] });
    await flush();
    // The late read is over its interval already: the next one starts at once.
    await clock.advance(0);
    expect(port.reads.get('slow')).toBe(2);
    monitoring.dispose();
  });

  it('keeps sampling after a failed read, stops when the host is unreachable, and resumes when it reconnects', async () => {
    const { clock, hosts, port, monitoring, ticks } = setup();
    port.scripts.set('h1', [new Error('boom'), counters(0)]);
    hosts.set(host('h1', 'connected'));
    await clock.advance(0);
    await clock.advance(2000);
    expect(ticks).toHaveLength(1);
    hosts.set(host('h1', 'unreachable'));
    await clock.advance(10_000);
    expect(port.reads.get('h1')).toBe(2);
    expect(monitoring.sampledHosts()).toEqual([]);
    hosts.set(host('h1', 'connected'));
    await clock.advance(0);
    expect(port.reads.get('h1')).toBe(3);
    expect(monitoring.sampledHosts()).toEqual(['h1']);
    monitoring.dispose();
  });

  it('drops a removed host and its history; an unknown host is NotFound, a VM without samples has an empty history', async () => {
    const { clock, hosts, port, monitoring } = setup();
    port.scripts.set('h1', [counters(0)]);
    hosts.set(host('h1', 'connected'));
    await clock.advance(0);
    expect(monitoring.vmHistorySince({ hostId: 'h1', uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f10ffff' }).t).toEqual([]);
    hosts.all.delete('h1');
    hosts.hostRemoved.emit('h1');
    expect(() => monitoring.hostHistorySince('h1')).toThrow(NotFoundError);
    expect(monitoring.sampledHosts()).toEqual([]);
    monitoring.dispose();
  });

  it('a VM removed while a read that includes it is in flight gets no history back from that read', async () => {
    const clock = new ManualClock();
    const hosts = new FakeHosts();
    const vms = { vmRemoved: new Emitter<{ hostId: string; uuid: string }>() };
    const port = new ScriptedPort();
    const monitoring = new Monitoring({ hosts, vms, port, clock, settings: { intervalSeconds: 2 } });
    const ticks: MonitoringTick[] = [];
    monitoring.ticked.on((t) => ticks.push(t));
    const inFlight = deferred<RawHostCounters>();
    port.scripts.set('h1', [counters(0), inFlight.promise, { vms: [] }]);
    hosts.set(host('h1', 'connected'));
    await clock.advance(0);
    expect(monitoring.vmHistorySince({ hostId: 'h1', uuid: UUID }).t).toEqual([0]);
    await clock.advance(2000); // the second read starts and waits for the host
    vms.vmRemoved.emit({ hostId: 'h1', uuid: UUID });
    expect(monitoring.vmHistorySince({ hostId: 'h1', uuid: UUID }).t).toEqual([]);
    inFlight.resolve(counters(1e9)); // read before the VM went away: it still lists it
    await flush();
    expect(monitoring.vmHistorySince({ hostId: 'h1', uuid: UUID }).t).toEqual([]);
    expect(ticks.at(-1)!.vms).toEqual([]);
    monitoring.dispose();
  });

  it('validates, persists (atomically, in the data folder) and applies a new interval', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-mon-'));
    const store = new MonitoringSettingsStore(dataDir);
    const clock = new ManualClock();
    const hosts = new FakeHosts();
    const port = new ScriptedPort();
    const monitoring = await Monitoring.create({ hosts, port, clock, store });
    expect(monitoring.getSettings()).toEqual({ intervalSeconds: 2 });
    await expect(monitoring.setSettings({ intervalSeconds: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(monitoring.setSettings({ intervalSeconds: 61 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(readFile(store.path, 'utf8')).rejects.toThrow(/ENOENT/); // nothing half-done
    hosts.set(host('h1', 'connected'));
    await clock.advance(0);
    await monitoring.setSettings({ intervalSeconds: 5 });
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual({ version: 1, settings: { intervalSeconds: 5 } });
    await clock.advance(4999);
    expect(port.reads.get('h1')).toBe(1);
    await clock.advance(1);
    expect(port.reads.get('h1')).toBe(2);
    monitoring.dispose();
    const again = await Monitoring.create({ hosts, port, clock, store });
    expect(again.getSettings()).toEqual({ intervalSeconds: 5 });
    again.dispose();
  });
});
