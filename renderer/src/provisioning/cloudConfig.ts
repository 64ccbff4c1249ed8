/**
 * Checks the wizard's free-form cloud-init user-data before it goes anywhere: the "#cloud-config" header
 * cloud-init requires, a body it can read, and the types of the common keys (cloud-init's own schema,
 * https://cloudinit.readthedocs.io/en/latest/reference/modules.html, for the modules the wizard's users
 * reach for). The body is read with the `yaml` library (YAML 1.2, what cloud-init's PyYAML reads for these
 * documents), so block style, flow style and JSON all work; errors carry the line they are on.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';

const Command = z.union([z.string().min(1), z.array(z.string()).min(1)]);

/** The keys we check; others pass through (cloud-init has dozens), listed as not checked. */
const CloudConfigSchema = z
  .object({
    packages: z.array(z.union([z.string().min(1), z.array(z.string()).length(2)])),
    package_update: z.boolean(),
    package_upgrade: z.boolean(),
    runcmd: z.array(Command),
    bootcmd: z.array(Command),
    write_files: z.array(
      z.object({
        path: z.string().startsWith('/', 'an absolute path'),
        content: z.string().optional(),
        permissions: z.string().regex(/^0?[0-7]{3,4}$/, 'an octal mode like "0644"').optional(),
        owner: z.string().optional(),
        encoding: z.enum(['b64', 'base64', 'gzip', 'gz', 'gz+b64', 'gzip+base64', 'text/plain']).optional(),
        append: z.boolean().optional(),
        defer: z.boolean().optional(),
      }),
    ),
    users: z.array(z.union([z.string(), z.looseObject({ name: z.string().min(1) })])),
    ssh_authorized_keys: z.array(z.string().min(1)),
    hostname: z.string().min(1).max(63),
    timezone: z.string().min(1),
    locale: z.string().min(1),
    ssh_pwauth: z.boolean(),
    disable_root: z.boolean(),
  })
  .partial()
  .loose();

const KNOWN_KEYS = new Set(Object.keys(CloudConfigSchema.shape));

export interface CloudConfigCheck {
  /** Empty text is valid: nothing is added to the generated user-data. */
  ok: boolean;
  errors: string[];
  /** Top-level keys we don't check (cloud-init will). */
  unchecked: string[];
  value?: Record<string, unknown>;
}

export function checkCloudConfig(text: string): CloudConfigCheck {
  if (text.trim() === '') return { ok: true, errors: [], unchecked: [] };
  const lines = text.split('\n');
  if (lines[0]?.trimEnd() !== '#cloud-config') {
    return { ok: false, errors: ['line 1: cloud-init reads user-data as cloud-config only when it starts with "#cloud-config"'], unchecked: [] };
  }
  const body = lines.slice(1).join('\n').trim();
  if (body === '') return { ok: true, errors: [], unchecked: [] };
  // Parsed from the whole text (the header is a comment to YAML), so error lines match the editor's.
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map(
        (e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:$/, '')}`,
      ),
      unchecked: [],
    };
  }
  const data: unknown = document.toJS();
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, errors: ['the body must be a mapping of cloud-init modules (packages:, runcmd:, write_files:, ...)'], unchecked: [] };
  }
  const parsed = CloudConfigSchema.safeParse(data);
  const unchecked = Object.keys(data).filter((k) => !KNOWN_KEYS.has(k));
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`), unchecked };
  }
  return { ok: true, errors: [], unchecked, value: data as Record<string, unknown> };
}
