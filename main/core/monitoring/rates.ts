/**
 * Samples from two reads of cumulative counters. A counter that went backwards (the VM was restarted, so
 * its counters began again at 0), a counter missing from either read, or no time elapsed gives NaN ("no
 * value"), never a negative rate. NaN travels as null across the contract.
 */
import { HOST_SAMPLE_FIELDS, VM_SAMPLE_FIELDS } from '../../../preload/contract';
import type { RawHostCounters, RawVmCounters } from './MonitoringPort';

export type VmSampleRow = Float64Array; // VM_SAMPLE_FIELDS order
export type HostSampleRow = Float64Array; // HOST_SAMPLE_FIELDS order

/** Per-second rate of a cumulative counter between two reads `elapsedS` apart. */
export function ratePerSecond(previous: number | undefined, current: number | undefined, elapsedS: number): number {
  if (previous === undefined || current === undefined || !(elapsedS > 0)) return NaN;
  const delta = current - previous;
  if (!Number.isFinite(delta) || delta < 0) return NaN;
  return delta / elapsedS;
}

function value(v: number | undefined): number {
  return v === undefined || !Number.isFinite(v) ? NaN : v;
}

export function vmSample(previous: RawVmCounters | undefined, current: RawVmCounters, elapsedS: number): VmSampleRow {
  const row = new Float64Array(VM_SAMPLE_FIELDS.length);
  const rate = (key: keyof RawVmCounters) =>
    ratePerSecond(previous?.[key] as number | undefined, current[key] as number | undefined, elapsedS);
  // cpu.time is in ns: ns per second / 1e9 = CPUs busy; x100 = percent of one CPU.
  row[0] = rate('cpuTimeNs') / 1e7;
  row[1] = value(current.balloonCurrentKiB);
  row[2] =
    current.balloonAvailableKiB !== undefined && current.balloonUnusedKiB !== undefined
      ? Math.max(0, current.balloonAvailableKiB - current.balloonUnusedKiB)
      : NaN;
  row[3] = value(current.rssKiB);
  row[4] = rate('diskReadBytes');
  row[5] = rate('diskWriteBytes');
  row[6] = rate('diskReadReqs');
  row[7] = rate('diskWriteReqs');
  row[8] = rate('netRxBytes');
  row[9] = rate('netTxBytes');
  return row;
}

export function hostSample(previous: RawHostCounters | undefined, current: RawHostCounters): HostSampleRow {
  const row = new Float64Array(HOST_SAMPLE_FIELDS.length);
  const busy = ratePerSecond(previous?.cpu?.busyNs, current.cpu?.busyNs, 1);
  const total = ratePerSecond(previous?.cpu?.totalNs, current.cpu?.totalNs, 1);
  // Both deltas over the same interval: their ratio is the busy share whatever the interval. A host whose
  // counters do not move (libvirt's test driver) has no CPU figure rather than a made-up 0 %.
  row[0] = total > 0 && busy <= total ? (busy / total) * 100 : NaN;
  const memory = current.memory;
  row[1] = value(memory?.totalKiB);
  row[3] = value(memory?.availableKiB);
  row[2] = memory && memory.availableKiB !== undefined ? Math.max(0, memory.totalKiB - memory.availableKiB) : NaN;
  return row;
}

/** NaN becomes null (JSON has no NaN); other numbers are rounded to what a chart can show. */
export function toWire(row: ArrayLike<number>): Array<number | null> {
  const out: Array<number | null> = new Array<number | null>(row.length);
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    out[i] = Number.isNaN(v) ? null : Math.round(v * 100) / 100;
  }
  return out;
}
