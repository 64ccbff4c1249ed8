/**
 * Labs: several VMs on a new private network, deployed as one job (`jobs.*`: one combined progress, cancel;
 * a failure anywhere removes every VM, volume and the network). The job's result is a LabReport.
 */
import { z } from 'zod';
import { LabRequestSchema } from '../../main/core/provisioning/deploy/labSchemas';
import { VmRequestSchema } from '../../main/core/provisioning/schemas';
import { HostIdSchema } from '../schemas';
import { ProposalSchema, RefusalSchema, VmNameSchema } from './provisioning';

export { LabReportSchema, LabRequestSchema, type LabReport, type LabRequestInput } from '../../main/core/provisioning/deploy/labSchemas';
/** The names and account rules a lab's VMs are deployed under (as `provisioning.deploy` checks them). */
export { SeedUserNameSchema, SshKeySchema, VmNameSchema as DomainNameSchema } from '../../main/core/provisioning/deploy/deploySchemas';

/** One host's plan for a whole lab: each VM's configuration there (its proposal), in the lab's order. */
export const LabHostPlanSchema = z.strictObject({
  hostId: HostIdSchema,
  hostName: z.string(),
  vms: z.array(z.strictObject({ name: z.string(), proposal: ProposalSchema })),
  distance: z.number(),
  /** Host memory still free once every VM of the lab runs. */
  memoryLeftBytes: z.number(),
});
export type LabHostPlan = z.infer<typeof LabHostPlanSchema>;

export const LabPlacementSchema = z.strictObject({
  /** Absent when no host can run the lab (then `explanation` says why). */
  chosen: LabHostPlanSchema.optional(),
  overridden: z.boolean(),
  explanation: z.string(),
  alternatives: z.array(LabHostPlanSchema),
  refusals: z.array(RefusalSchema),
});
export type LabPlacement = z.infer<typeof LabPlacementSchema>;

export const labsMethods = {
  /**
   * The one host for all the lab's VMs (they share its private network), explained: each connected host is
   * matched VM after VM with what the previous ones leave; `overrideHostId` forces one (refused with its
   * reasons if it can't take them); `uplink`: the gateway's network, which the host must have active. A VM
   * name the chosen host has is a field error (`vms.N.name`).
   */
  'provisioning.placeLab': {
    input: z.strictObject({
      vms: z.array(z.strictObject({ name: VmNameSchema, request: VmRequestSchema })).min(1).max(16),
      overrideHostId: HostIdSchema.optional(),
      uplink: z.string().min(1).max(64).optional(),
    }),
    output: LabPlacementSchema,
  },
  /**
   * Checks the network (as `networks.create`) and every VM (as `provisioning.deploy`; fields `vms.N.<field>`)
   * on the host, creating nothing on a refusal, then starts the lab job.
   */
  'provisioning.deployLab': { input: LabRequestSchema, output: z.strictObject({ jobId: z.string() }) },
} as const;

export const labsEvents = {} as const;
