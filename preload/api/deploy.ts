/**
 * Deploy: turns a VmRequest the user accepted (a best-match proposal, or the request as it was) into a running
 * VM on a host, as a job (`jobs.*`: progress per step, cancel; on failure or cancel everything created is
 * removed). The result of the succeeded job is a DeployReport. Catalog, proposals and placement are in
 * ./provisioning.ts; the schemas live in core (zod only) so core and contract share one declaration.
 */
import { z } from 'zod';
import { DeployRequestSchema } from '../../main/core/provisioning/deploy/deploySchemas';

export { DeployReportSchema, DeployRequestSchema, type DeployReport, type DeployRequestInput } from '../../main/core/provisioning/deploy/deploySchemas';

export const deployMethods = {
  /**
   * Checks the request on the host (field errors in details.field: InvalidInput for bad names, sizes, OS,
   * hardware the host lacks; Conflict for a name or volume already taken; nothing is created), then starts
   * the deploy job.
   */
  'provisioning.deploy': { input: DeployRequestSchema, output: z.strictObject({ jobId: z.string() }) },
  /**
   * The domain XML `provisioning.deploy` would define for the same input, after the same checks and with the
   * same field errors; nothing is created (the UUID in it is a fresh one: the deploy draws its own). From install
   * media, `xml` is the final configuration (boots the disk) and `firstBootXml` the installer's first run.
   */
  'provisioning.previewXml': { input: DeployRequestSchema, output: z.strictObject({ xml: z.string(), firstBootXml: z.string().optional() }) },
} as const;

export const deployEvents = {} as const;
