import { describe, expect, it } from 'vitest';
import { HOST_SAMPLE_FIELDS, VM_SAMPLE_FIELDS } from '../../../preload/contract';
import type { RawVmCounters } from './MonitoringPort';
import { hostSample, ratePerSecond, toWire, vmSample } from './rates';

const field = (row: Float64Array, name: (typeof VM_SAMPLE_FIELDS)[number]) => row[VM_SAMPLE_FIELDS.indexOf(name)];
const hostField = (row: Float64Array, name: (typeof HOST_SAMPLE_FIELDS)[number]) => row[HOST_SAMPLE_FIELDS.indexOf(name)];

const vm = (over: Partial<RawVmCounters>): RawVmCounters => ({ uuid: 'u', state: 'running', ...over });

describe('rates from cumulative counters', () => {
  it('divides the delta by the elapsed seconds', () => {
    expect(ratePerSecond(1000, 5000, 2)).toBe(2000);
  });

  it('gives no value (NaN), never a negative or infinite rate, on a reset, a missing counter or no elapsed time', () => {
    expect(ratePerSecond(5000, 100, 2)).toBeNaN(); // VM restarted: counters began again
    expect(ratePerSecond(undefined, 100, 2)).toBeNaN();
    expect(ratePerSecond(100, undefined, 2)).toBeNaN();
    expect(ratePerSecond(100, 200, 0)).toBeNaN();
    expect(ratePerSecond(100, 200, -1)).toBeNaN();
  });

  it('computes a VM sample: CPU % of one host CPU, memory, disk and network per second', () => {
    const before = vm({ cpuTimeNs: 10e9, diskReadBytes: 0, diskWriteBytes: 4096, diskReadReqs: 0, diskWriteReqs: 1, netRxBytes: 100, netTxBytes: 50 });
    const after = vm({
      cpuTimeNs: 13e9, // 3 s of CPU in 2 s: 1.5 CPUs busy
      balloonCurrentKiB: 131072,
      balloonAvailableKiB: 120000,
      balloonUnusedKiB: 20000,
      rssKiB: 200000,
      diskReadBytes: 8192,
      diskWriteBytes: 4096 + 2048,
      diskReadReqs: 4,
      diskWriteReqs: 3,
      netRxBytes: 2100,
      netTxBytes: 50,
    });
    const row = vmSample(before, after, 2);
    expect(field(row, 'cpuPercent')).toBeCloseTo(150);
    expect(field(row, 'memActualKiB')).toBe(131072);
    expect(field(row, 'memUsedKiB')).toBe(100000);
    expect(field(row, 'memRssKiB')).toBe(200000);
    expect(field(row, 'diskReadBps')).toBe(4096);
    expect(field(row, 'diskWriteBps')).toBe(1024);
    expect(field(row, 'diskReadIops')).toBe(2);
    expect(field(row, 'diskWriteIops')).toBe(1);
    expect(field(row, 'netRxBps')).toBe(1000);
    expect(field(row, 'netTxBps')).toBe(0);
  });

  it('a VM restarted between two reads (counters reset) and missing groups give nulls, never negatives', () => {
    const row = vmSample(vm({ cpuTimeNs: 50e9, diskReadBytes: 1e9 }), vm({ cpuTimeNs: 1e9, diskReadBytes: 10 }), 2);
    expect(field(row, 'cpuPercent')).toBeNaN();
    expect(field(row, 'diskReadBps')).toBeNaN();
    expect(field(row, 'memUsedKiB')).toBeNaN(); // no balloon driver in the guest
    const wire = toWire(row);
    expect(wire.every((v) => v === null || v >= 0)).toBe(true);
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
  });

  it('the first read of a VM has memory figures but no rates yet', () => {
    const row = vmSample(undefined, vm({ cpuTimeNs: 1e9, balloonCurrentKiB: 1024 }), 0);
    expect(field(row, 'cpuPercent')).toBeNaN();
    expect(field(row, 'memActualKiB')).toBe(1024);
  });

  it('computes host CPU % from busy and total time deltas, and memory used from available', () => {
    const row = hostSample(
      { cpu: { busyNs: 1e9, totalNs: 10e9 }, vms: [] },
      { cpu: { busyNs: 2e9, totalNs: 14e9 }, memory: { totalKiB: 1000, availableKiB: 250 }, vms: [] },
    );
    expect(hostField(row, 'cpuPercent')).toBeCloseTo(25);
    expect(hostField(row, 'memTotalKiB')).toBe(1000);
    expect(hostField(row, 'memUsedKiB')).toBe(750);
    expect(hostField(row, 'memFreeKiB')).toBe(250);
  });

  it('host counters that do not move (test driver) or only a total give no made-up figures', () => {
    const frozen = { cpu: { busyNs: 5, totalNs: 10 }, memory: { totalKiB: 1000 }, vms: [] };
    const row = hostSample(frozen, frozen);
    expect(hostField(row, 'cpuPercent')).toBeNaN();
    expect(hostField(row, 'memTotalKiB')).toBe(1000);
    expect(hostField(row, 'memUsedKiB')).toBeNaN();
  });
});
