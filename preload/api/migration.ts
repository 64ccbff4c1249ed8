/** Migration: moving VMs between hosts (live or offline), with a check that explains what stands in the way. */
import { z } from 'zod';
import { HostIdSchema, VmUuidSchema } from '../schemas';
import { JobSchema } from './jobs';

const SettingsShape = {
  /** live: the VM keeps running during the copy; offline: a running VM is paused for it, a stopped one moves its definition. */
  mode: z.enum(['live', 'offline']).default('live'),
  /** shared: both hosts see the disks; copy-all / copy-incremental: the disks are copied too. */
  storage: z.enum(['shared', 'copy-all', 'copy-incremental']).default('shared'),
  /** Both hosts see the same disk files though libvirt cannot tell (VIR_MIGRATE_UNSAFE). */
  allowUnsafe: z.boolean().default(false),
  /** MiB/s, may be above QEMU's default cap of 128 MiB/s; absent: no cap. */
  bandwidthMiBs: z.number().int().min(1).max(1_000_000).optional(),
  /** The longest pause allowed at switch-over, ms. */
  maxDowntimeMs: z.number().int().min(1).max(600_000).optional(),
};

export const MigrationOptionsSchema = z.strictObject({ destinationHostId: HostIdSchema, ...SettingsShape });
export type MigrationOptions = z.input<typeof MigrationOptionsSchema>;

const MigrationRequestSchema = z.strictObject({ hostId: HostIdSchema, uuid: VmUuidSchema, options: MigrationOptionsSchema });

export const MigrationIssueSchema = z.strictObject({ code: z.string(), message: z.string() });

export const MigrationCheckSchema = z.strictObject({
  ok: z.boolean(),
  /** Each a reason the migration cannot start. */
  blockers: z.array(MigrationIssueSchema),
  /** What may go wrong but need not. */
  warnings: z.array(MigrationIssueSchema),
});
export type MigrationCheckResult = z.infer<typeof MigrationCheckSchema>;

/** The `result` of a succeeded migration job. */
export const MigrationReportSchema = z.object({
  vmName: z.string(),
  uuid: VmUuidSchema,
  sourceHostId: HostIdSchema,
  destinationHostId: HostIdSchema,
  mode: z.enum(['live', 'offline']),
  storage: z.enum(['shared', 'copy-all', 'copy-incremental']),
  /** Start to running on the destination, as Tandem measured it. */
  totalTimeMs: z.number(),
  /** The hypervisor's figures for the completed job. */
  downtimeMs: z.number().optional(),
  hypervisorTimeMs: z.number().optional(),
  dataTransferred: z.number().optional(),
  iterations: z.number().optional(),
  /** The guest's pause from the source's "suspended: migrated" event to the destination's "resumed: migrated" one. */
  observedPauseMs: z.number().optional(),
});
export type MigrationReport = z.infer<typeof MigrationReportSchema>;

export const EvacuationPlanEntrySchema = z.strictObject({
  uuid: VmUuidSchema,
  name: z.string(),
  memoryKiB: z.number(),
  destinationHostId: HostIdSchema.optional(),
  reason: z.string().optional(),
});

export const migrationMethods = {
  'migration.check': { input: MigrationRequestSchema, output: MigrationCheckSchema },
  /** Checks, then starts the migration job; blockers refuse it (Conflict, code migration.blocked, details.blockers). */
  'migration.start': { input: MigrationRequestSchema, output: z.strictObject({ job: JobSchema }) },
  /** Moves every running VM off the host, as one job; the plan says where each goes, or why it cannot. */
  'migration.evacuate': {
    input: z.strictObject({ hostId: HostIdSchema, options: z.strictObject({ ...SettingsShape }).optional() }),
    output: z.strictObject({ job: JobSchema, plan: z.array(EvacuationPlanEntrySchema) }),
  },
} as const;
