/**
 * Alerts: conditions that need the user's attention (host memory pressure, a VM paused on an I/O error, a
 * VM that crashed, a host that became unreachable). Each is raised once, stays listed while its condition
 * lasts (unless dismissed) and is removed when the condition ends.
 */
import { z } from 'zod';
import { HostIdSchema, NoArgsSchema, VmUuidSchema } from '../schemas';

export const AlertKindSchema = z.enum(['host-memory-pressure', 'host-unreachable', 'vm-io-error', 'vm-crashed']);
export type AlertKind = z.infer<typeof AlertKindSchema>;

export const AlertSchema = z.strictObject({
  /** Stable for one occurrence of a condition: `${kind}:${hostId}` or `${kind}:${hostId}/${uuid}`. */
  id: z.string().min(1).max(256),
  kind: AlertKindSchema,
  severity: z.enum(['warning', 'critical']),
  hostId: HostIdSchema,
  uuid: VmUuidSchema.optional(),
  title: z.string(),
  message: z.string(),
  /** Epoch ms when it was raised. */
  raisedAt: z.number(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const alertsMethods = {
  'alerts.list': { input: NoArgsSchema, output: z.array(AlertSchema) },
  /** Hides an alert; the same condition is not raised again until it has ended once. */
  'alerts.dismiss': { input: z.strictObject({ id: z.string().min(1).max(256) }), output: z.null() },
} as const;

export const alertsEvents = {
  /** The active alerts after a change; `raised` lists those that are new (what a notification shows). */
  'alerts.changed': z.strictObject({ alerts: z.array(AlertSchema), raised: z.array(AlertSchema) }),
} as const;
