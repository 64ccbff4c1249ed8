/**
 * Labs: several VMs on a new private network, deployed as one job (`jobs.*`: one combined progress, cancel;
 * a failure anywhere removes every VM, volume and the network). The job's result is a LabReport.
 */
import { z } from 'zod';
import { LabRequestSchema } from '../../main/core/provisioning/deploy/labSchemas';

export { LabReportSchema, LabRequestSchema, type LabReport, type LabRequestInput } from '../../main/core/provisioning/deploy/labSchemas';

export const labsMethods = {
  /**
   * Checks the network (as `networks.create`) and every VM (as `provisioning.deploy`; fields `vms.N.<field>`)
   * on the host, creating nothing on a refusal, then starts the lab job.
   */
  'provisioning.deployLab': { input: LabRequestSchema, output: z.strictObject({ jobId: z.string() }) },
} as const;

export const labsEvents = {} as const;
