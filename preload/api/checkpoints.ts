/** Checkpoints: a VM's tree of external checkpoints (disk overlays + memory), take / revert / delete / commit. */
import { z } from 'zod';
import { HostIdSchema, VmRefSchema, VmUuidSchema } from '../schemas';

const CheckpointIdSchema = z.string().regex(/^[0-9a-f-]{36}$/, 'a checkpoint id is a UUID');
const CheckpointRefSchema = z.strictObject({ hostId: HostIdSchema, uuid: VmUuidSchema, checkpointId: CheckpointIdSchema });

export const CheckpointSchema = z.strictObject({
  id: CheckpointIdSchema,
  name: z.string(),
  description: z.string(),
  createdAt: z.string(),
  parentId: CheckpointIdSchema.nullable(),
  children: z.array(CheckpointIdSchema),
  current: z.boolean(),
  /** memory: the VM resumes where it was; disk-only: crash-consistent disks, the VM is left shut off on revert. */
  kind: z.enum(['memory', 'disk-only']),
  quiesced: z.boolean(),
  disks: z.array(z.strictObject({ target: z.string(), image: z.string(), format: z.string() })),
  memoryFile: z.string().nullable(),
  /** A disk-only checkpoint of a VM with an emulated TPM: the copy of the TPM's state its revert puts back. */
  tpmStateFile: z.string().nullable().optional(),
  /** How the memory was saved: QEMU's background snapshot (paused for the disk switch and device state only) or libvirt's live snapshot. */
  memoryMethod: z.enum(['background-snapshot', 'live-snapshot']).optional(),
  /** The checkpoint whose memory this one's is stored as a sealed delta against; null: stored whole. */
  memoryBaseId: CheckpointIdSchema.nullable().optional(),
  /** Bytes of the whole memory state (sizeBytes holds what is stored). */
  memoryFullBytes: z.number().int().nonnegative().optional(),
  /** How long the guest was paused (suspended -> resumed lifecycle events); null: not paused. */
  stunMs: z.number().nullable(),
  wallMs: z.number(),
  /** Bytes on disk of this checkpoint's own overlay layers and memory file; null: not known (a host on another machine, or one not connected). */
  sizeBytes: z.number().int().nonnegative().nullable(),
});
export type CheckpointInfo = z.infer<typeof CheckpointSchema>;

export const CheckpointTreeSchema = z.strictObject({
  vm: VmRefSchema,
  currentId: CheckpointIdSchema.nullable(),
  checkpoints: z.array(CheckpointSchema),
  /** Why take / revert / delete / commit are refused for this VM whatever its state (checkpoint.remote-host: its host is another machine's); null: they may run. */
  unavailableReason: z.string().nullable(),
});
export type CheckpointTree = z.infer<typeof CheckpointTreeSchema>;

// Take / revert / delete / commit run as jobs (jobs.changed: phases, stun time in the result) and answer when done.
export const checkpointsMethods = {
  'checkpoints.list': { input: VmRefSchema, output: CheckpointTreeSchema },
  'checkpoints.take': {
    input: z.strictObject({
      hostId: HostIdSchema,
      uuid: VmUuidSchema,
      name: z.string().trim().min(1).max(100),
      description: z.string().max(2000).optional(),
      /** Disks only, crash-consistent (always for a shut-off VM). */
      diskOnly: z.boolean().optional(),
      /** Freeze the guest's filesystems through its agent for a disk-only checkpoint (default: when the agent answers). */
      quiesce: z.boolean().optional(),
    }),
    output: CheckpointSchema,
  },
  /** Stops the VM, discards its state since the current checkpoint, and resumes it at the checkpoint. */
  'checkpoints.revert': { input: CheckpointRefSchema, output: CheckpointTreeSchema },
  /** Merges the checkpoint's layer into what depends on it; the other checkpoints stay revertable. */
  'checkpoints.delete': { input: CheckpointRefSchema, output: CheckpointTreeSchema },
  /** Drops every checkpoint: 'fold' writes the current state into the base disks, 'copy' moves the VM to a standalone copy. */
  'checkpoints.commit': {
    input: z.strictObject({ hostId: HostIdSchema, uuid: VmUuidSchema, mode: z.enum(['fold', 'copy']) }),
    output: CheckpointTreeSchema,
  },
} as const;

export const checkpointsEvents = {
  /** A VM's checkpoint tree changed (take, revert, delete, commit, recovery). */
  'checkpoints.changed': CheckpointTreeSchema,
} as const;
