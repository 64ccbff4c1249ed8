/**
 * Credentials a host asks for while Tandem connects to it (passwords, key passphrases, user names). Main
 * answers from the OS keychain when it can; otherwise it announces a request and waits for the UI's answer.
 * Values travel only in `credentials.answer`; no event or result ever carries one.
 */
import { z } from 'zod';
import { HostIdSchema } from '../schemas';

const RequestIdSchema = z.uuid();

export const CredentialFieldSchema = z.strictObject({
  /** libvirt's credential type: "authname", "passphrase", "noechoprompt", ... */
  kind: z.string(),
  prompt: z.string(),
  /** Typed without echo (a password field). */
  secret: z.boolean(),
  defaultValue: z.string().optional(),
});

export const CredentialRequestSchema = z.strictObject({
  requestId: RequestIdSchema,
  hostId: HostIdSchema,
  hostName: z.string(),
  uri: z.string(),
  fields: z.array(CredentialFieldSchema),
  /** False when there is no OS keychain: the answer cannot be remembered. */
  canRemember: z.boolean(),
});
export type CredentialRequest = z.infer<typeof CredentialRequestSchema>;

export const credentialsMethods = {
  /** The requests still waiting for an answer (for a window opened after they were announced). */
  'credentials.pending': { input: z.strictObject({}), output: z.array(CredentialRequestSchema) },
  'credentials.answer': {
    input: z.union([
      z.strictObject({
        requestId: RequestIdSchema,
        values: z.array(z.string().max(4096)).max(16),
        /** Save these in the OS keychain once the host has accepted them. */
        remember: z.boolean().optional(),
      }),
      z.strictObject({ requestId: RequestIdSchema, cancel: z.literal(true) }),
    ]),
    output: z.null(),
  },
} as const;

export const credentialsEvents = {
  'credentials.requested': CredentialRequestSchema,
  /** The request is over (answered, possibly from another window; cancelled; or timed out): close its dialog. */
  'credentials.closed': z.strictObject({ requestId: RequestIdSchema, reason: z.enum(['answered', 'cancelled', 'timed-out']) }),
} as const;
