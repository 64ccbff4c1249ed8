/**
 * The catalog of ready-to-deploy templates (assets/catalog/templates.json) and of applications
 * (assets/catalog/apps.json), validated by the zod schemas of schemas.ts and cross-checked (every app a
 * template names exists and installs on its OS; every OS is in the osinfo database). Search is a pure
 * function over the loaded entries.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import type { OsDatabase, OsEntry } from './osinfo/OsDatabase';
import {
  AppFileSchema,
  TemplateFileSchema,
  type App,
  type HardwareSpec,
  type Purpose,
  type Template,
  type UserTemplate,
  type VmRequest,
} from './schemas';

export const DEFAULT_CATALOG_DIR = resolve(import.meta.dirname, '..', '..', '..', 'assets', 'catalog');

export interface Catalog {
  templates: Template[];
  apps: Map<string, App>;
}

export async function loadCatalog(dir = DEFAULT_CATALOG_DIR): Promise<Catalog> {
  const templates = parseFile(await readJson(join(dir, 'templates.json')), TemplateFileSchema, 'templates.json').templates;
  const apps = parseFile(await readJson(join(dir, 'apps.json')), AppFileSchema, 'apps.json').apps;
  return { templates, apps: new Map(apps.map((a) => [a.id, a])) };
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError('catalog.invalid', `${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function parseFile<T extends z.ZodType>(data: unknown, schema: T, what: string): z.infer<T> {
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InvalidInputError('catalog.invalid', `${what}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      details: { file: what, path: issue.path.map(String) },
    });
  }
  return result.data;
}

/** What is wrong with a template against the apps and the OS database, in words; empty when nothing is. */
export function problemsOf(template: Pick<Template, 'id' | 'request'>, apps: Map<string, App>, db: OsDatabase): string[] {
  const problems: string[] = [];
  const os = db.get(template.request.os.osinfoId);
  if (!os) problems.push(`${template.id}: unknown OS "${template.request.os.osinfoId}" (not in the osinfo database)`);
  for (const appId of template.request.apps) {
    const app = apps.get(appId);
    if (!app) problems.push(`${template.id}: unknown application "${appId}"`);
    else if (os && !app.distros.includes(os.distro ?? '')) {
      problems.push(`${template.id}: ${app.name} installs on ${app.distros.join(', ')}, not on ${os.name}`);
    }
  }
  const ids = new Set<string>();
  for (const appId of template.request.apps) {
    if (ids.has(appId)) problems.push(`${template.id}: application "${appId}" listed twice`);
    ids.add(appId);
  }
  return problems;
}

export type SizeClass = 'small' | 'medium' | 'large';

/** small: up to 2 vCPUs and 2 GiB; medium: up to 4 vCPUs and 8 GiB; large: anything more. */
export function sizeClassOf(hardware: Pick<HardwareSpec, 'vcpus' | 'memoryMiB'>): SizeClass {
  if (hardware.vcpus <= 2 && hardware.memoryMiB <= 2048) return 'small';
  if (hardware.vcpus <= 4 && hardware.memoryMiB <= 8192) return 'medium';
  return 'large';
}

export interface CatalogQuery {
  /** Words that must all appear in the name, description, OS name or app names (case-insensitive). */
  text?: string;
  /** osinfo family ("linux", "winnt") or distro ("ubuntu", "debian"). */
  osFamily?: string;
  purpose?: Purpose;
  size?: SizeClass;
}

export interface CatalogHit<T extends Template = Template> {
  template: T;
  os: OsEntry | undefined;
  size: SizeClass;
}

/** The templates that match every given criterion, sorted by name. */
export function searchCatalog<T extends Template>(
  templates: readonly T[],
  query: CatalogQuery,
  lookupOs: (id: string) => OsEntry | undefined,
  apps: Map<string, App> = new Map(),
): Array<CatalogHit<T>> {
  const words = (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const hits: Array<CatalogHit<T>> = [];
  for (const template of templates) {
    const os = lookupOs(template.request.os.osinfoId);
    const size = sizeClassOf(template.request.hardware);
    if (query.size && size !== query.size) continue;
    if (query.purpose && !template.purposes.includes(query.purpose)) continue;
    if (query.osFamily && os?.family !== query.osFamily && os?.distro !== query.osFamily) continue;
    if (words.length > 0) {
      const haystack = [template.name, template.description, os?.name ?? '', ...template.request.apps.map((a) => apps.get(a)?.name ?? a)]
        .join(' ')
        .toLowerCase();
      if (!words.every((w) => haystack.includes(w))) continue;
    }
    hits.push({ template, os, size });
  }
  return hits.sort((a, b) => a.template.name.localeCompare(b.template.name));
}

/** The cloud-config (user-data) fragment of a set of apps: packages, files and first-boot commands merged in order. */
export function cloudConfigForApps(
  appIds: readonly string[],
  apps: Map<string, App>,
): {
  packages: string[];
  write_files: Array<{ path: string; content: string; permissions?: string }>;
  runcmd: string[][];
} {
  const packages = new Set<string>();
  const writeFiles: Array<{ path: string; content: string; permissions?: string }> = [];
  const runcmd: string[][] = [];
  for (const id of appIds) {
    const app = apps.get(id);
    if (!app) throw new InvalidInputError('catalog.unknown-app', `Unknown application "${id}"`, { details: { field: 'apps' } });
    for (const p of app.cloudInit.packages) packages.add(p);
    for (const f of app.cloudInit.writeFiles) {
      if (writeFiles.some((w) => w.path === f.path)) {
        throw new InvalidInputError('catalog.app-conflict', `${app.name} writes ${f.path}, which another application also writes`, {
          details: { field: 'apps' },
        });
      }
      writeFiles.push(
        f.permissions ? { path: f.path, content: f.content, permissions: f.permissions } : { path: f.path, content: f.content },
      );
    }
    runcmd.push(...app.cloudInit.runcmd);
  }
  return { packages: [...packages], write_files: writeFiles, runcmd };
}

/** A user template from a request (a wizard result, or the request read back from an existing VM). */
export function userTemplateFrom(
  fields: { id: string; name: string; description: string; purposes: Purpose[] },
  request: VmRequest,
  origin: UserTemplate['origin'],
  now: Date,
): UserTemplate {
  return { ...fields, request: structuredClone(request), origin, createdAt: now.toISOString() };
}
