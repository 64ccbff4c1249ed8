/** Jobs: long operations (migration, evacuation; later deploy, checkpoints, replication) with progress and cancel. */
import { z } from 'zod';
import { ContractErrorSchema, HostIdSchema, NoArgsSchema, VmUuidSchema } from '../schemas';

export const JobIdSchema = z.string().min(1).max(64).regex(/^job-[a-z0-9-]+$/, 'a job id looks like job-lx3k2-1');

export const JobStateSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobStateSchema>;

export const JobSchema = z.strictObject({
  id: JobIdSchema,
  /** e.g. "migration", "evacuation". */
  kind: z.string(),
  title: z.string(),
  targets: z.array(z.strictObject({ hostId: HostIdSchema, uuid: VmUuidSchema.optional() })),
  state: JobStateSchema,
  progress: z.strictObject({
    phase: z.string(),
    fraction: z.number().min(0).max(1).optional(),
    /** Named figures (bytes, milliseconds, counts) the UI shows as they are. */
    figures: z.record(z.string(), z.union([z.number(), z.string()])),
  }),
  /** The kind's own result (e.g. a migration report), once succeeded. */
  result: z.record(z.string(), z.unknown()).optional(),
  error: ContractErrorSchema.optional(),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
});
export type Job = z.infer<typeof JobSchema>;

export const jobsMethods = {
  'jobs.list': { input: NoArgsSchema, output: z.array(JobSchema) },
  /** Asks a running job to stop; it ends `cancelled` (a `jobs.changed` event says when). */
  'jobs.cancel': { input: z.strictObject({ jobId: JobIdSchema }), output: JobSchema },
} as const;

export const jobsEvents = {
  /** A job started, progressed or ended. */
  'jobs.changed': JobSchema,
} as const;
