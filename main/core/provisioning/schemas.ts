/**
 * The provisioning request and the catalog, as zod schemas (one declaration gives the types and the runtime
 * validation). This module imports only zod, so the contract (preload/api/provisioning.ts, to come) can
 * re-export these schemas or move them unchanged.
 *
 * Units are the ones people type: memory in MiB, disks in GiB. Hosts report bytes; the best match converts.
 */
import { z } from 'zod';

export const ARCHES = ['x86_64', 'aarch64', 'i686', 'ppc64le', 's390x', 'armv7l'] as const;
export const ArchSchema = z.enum(ARCHES);
export type Arch = z.infer<typeof ArchSchema>;

/** libvirt object names we create (pools, networks are chosen, not created here): no slash, no control characters. */
const LibvirtNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');

export const DiskSpecSchema = z.object({
  sizeGiB: z.number().int().min(1).max(65_536),
  /** ide: only on the i440fx ("pc") machine, which old installers need (q35 has no IDE controller). */
  bus: z.enum(['virtio', 'sata', 'scsi', 'ide']).default('virtio'),
  /** The storage pool wanted; the best match picks one when absent or missing on the host. */
  pool: LibvirtNameSchema.optional(),
});
export type DiskSpec = z.infer<typeof DiskSpecSchema>;

export const NicSpecSchema = z.object({
  /** A libvirt network name ("default" is libvirt's NAT network). */
  network: LibvirtNameSchema,
  /**
   * e1000e (PCIe) goes with q35; e1000 (PCI) is the NIC older OSes on i440fx have a driver for; rtl8139 is
   * libvirt's own default on x86 (what a VM defined without a NIC model has), driven by Windows XP as installed.
   */
  model: z.enum(['virtio', 'e1000e', 'e1000', 'rtl8139']).default('virtio'),
});
export type NicSpec = z.infer<typeof NicSpecSchema>;

export const HardwareSpecSchema = z.object({
  arch: ArchSchema.default('x86_64'),
  vcpus: z.number().int().min(1).max(512),
  memoryMiB: z
    .number()
    .int()
    .min(128)
    .max(4 * 1024 * 1024),
  firmware: z.enum(['bios', 'uefi']).default('bios'),
  /**
   * The x86 chipset: q35 (PCIe, AHCI) or i440fx ("pc": IDE, what an OS older than q35 drives). Absent (templates
   * saved before it existed, most composed requests), the deploy chooses as always: the chipset an installer's OS
   * supports (osinfo), else q35. A template saved from a VM keeps the VM's, so it boots the OS installed on it.
   */
  machine: z.enum(['q35', 'pc']).optional(),
  secureBoot: z.boolean().default(false),
  tpm: z.boolean().default(false),
  /** The first disk is the system disk (the image goes there). */
  disks: z.array(DiskSpecSchema).min(1).max(16),
  nics: z.array(NicSpecSchema).max(8).default([]),
  graphics: z.enum(['vnc', 'spice', 'none']).default('vnc'),
  sound: z.boolean().default(false),
});
export type HardwareSpec = z.infer<typeof HardwareSpecSchema>;

export type Chipset = NonNullable<HardwareSpec['machine']>;

/** How a chipset is named to the user (QEMU's machine "pc" is the i440fx). */
export const CHIPSET_NAMES: Record<Chipset, string> = { q35: 'q35', pc: 'i440fx' };

/**
 * The x86 chipset of a QEMU machine type ("pc-q35-7.2" and "q35"; "pc-i440fx-7.2", "pc" and the old "pc-1.0"
 * aliases); undefined for any other (isapc, microvm, another arch's "virt").
 */
export function chipsetOfMachine(machine: string): Chipset | undefined {
  if (/^(pc-)?q35(-|$)/.test(machine)) return 'q35';
  if (/^pc(-i440fx(-.*)?|-\d.*)?$/.test(machine)) return 'pc';
  return undefined;
}

/**
 * A storage volume name as libvirt's directory pools have them: a file name (no "/", no control characters,
 * not "." or ".."). Downloaded ISOs keep names like "debian-12.5.0-amd64-netinst.iso" or "Win11_23H2_English_x64.iso".
 */
const VolumeNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\p{Cc}]+$/u, 'a file name: no "/" and no control characters')
  .refine((name) => name !== '.' && name !== '..', 'not "." or ".."');

/**
 * The installer ISO, named by the user: a volume of one of the host's storage pools, or a path on the host (in
 * a pool or not). Install media stays where it is stored: only a host that has it can run the request.
 */
