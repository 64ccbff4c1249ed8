/** VMs: the inventory of every host's domains and their lifecycle. */
import { z } from 'zod';
import { HostIdSchema, VmDetailSchema, VmRefSchema, VmSummarySchema } from '../schemas';

/** Largest domain XML we accept from the renderer; real ones are a few KiB. */
export const MAX_XML_LENGTH = 1024 * 1024;

export const vmsMethods = {
  'vms.list': {
    input: z.strictObject({ hostId: HostIdSchema.optional() }),
    output: z.array(VmSummarySchema),
  },
  'vms.get': { input: VmRefSchema, output: VmDetailSchema },
  /** Define (create or replace) a persistent VM from domain XML. */
  'vms.defineXml': {
    input: z.strictObject({ hostId: HostIdSchema, xml: z.string().min(1).max(MAX_XML_LENGTH) }),
    output: VmSummarySchema,
  },
  'vms.undefine': { input: VmRefSchema, output: z.null() },
  // Lifecycle actions answer with the VM's fresh summary, or null when the action made it cease to exist
  // (stopping a transient VM removes it; a `vms.removed` event follows).
  'vms.start': { input: VmRefSchema, output: VmSummarySchema },
  'vms.shutdown': { input: VmRefSchema, output: VmSummarySchema.nullable() },
  'vms.destroy': { input: VmRefSchema, output: VmSummarySchema.nullable() },
  'vms.reboot': { input: VmRefSchema, output: VmSummarySchema },
  'vms.suspend': { input: VmRefSchema, output: VmSummarySchema },
  'vms.resume': { input: VmRefSchema, output: VmSummarySchema },
} as const;

export const vmsEvents = {
  /** A VM appeared or changed (state, definition). Sent after libvirt's event, with fresh data. */
  'vms.changed': VmSummarySchema,
  'vms.removed': VmRefSchema,
} as const;
