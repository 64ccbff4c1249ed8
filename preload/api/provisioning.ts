/**
 * Provisioning, as the wizard sees it: the catalog (shipped and user templates, apps), the operating systems
 * of the osinfo database, the best match of a request per connected host, the placement, and validation
 * with field-level errors. Deploying is another capability (`provisioning.deploy`, preload/api/deploy.ts).
 *
 * The request schemas live in main/core/provisioning/schemas.ts, which imports only zod so the contract can
 * re-export them unchanged.
 */
import { z } from 'zod';
import {
  AppSchema,
  InstallMediaSchema,
  PurposeSchema,
  TemplateSchema,
  UserTemplateSchema,
  VmRequestSchema,
} from '../../main/core/provisioning/schemas';
import { HostIdSchema, NoArgsSchema, VmUuidSchema } from '../schemas';

export { AppSchema, InstallMediaSchema, PurposeSchema, TemplateSchema, UserTemplateSchema, VmRequestSchema };
export type { App, InstallMedia, Purpose, Template, UserTemplate, VmRequest, VmRequestInput, HardwareSpec, DiskSpec, NicSpec } from '../../main/core/provisioning/schemas';
export { CHIPSET_NAMES, PURPOSES } from '../../main/core/provisioning/schemas';

/**
 * The names Tandem gives new domains. libvirt itself refuses only "/" and an empty name, but a name also
 * becomes a disk file name and a seed ISO label, so we keep to what is safe everywhere.
 */
export const VmNameSchema = z
  .string()
  .min(1, 'a name is needed')
  .max(64, 'at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');

export const SizeClassSchema = z.enum(['small', 'medium', 'large']);