export const InstallMediaSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('volume'), pool: LibvirtNameSchema, volume: VolumeNameSchema }),
  z.strictObject({
    kind: z.literal('path'),
    path: z
      .string()
      .max(4096)
      .regex(/^\/\P{Cc}*[^/\p{Cc}]$/u, 'an absolute path to the ISO file ("/var/lib/libvirt/images/debian.iso")')
      .refine((path) => !path.split('/').some((part) => part === '.' || part === '..'), 'a path without "." or ".." parts'),
  }),
]);
export type InstallMedia = z.infer<typeof InstallMediaSchema>;

export const OsSpecSchema = z
  .object({
    /** An osinfo short id ("debian11") or URL id ("http://debian.org/debian/11"). */
    osinfoId: z.string().min(1),
    /**
     * cloud-image: a disk image with cloud-init (linked clone); install-media: an installer ISO;
     * empty-disk: nothing to find on the host (network install, or the user brings the system later).
     */
    source: z.enum(['cloud-image', 'install-media', 'empty-disk']).default('cloud-image'),
    /**
     * With source install-media: the ISO to boot. Absent, the best match picks an installer ISO of the OS that
     * the host's pools hold (identified by its downloaded file name) and names it in its proposal.
     */
    installMedia: InstallMediaSchema.optional(),
  })
  .refine((os) => os.installMedia === undefined || os.source === 'install-media', {
    message: 'install media goes with the source "install-media"',
    path: ['installMedia'],
  });
export type OsSpec = z.infer<typeof OsSpecSchema>;

export const AppIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"');

/** What the user asks for: composed in the wizard or taken from a template. */
export const VmRequestSchema = z.object({
  os: OsSpecSchema,
  hardware: HardwareSpecSchema,
  apps: z.array(AppIdSchema).default([]),
});
export type VmRequest = z.infer<typeof VmRequestSchema>;
export type VmRequestInput = z.input<typeof VmRequestSchema>;

/** An application as cloud-init applies it (https://cloudinit.readthedocs.io/en/latest/reference/modules.html). */
export const AppSchema = z.object({
  id: AppIdSchema,
  name: z.string().min(1),
  description: z.string().min(1),
  /** osinfo distros it installs on ("debian", "ubuntu"): cloud-init's packages are the distro's packages. */
  distros: z.array(z.string().min(1)).min(1),
  cloudInit: z.object({
    packages: z.array(z.string().min(1)).default([]),
    writeFiles: z
      .array(
        z.object({
          path: z.string().startsWith('/'),
          content: z.string(),
          permissions: z
            .string()
            .regex(/^0[0-7]{3}$/)
            .optional(),
        }),
      )
      .default([]),
    /** Commands run once at first boot, each as an argv (cloud-init runs a list without a shell). */
    runcmd: z.array(z.array(z.string().min(1)).min(1)).default([]),
  }),
  /** TCP ports it serves, for the review page. */
  ports: z.array(z.number().int().min(1).max(65_535)).default([]),
});
export type App = z.infer<typeof AppSchema>;

export const PURPOSES = ['web', 'database', 'containers', 'development', 'desktop', 'testing', 'minimal', 'windows'] as const;
export const PurposeSchema = z.enum(PURPOSES);
export type Purpose = z.infer<typeof PurposeSchema>;

export const TemplateSchema = z.object({
  id: AppIdSchema,
  name: z.string().min(1),
  description: z.string().min(1),
  purposes: z.array(PurposeSchema).min(1),
  request: VmRequestSchema,
});
export type Template = z.infer<typeof TemplateSchema>;

export const CATALOG_VERSION = 1;
export const TemplateFileSchema = z.object({ version: z.literal(CATALOG_VERSION), templates: z.array(TemplateSchema) });
export const AppFileSchema = z.object({ version: z.literal(CATALOG_VERSION), apps: z.array(AppSchema) });

/** A template the user saved: from an existing VM or a wizard result. */
export const UserTemplateSchema = TemplateSchema.extend({
  origin: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('vm'),
      hostId: z.string().min(1),
      vmName: z.string().min(1),
      /** What the template could not keep as the VM has it (requestFromDomain's notes); absent in older files. */
      notes: z.array(z.string().max(300)).max(16).optional(),
    }),
    z.object({ kind: z.literal('wizard') }),
  ]),
  createdAt: z.iso.datetime(),
});
export type UserTemplate = z.infer<typeof UserTemplateSchema>;
export const UserTemplateFileSchema = z.object({ version: z.literal(CATALOG_VERSION), templates: z.array(UserTemplateSchema) });
