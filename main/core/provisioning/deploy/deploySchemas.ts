/** The deploy request as zod schemas (zod and ../schemas only: the contract, preload/api/deploy.ts, uses them). */
import { z } from 'zod';
import { GuestAddressSchema } from '../../guestAddresses/guestAddressSchemas';
import { VmRequestSchema } from '../schemas';

/**
 * A domain name libvirt and every tool around it accept: libvirt itself refuses "/" and names of only
 * digits are ambiguous with ids in virsh; spaces and control characters break scripts and paths.
 */
export const VmNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit')
  .refine((name) => !/^\d+$/.test(name), 'a name of only digits reads as a domain id in virsh');

/** A Linux user name as useradd accepts it by default (NAME_REGEX of adduser.conf). */
export const SeedUserNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters')
  .refine((name) => name !== 'root', 'root cannot be the account cloud-init creates');

/** One OpenSSH public key line: type, base64 key, optional comment. */
export const SshKeySchema = z
  .string()
  .trim()
  .regex(
    /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/,
    'an OpenSSH public key line ("ssh-ed25519 AAAA... comment")',
  );

export const SeedUserSchema = z.strictObject({
  name: SeedUserNameSchema,
  sshAuthorizedKeys: z.array(SshKeySchema).max(32).default([]),
});
export type SeedUser = z.infer<typeof SeedUserSchema>;

export const DeployRequestSchema = z.strictObject({
  hostId: z.string().min(1),
  /** The request as the user accepted it (a best-match proposal, or the request itself when it fits). */
  request: VmRequestSchema,
  name: VmNameSchema,
  /** The pool for disks that name none (and for the seed); default: the system disk's pool, else the pool with most room. */
  storagePool: z.string().min(1).max(64).optional(),
  /** The system disk over a cloud image: a thin qcow2 overlay (fast, shares the base) or a full copy. */
  systemDisk: z.enum(['linked-clone', 'full-copy']).default('linked-clone'),
  /** The account cloud-init creates (key login only); absent: only the image's default user. */
  user: SeedUserSchema.optional(),
  /**
   * The user's own cloud-config (the wizard's free-form editor, already parsed): merged into Tandem's, lists
   * appended after Tandem's entries, other keys the user's.
   */
  userCloudConfig: z.record(z.string(), z.unknown()).optional(),
});
export type DeployRequest = z.infer<typeof DeployRequestSchema>;
export type DeployRequestInput = z.input<typeof DeployRequestSchema>;

/** The `result` of a succeeded deploy job. */
export const DeployReportSchema = z.object({
  hostId: z.string(),
  name: z.string(),
  uuid: z.string(),
  /**
   * The guest's first address (IPv4 first), null when the job ended before the guest had one (no DHCP on its
   * networks, or not up yet: the address may still come, as the `vms.addressesFound` event).
   */
  address: z.string().nullable(),
  /** Where the address came from, or why there is none. */
  addressNote: z.string(),
  /** Every address known when the job ended. */
  addresses: z.array(GuestAddressSchema),
  volumes: z.array(z.object({ pool: z.string(), volume: z.string() })),
  /** Milliseconds per step, in order. */
  stepsMs: z.record(z.string(), z.number()),
});
export type DeployReport = z.infer<typeof DeployReportSchema>;
