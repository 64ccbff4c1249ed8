/**
 * Monitoring: live samples of every connected host and its running VMs, their history (ring buffers kept in
 * main), and the sampling interval. Samples travel as rows of numbers in a fixed field order (the *_FIELDS
 * constants below) to keep a tick of 500 VMs small; a value the host could not give is null.
 */
import { z } from 'zod';
import { HostIdSchema, HostRefSchema, NoArgsSchema, VmRefSchema, VmUuidSchema } from '../schemas';

/**
 * Per VM. cpuPercent: share of ONE host CPU, as `top` shows it (a 2-vCPU VM can reach 200 %).
 * memActualKiB: the balloon's current size (what the guest has); memUsedKiB: what the guest itself reports
 * as used (available - unused; null without a balloon driver in the guest); memRssKiB: the QEMU process's
 * resident memory on the host. Disk and network: sums over all disks / interfaces, per second.
 */
export const VM_SAMPLE_FIELDS = [
  'cpuPercent',
  'memActualKiB',
  'memUsedKiB',
  'memRssKiB',
  'diskReadBps',
  'diskWriteBps',
  'diskReadIops',
  'diskWriteIops',
  'netRxBps',
  'netTxBps',
] as const;
export type VmSampleField = (typeof VM_SAMPLE_FIELDS)[number];

/** Per host. cpuPercent: busy share of all the host's CPUs (0-100). memUsedKiB excludes buffers and cache. */
export const HOST_SAMPLE_FIELDS = ['cpuPercent', 'memTotalKiB', 'memUsedKiB', 'memFreeKiB'] as const;
export type HostSampleField = (typeof HOST_SAMPLE_FIELDS)[number];

const SampleValue = z.number().nullable();
const SampleRow = z.array(SampleValue);

export const MONITORING_INTERVAL_MIN_S = 1;
export const MONITORING_INTERVAL_MAX_S = 60;

export const MonitoringSettingsSchema = z.strictObject({
  intervalSeconds: z.number().int().min(MONITORING_INTERVAL_MIN_S).max(MONITORING_INTERVAL_MAX_S),
});
export type MonitoringSettings = z.infer<typeof MonitoringSettingsSchema>;

/** One tick of one host: its own sample and one row per running VM. */
export const MonitoringTickSchema = z.strictObject({
  hostId: HostIdSchema,
  /** Epoch milliseconds of the tick. */
  t: z.number(),
  host: SampleRow,
  vms: z.array(z.strictObject({ uuid: VmUuidSchema, values: SampleRow })),
});
export type MonitoringTick = z.infer<typeof MonitoringTickSchema>;

/** A series' history, oldest first: `t[i]` goes with `values[field][i]`. */
export const MonitoringHistorySchema = z.strictObject({
  intervalSeconds: z.number(),
  t: z.array(z.number()),
  values: z.array(SampleRow),
});
export type MonitoringHistory = z.infer<typeof MonitoringHistorySchema>;

/** Optional window: only samples at or after `sinceMs` (epoch ms). */
const Since = { sinceMs: z.number().nonnegative().optional() };

export const monitoringMethods = {
  'monitoring.getSettings': { input: NoArgsSchema, output: MonitoringSettingsSchema },
  'monitoring.setSettings': { input: MonitoringSettingsSchema, output: MonitoringSettingsSchema },
  /** values[i] follows VM_SAMPLE_FIELDS[i]. */
  'monitoring.vmHistory': { input: VmRefSchema.extend(Since), output: MonitoringHistorySchema },
  /** values[i] follows HOST_SAMPLE_FIELDS[i]. */
  'monitoring.hostHistory': { input: HostRefSchema.extend(Since), output: MonitoringHistorySchema },
} as const;

export const monitoringEvents = {
  /** Each tick of each connected host, with the fresh samples of the host and its running VMs. */
  'monitoring.tick': MonitoringTickSchema,
  'monitoring.settingsChanged': MonitoringSettingsSchema,
} as const;