/** One problem of a request, at the field it is about (a path into the wizard's draft: "hardware.memoryMiB", "name"). */
export const FieldErrorSchema = z.strictObject({ field: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

export const CatalogEntrySchema = z.strictObject({
  template: TemplateSchema,
  source: z.enum(['shipped', 'user']),
  /** For user templates. */
  origin: UserTemplateSchema.shape.origin.optional(),
  createdAt: z.string().optional(),
  osName: z.string().optional(),
  osFamily: z.string().optional(),
  distro: z.string().optional(),
  size: SizeClassSchema,
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const OsSummarySchema = z.strictObject({
  id: z.string(),
  shortId: z.string(),
  name: z.string(),
  family: z.string().optional(),
  distro: z.string().optional(),
  version: z.string().optional(),
  releaseDate: z.string().optional(),
  eolDate: z.string().optional(),
  /** For x86_64; absent where the database says nothing. */
  minimum: z.strictObject({ vcpus: z.number().optional(), memoryMiB: z.number().optional(), diskGiB: z.number().optional() }),
  recommended: z.strictObject({ vcpus: z.number().optional(), memoryMiB: z.number().optional(), diskGiB: z.number().optional() }),
  uefiRequired: z.boolean(),
  /** The database knows a cloud image of it. */
  cloudImage: z.boolean(),
});
export type OsSummary = z.infer<typeof OsSummarySchema>;

export const MatchChangeSchema = z.strictObject({
  field: z.string(),
  from: z.string(),
  to: z.string(),
  reason: z.string(),
  cost: z.number(),
  text: z.string(),
});
export type MatchChange = z.infer<typeof MatchChangeSchema>;

export const ProposalSchema = z.strictObject({
  hostId: HostIdSchema,
  hostName: z.string(),
  /** The request as this host can run it (every change applied). */
  config: VmRequestSchema,
  osName: z.string(),
  domainType: z.enum(['kvm', 'qemu', 'test']),
  image: z.strictObject({ pool: z.string(), volume: z.string(), format: z.string() }).optional(),
  changes: z.array(MatchChangeSchema),
  distance: z.number(),
  memoryLeftBytes: z.number(),
  notes: z.array(z.string()),
});
export type Proposal = z.infer<typeof ProposalSchema>;

export const RefusalSchema = z.strictObject({ hostId: HostIdSchema, hostName: z.string(), reasons: z.array(z.string()) });
export type Refusal = z.infer<typeof RefusalSchema>;

export const PlacementSchema = z.strictObject({
  /** Absent when no host can run the VM (then `explanation` says why). */
  chosen: ProposalSchema.optional(),
  overridden: z.boolean(),
  explanation: z.string(),
  alternatives: z.array(ProposalSchema),
  refusals: z.array(RefusalSchema),
});
export type Placement = z.infer<typeof PlacementSchema>;

/** An installer ISO a connected host stores: a volume of one of its pools (the picker lists those). */
export const InstallMediaEntrySchema = z.strictObject({
  hostId: HostIdSchema,
  hostName: z.string(),
  pool: z.string().optional(),
  volume: z.string().optional(),
  path: z.string(),
  sizeBytes: z.number(),
  /** The OS osinfo identifies by the file name, when it does. */
  osinfoId: z.string().optional(),
  osName: z.string().optional(),
});
export type InstallMediaEntry = z.infer<typeof InstallMediaEntrySchema>;

const TemplateFieldsSchema = z.strictObject({
  id: TemplateSchema.shape.id,
  name: z.string().min(1).max(80),
  description: z.string().max(400).default(''),
  purposes: z.array(PurposeSchema).min(1).default(['testing']),
});

export const provisioningMethods = {
  /** Shipped and user templates matching every criterion (sorted by name), and the app catalog. */
  'provisioning.catalog': {
    input: z.strictObject({
      text: z.string().max(200).optional(),
      osFamily: z.string().max(64).optional(),
      purpose: PurposeSchema.optional(),
      size: SizeClassSchema.optional(),
    }),
    output: z.strictObject({ templates: z.array(CatalogEntrySchema), apps: z.array(AppSchema) }),
  },
  /** Operating systems of the osinfo database (loaded on first use) whose name, id or distro holds every word. */
  'provisioning.osList': {
    input: z.strictObject({
      text: z.string().max(200).optional(),
      family: z.string().max(64).optional(),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    output: z.strictObject({ oses: z.array(OsSummarySchema), total: z.number().int() }),
  },
  /** Every field error of a draft, at once (nothing is created): the wizard's "check". */
  'provisioning.validate': {
    input: z.strictObject({ name: z.string().max(256), hostId: HostIdSchema.optional(), request: z.unknown() }),
    output: z.strictObject({ errors: z.array(FieldErrorSchema) }),
  },
  /** Per connected host, the closest configuration it can run (best first), and why the others can't. */
  'provisioning.propose': {
    input: z.strictObject({ request: VmRequestSchema }),
    output: z.strictObject({ proposals: z.array(ProposalSchema), refusals: z.array(RefusalSchema) }),
  },
  /**
   * The host for the VM, explained; `overrideHostId` forces one (refused with its reasons if it can't run it).
   * With `name`, a VM of that name on the chosen host is a field error ("name").
   */
  'provisioning.place': {
    input: z.strictObject({ request: VmRequestSchema, name: VmNameSchema.optional(), overrideHostId: HostIdSchema.optional() }),
    output: PlacementSchema,
  },
  /**
   * The installer ISOs in the storage pools of every connected host (or of `hostId`), read fresh (the pools
   * are refreshed, so a file just copied in is there), for the wizard's "Install from ISO" picker; hosts not
   * connected or whose pools cannot be read are listed in `unavailable` with why.
   */
  'provisioning.installMedia': {
    input: z.strictObject({ hostId: HostIdSchema.optional() }),
    output: z.strictObject({
      media: z.array(InstallMediaEntrySchema),
      unavailable: z.array(z.strictObject({ hostId: HostIdSchema, hostName: z.string(), reason: z.string() })),
    }),
  },
  'provisioning.templates.list': { input: NoArgsSchema, output: z.array(UserTemplateSchema) },
  /** Saves a wizard result (`request`) or an existing VM's hardware (`fromVm`) as a user template. */
  'provisioning.templates.save': {
    input: z.union([
      TemplateFieldsSchema.extend({ request: VmRequestSchema, replace: z.boolean().default(false) }),
      TemplateFieldsSchema.extend({
        fromVm: z.strictObject({ hostId: HostIdSchema, uuid: VmUuidSchema }),
        /** The OS, when the VM's metadata does not name one (osinfo short id). */
        osinfoId: z.string().min(1).optional(),
        replace: z.boolean().default(false),
      }),
    ]),
    output: UserTemplateSchema,
  },
  'provisioning.templates.delete': { input: z.strictObject({ id: TemplateSchema.shape.id }), output: z.strictObject({}) },
} as const;

export const provisioningEvents = {} as const;
