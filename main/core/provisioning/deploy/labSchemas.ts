/** A lab: several VMs deployed together on a new private network, as one job (`provisioning.deployLab`). */
import { z } from 'zod';
import { NetworkCreateRequestSchema, NetworkModeSchema } from '../../networks/networkSchemas';
import { DeployReportSchema, DeployRequestSchema } from './deploySchemas';

export const LabRequestSchema = z.strictObject({
  hostId: z.string().min(1),
  /** The lab's name; its network is named after it. */
  name: z.string().min(1).max(256),
  /** The lab network's IPv4 subnet (CIDR), checked like `networks.create`. */
  subnet: z.string().min(1).max(32),
  mode: NetworkModeSchema.default('isolated'),
  /** NAT and routed: the host interface the lab's traffic leaves by (checked like `networks.create`); absent, the host's routes choose. */
  forwardDevice: NetworkCreateRequestSchema.shape.forwardDevice,
  bridge: z.string().min(1).max(64).optional(),
  /** Each VM as `provisioning.deploy` takes it (without the host): a NIC on the lab network is added to its own. */
  vms: z.array(DeployRequestSchema.omit({ hostId: true })).min(1).max(16),
  /** One VM (by name) that also gets a first NIC on an existing network (e.g. libvirt's NAT "default"): the lab's gateway. */
  gateway: z.strictObject({ vm: z.string().min(1), uplink: z.string().min(1).max(64) }).optional(),
});
export type LabRequest = z.infer<typeof LabRequestSchema>;
export type LabRequestInput = z.input<typeof LabRequestSchema>;

export const LabReportSchema = z.object({
  hostId: z.string(),
  network: z.string(),
  vms: z.array(DeployReportSchema),
});
export type LabReport = z.infer<typeof LabReportSchema>;
