/**
 * Bulk domain statistics (src/domain_stats.cc): virConnectGetAllDomainStats and virDomainListGetStats,
 * added to Connection by module augmentation. Keys are libvirt's own ("state.state", "cpu.time",
 * "balloon.current", "vcpu.0.state", "block.0.rd.bytes", "net.0.rx.bytes", "dirtyrate.megabytes_per_second",
 * ...), so libvirt's documentation of each group (virConnectGetAllDomainStats) applies as is.
 */
import type { Domain } from './types';

/** A value of a typed parameter: integers of every width and doubles as numbers (above 2^53 they lose
 *  precision), booleans, strings; a field libvirt repeats becomes an array. */
export type TypedParamValue = number | string | boolean | Array<number | string | boolean>;

export type TypedParams = Record<string, TypedParamValue>;

export interface DomainStatsRecord {
  name: string;
  uuid: string;
  stats: TypedParams;
}

declare module './types' {
  interface Connection {
    /**
     * virConnectGetAllDomainStats. stats: virDomainStatsTypes bits (0: every group the driver supports);
     * flags: virConnectGetAllDomainStatsFlags (state filters, ENFORCE_STATS, NOWAIT, BACKING).
     */
    getAllDomainStats(stats: number, flags?: number): Promise<DomainStatsRecord[]>;
    /** virDomainListGetStats for the given domains of this connection (a non-empty list). */
    getDomainStats(domains: Domain[], stats: number, flags?: number): Promise<DomainStatsRecord[]>;
  }
  interface NativeBinding {
    /** Test hook: values -> virTypedParameter[] (typed by schema: field -> virTypedParameterType) -> values. */
    _typedParamsRoundTrip(values: Record<string, unknown>, schema: Record<string, number>): TypedParams;
  }
}
