/**
 * VM editing: the typed hardware of a VM (from its domain XML), edits applied live where libvirt allows and
 * on next boot otherwise (saying which, per field), and the VM's tags (kept in its own domain XML metadata).
 */
import { z } from 'zod';
import { VmRefSchema, VmTagSchema } from '../schemas';

export const BootDeviceSchema = z.enum(['hd', 'cdrom', 'network', 'fd']);
export type BootDevice = z.infer<typeof BootDeviceSchema>;

export const MemoryUnitSchema = z.enum(['KiB', 'MiB', 'GiB', 'TiB']);
export type MemoryUnit = z.infer<typeof MemoryUnitSchema>;

/** A memory size as the user typed it; main converts it to KiB and checks it is a whole number of KiB. */
export const MemorySizeSchema = z.strictObject({ value: z.number().positive().finite(), unit: MemoryUnitSchema });
export type MemorySize = z.infer<typeof MemorySizeSchema>;

export const HardwareDiskSchema = z.strictObject({
  target: z.string(),
  device: z.string(),
  bus: z.string().optional(),
  source: z.string().optional(),
  format: z.string().optional(),
  readonly: z.boolean(),
});
export const HardwareNicSchema = z.strictObject({
  mac: z.string(),
  type: z.string(),
  source: z.string().optional(),
  model: z.string().optional(),
  linkState: z.enum(['up', 'down']),
});

export const VmHardwareSchema = z.strictObject({
  hostId: z.string(),
  uuid: z.string(),
  /** Live values while the VM runs; the definition's otherwise. */
  active: z.boolean(),
  persistent: z.boolean(),
  vcpus: z.strictObject({ current: z.number().int(), max: z.number().int() }),
  memory: z.strictObject({ currentKiB: z.number().int(), maxKiB: z.number().int() }),
  disks: z.array(HardwareDiskSchema),
  nics: z.array(HardwareNicSchema),
  bootOrder: z.array(BootDeviceSchema),
  autostart: z.boolean(),
  /** What the validation checks against. */
  limits: z.strictObject({ hostCpus: z.number().int(), hostMemoryKiB: z.number().int() }),
  /** Changes saved for the next boot that differ from the running VM (vCPUs, memory, boot order). */
  pendingNextBoot: z.array(z.string()),
});
export type VmHardware = z.infer<typeof VmHardwareSchema>;

const MacSchema = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, 'a MAC address looks like 52:54:00:12:34:56');
const TargetSchema = z.string().min(1).max(32);

export const HardwareChangesSchema = z
  .strictObject({
    vcpus: z.strictObject({ current: z.number().int().optional(), max: z.number().int().optional() }).optional(),
    memory: z.strictObject({ current: MemorySizeSchema.optional(), max: MemorySizeSchema.optional() }).optional(),
    bootOrder: z.array(BootDeviceSchema).max(4).optional(),
    autostart: z.boolean().optional(),
    /** Per disk, by target (vda, sda ...): remove it, or change the medium of a CD-ROM / floppy ('' ejects). */
    disks: z.array(z.strictObject({ target: TargetSchema, remove: z.literal(true).optional(), source: z.string().max(4096).optional() })).max(64).optional(),
    /** Per NIC, by MAC: remove it, or set its link up/down. */
    nics: z.array(z.strictObject({ mac: MacSchema, remove: z.literal(true).optional(), linkState: z.enum(['up', 'down']).optional() })).max(64).optional(),
  });
export type HardwareChanges = z.infer<typeof HardwareChangesSchema>;

/** Where a change took effect: the running VM now, its definition for the next boot, or both. */
export const AppliedSchema = z.enum(['live', 'next-boot', 'both']);
export type Applied = z.infer<typeof AppliedSchema>;

export const FieldResultSchema = z.strictObject({
  /** e.g. "vcpus.current", "memory.max", "bootOrder", "autostart", "disks.vda", "nics.52:54:00:10:00:01". */
  field: z.string(),
  applied: AppliedSchema,
  /** Why it is not (also) live, when it could have been. */
  note: z.string().optional(),
});
export type FieldResult = z.infer<typeof FieldResultSchema>;

export const vmHardwareMethods = {
  'vms.hardware': { input: VmRefSchema, output: VmHardwareSchema },
  /**
   * Validates every change first (field errors in an InvalidInput error's details.fieldErrors, nothing
   * changed); then saves the definition once and applies the live parts, reporting each field.
   */
  'vms.editHardware': {
    input: z.strictObject({ hostId: VmRefSchema.shape.hostId, uuid: VmRefSchema.shape.uuid, changes: HardwareChangesSchema }),
    output: z.strictObject({ results: z.array(FieldResultSchema), hardware: VmHardwareSchema }),
  },
  /** Replaces the VM's tags (stored in its domain XML, so they travel with it). */
  'vms.setTags': {
    input: z.strictObject({ hostId: VmRefSchema.shape.hostId, uuid: VmRefSchema.shape.uuid, tags: z.array(VmTagSchema).max(32) }),
    output: z.array(VmTagSchema),
  },
} as const;
