/**
 * What the sampler needs from a host: one read of its cumulative counters (bulk domain stats + node stats).
 * Rates are computed in core from two reads (rates.ts), so a port only reports what the host says. Any
 * counter may be missing (a driver without that stats group, a VM without disks): undefined, never 0.
 */
import type { VmState } from '../../../preload/contract';

export interface RawVmCounters {
  uuid: string;
  state: VmState;
  /** Total CPU time of the domain, ns (cpu.time). */
  cpuTimeNs?: number;
  vcpus?: number;
  balloonCurrentKiB?: number;
  balloonAvailableKiB?: number;
  balloonUnusedKiB?: number;
  rssKiB?: number;
  /** Sums over every disk / interface. */
  diskReadBytes?: number;
  diskWriteBytes?: number;
  diskReadReqs?: number;
  diskWriteReqs?: number;
  netRxBytes?: number;
  netTxBytes?: number;
}

export interface RawHostCounters {
  /** Cumulative CPU time of all host CPUs, ns: busy (user + kernel + ...) and the total including idle. */
  cpu?: { busyNs: number; totalNs: number };
  /** KiB. `availableKiB` counts free + buffers + cache (what can be given to guests without swapping). */
  memory?: { totalKiB: number; availableKiB?: number };
  /** The running VMs. */
  vms: RawVmCounters[];
}

export interface MonitoringPort {
  /** Reads the host's counters; throws a TandemError (HostUnreachable when it has no session). */
  read(hostId: string): Promise<RawHostCounters>;
}
