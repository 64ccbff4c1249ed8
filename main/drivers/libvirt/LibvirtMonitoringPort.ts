/**
 * The monitoring port on libvirt: one bulk call for every running domain's counters
 * (virConnectGetAllDomainStats with the state, cpu-total, balloon, vcpu, interface and block groups) and the
 * node's CPU and memory counters, in parallel on libuv's pool. A node call the host's driver does not
 * support (libvirt's test driver has no memory stats) is not asked again on that session. Tandem's own KVM
 * probe domain (core/hosts/KvmProbe.ts), running for a moment, is no VM of the user's: it is left out.
 */
import {
  virConnectGetAllDomainStatsFlags as Flags,
  virDomainStatsTypes as Groups,
  type TypedParams,
} from '../../../native-helpers/libvirt/lib/index';
import { UnsupportedError } from '../../core/errors';
import { isKvmProbeDomain } from '../../core/hosts/KvmProbe';
import type { HostSession } from '../../core/hosts/HostDriver';
import type { MonitoringPort, RawHostCounters, RawVmCounters } from '../../core/monitoring/MonitoringPort';
import { stateName } from './domainState';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapLibvirtError } from './mapLibvirtError';

export const MONITORED_GROUPS =
  Groups.VIR_DOMAIN_STATS_STATE |
  Groups.VIR_DOMAIN_STATS_CPU_TOTAL |
  Groups.VIR_DOMAIN_STATS_BALLOON |
  Groups.VIR_DOMAIN_STATS_VCPU |
  Groups.VIR_DOMAIN_STATS_INTERFACE |
  Groups.VIR_DOMAIN_STATS_BLOCK;

/** The node's CPU fields that count idle time; every other field is busy time. */
const IDLE_FIELDS = new Set(['idle', 'iowait']);

export class LibvirtMonitoringPort implements MonitoringPort {
  /** Node calls found unsupported, per session (a reconnect may reach an upgraded daemon). */
  private readonly unsupported = new WeakMap<HostSession, Set<string>>();

  constructor(private readonly hosts: { session(hostId: string): HostSession }) {}

  async read(hostId: string): Promise<RawHostCounters> {
    const session = this.hosts.session(hostId);
    const conn = libvirtConnectionOf(session);
    let skip = this.unsupported.get(session);
    if (!skip) this.unsupported.set(session, (skip = new Set()));
    const optional = <T>(name: string, call: () => Promise<T>): Promise<T | undefined> => {
      if (skip.has(name)) return Promise.resolve(undefined);
      return call().catch((error: unknown) => {
        const typed = mapLibvirtError(error);
        if (!(typed instanceof UnsupportedError)) throw typed;
        skip.add(name);
        return undefined;
      });
    };
    try {
      const [records, cpu, memory, info] = await Promise.all([
        conn.getAllDomainStats(MONITORED_GROUPS, Flags.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE),
        optional('cpu', () => conn.getNodeCPUStats()),
        optional('memory', () => conn.getNodeMemoryStats()),
        optional('info', () => conn.getNodeInfo()),
      ]);
      return {
        cpu: cpu ? nodeCpu(cpu) : undefined,
        memory: nodeMemory(memory, info?.memoryKiB),
        vms: records.filter((r) => !isKvmProbeDomain(r.name)).map((r) => vmCounters(r.uuid, r.stats)),
      };
    } catch (error) {
      throw mapLibvirtError(error, { details: { hostId } });
    }
  }
}

function nodeCpu(fields: Record<string, number>): RawHostCounters['cpu'] {
  // Linux reports kernel, user, idle, iowait (ns); some hosts report only "utilization": not a counter.
  if (!('idle' in fields)) return undefined;
  let busyNs = 0;
  let totalNs = 0;
  for (const [name, ns] of Object.entries(fields)) {
    if (name === 'utilization') continue;
    totalNs += ns;
    if (!IDLE_FIELDS.has(name)) busyNs += ns;
  }
  return { busyNs, totalNs };
}

function nodeMemory(fields: Record<string, number> | undefined, infoTotalKiB: number | undefined): RawHostCounters['memory'] {
  const totalKiB = fields?.total ?? infoTotalKiB;
  if (totalKiB === undefined) return undefined;
  if (!fields || fields.free === undefined) return { totalKiB };
  return { totalKiB, availableKiB: fields.free + (fields.buffers ?? 0) + (fields.cached ?? 0) };
}

function num(stats: TypedParams, key: string): number | undefined {
  const v = stats[key];
  return typeof v === 'number' ? v : undefined;
}

/** Sum of `${prefix}.${i}.${suffix}` over i < `${prefix}.count`; undefined when no item reports it. */
function sum(stats: TypedParams, prefix: 'block' | 'net', suffix: string): number | undefined {
  const count = num(stats, `${prefix}.count`) ?? 0;
  let total: number | undefined;
  for (let i = 0; i < count; i++) {
    const v = num(stats, `${prefix}.${i}.${suffix}`);
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

export function vmCounters(uuid: string, stats: TypedParams): RawVmCounters {
  return {
    uuid,
    state: stateName(num(stats, 'state.state') ?? 0),
    cpuTimeNs: num(stats, 'cpu.time'),
    vcpus: num(stats, 'vcpu.current'),
    balloonCurrentKiB: num(stats, 'balloon.current'),
    balloonAvailableKiB: num(stats, 'balloon.available'),
    balloonUnusedKiB: num(stats, 'balloon.unused'),
    rssKiB: num(stats, 'balloon.rss'),
    diskReadBytes: sum(stats, 'block', 'rd.bytes'),
    diskWriteBytes: sum(stats, 'block', 'wr.bytes'),
    diskReadReqs: sum(stats, 'block', 'rd.reqs'),
    diskWriteReqs: sum(stats, 'block', 'wr.reqs'),
    netRxBytes: sum(stats, 'net', 'rx.bytes'),
    netTxBytes: sum(stats, 'net', 'tx.bytes'),
  };
}
