/**
 * The cloud-init NoCloud seed of a new VM: an ISO 9660 volume labelled `cidata` holding `user-data` (the
 * cloud-config: hostname, the user account with its SSH keys, the apps' packages / files / commands) and
 * `meta-data` (instance id, host name). cloud-init finds it by that label on any block device
 * (https://cloudinit.readthedocs.io/en/latest/reference/datasources/nocloud.html).
 *
 * The cloud-config is written as JSON under the `#cloud-config` header: JSON is YAML, so cloud-init reads it,
 * and no YAML library is needed to write it correctly (quoting, multi-line file contents). The ISO is made by
 * xorriso (Debian package `xorriso`), the well-kept tool that cloud-localds / virt-install use too.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { InvalidInputError, OperationFailedError } from '../../errors';
import { SeedUserNameSchema as UserNameSchema, SshKeySchema, type SeedUser } from './deploySchemas';

const execFileAsync = promisify(execFile);

/** The label cloud-init's NoCloud datasource looks for. */
export const SEED_VOLUME_LABEL = 'cidata';

/** The cloud-config Tandem writes (the modules it uses, with their documented types), checked before the ISO is made. */
export const CloudConfigSchema = z
  .object({
    hostname: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/),
    users: z.array(
      z.union([
        z.literal('default'),
        z.object({
          name: UserNameSchema,
          groups: z.array(z.string().min(1)).optional(),
          shell: z.string().startsWith('/'),
          sudo: z.string().optional(),
          lock_passwd: z.boolean(),
          ssh_authorized_keys: z.array(SshKeySchema),
        }).strict(),
      ]),
    ),
    packages: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+:~-]*$/, 'a package name')).optional(),
    package_update: z.boolean().optional(),
    write_files: z
      .array(z.object({ path: z.string().startsWith('/'), content: z.string(), permissions: z.string().regex(/^0[0-7]{3}$/).optional() }).strict())
      .optional(),
    runcmd: z.array(z.array(z.string().min(1)).min(1)).optional(),
  })
  .strict();
export type CloudConfig = z.infer<typeof CloudConfigSchema>;

export interface SeedInput {
  /** The VM's name; its host name is derived from it. */
  vmName: string;
  /** A stable id per deployed instance (the domain UUID): cloud-init runs its first-boot modules once per id. */
  instanceId: string;
  user?: SeedUser;
  /** The apps' merged fragment (catalog.cloudConfigForApps). */
  apps: { packages: string[]; write_files: Array<{ path: string; content: string; permissions?: string }>; runcmd: string[][] };
  /** The user's own cloud-config, merged last (see mergeUserCloudConfig). */
  userCloudConfig?: Record<string, unknown>;
}

/**
 * The user's cloud-config over Tandem's: a list both have (packages, runcmd, write_files, users, ...) keeps
 * Tandem's entries and appends the user's, so the apps and the account stay; any other key is the user's
 * (they may name the host differently, or turn package updates off). cloud-init checks the modules itself.
 */
export function mergeUserCloudConfig(ours: Record<string, unknown>, theirs: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...ours };
  for (const [key, value] of Object.entries(theirs)) {
    const existing = merged[key];
    merged[key] = Array.isArray(existing) && Array.isArray(value) ? [...existing, ...value] : value;
  }
  return merged;
}

export interface SeedFiles {
  'user-data': string;
  'meta-data': string;
}

/** A host name from a VM name: libvirt names may hold "." and "_", host names may not. */
export function hostNameOf(vmName: string): string {
  const name = vmName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'vm';
}

/** The seed's files; an invalid cloud-config is an InvalidInputError naming the field. */
export function seedFiles(input: SeedInput): SeedFiles {
  const config: CloudConfig = {
    hostname: hostNameOf(input.vmName),
    users: input.user
      ? [
          'default',
          {
            name: input.user.name,
            groups: ['sudo'],
            shell: '/bin/bash',
            sudo: 'ALL=(ALL) NOPASSWD:ALL',
            // Key login only: no password is set, so none can leak through the seed.
            lock_passwd: true,
            ssh_authorized_keys: input.user.sshAuthorizedKeys,
          },
        ]
      : ['default'],
    ...(input.apps.packages.length > 0 ? { packages: input.apps.packages, package_update: true } : {}),
    ...(input.apps.write_files.length > 0 ? { write_files: input.apps.write_files } : {}),
    ...(input.apps.runcmd.length > 0 ? { runcmd: input.apps.runcmd } : {}),
  };
  const checked = CloudConfigSchema.safeParse(config);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new InvalidInputError('deploy.cloud-config-invalid', `The cloud-config is invalid at ${issue.path.join('.')}: ${issue.message}`, {
      details: { field: issue.path[0] === 'users' ? 'user' : 'apps' },
    });
  }
  const userData = input.userCloudConfig ? mergeUserCloudConfig(checked.data, input.userCloudConfig) : checked.data;
  const metaData = JSON.stringify({ 'instance-id': input.instanceId, 'local-hostname': config.hostname }, null, 2);
  return { 'user-data': `#cloud-config\n${JSON.stringify(userData, null, 2)}\n`, 'meta-data': `${metaData}\n` };
}

/** Builds the seed ISO with xorriso and returns its bytes. */
export async function buildSeedIso(files: SeedFiles): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-seed-'));
  try {
    const root = join(dir, 'root');
    const iso = join(dir, 'seed.iso');
    await mkdir(root);
    for (const [name, text] of Object.entries(files)) await writeFile(join(root, name), text, { mode: 0o600 });
    try {
      // Rock Ridge and Joliet keep the names lowercase with their "-" (plain ISO 9660 would say USER_DAT.;1).
      await execFileAsync('xorriso', ['-as', 'mkisofs', '-quiet', '-output', iso, '-volid', SEED_VOLUME_LABEL, '-joliet', '-rock', root]);
    } catch (error) {
      const e = error as Error & { code?: string; stderr?: string };
      const reason = e.code === 'ENOENT' ? 'xorriso is not installed (Debian package "xorriso")' : (e.stderr?.trim() ?? e.message);
      throw new OperationFailedError('deploy.seed-failed', `Could not build the cloud-init seed ISO: ${reason}`, { cause: error });
    }
    return await readFile(iso);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
