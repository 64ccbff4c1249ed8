/**
 * The user's saved templates, as `templates.json` in the data folder (next to hosts.json): schema-versioned,
 * written atomically (temp file + rename), every change serialized, an unreadable file moved aside rather
 * than overwritten (the same rules as HostConfigStore).
 */
import { join } from 'node:path';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { createLogger } from '../logging';
import { readJsonFileOrMoveAside, writeJsonAtomically } from '../storage/JsonFile';
import { CATALOG_VERSION, UserTemplateFileSchema, UserTemplateSchema, type UserTemplate } from './schemas';

const log = createLogger('user-templates');

export class UserTemplateStore {
  private readonly path: string;
  private templates: Promise<UserTemplate[]> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dataDir: string,
    /** Ids taken by the shipped catalog: a user template may not shadow one. */
    private readonly reservedIds: ReadonlySet<string> = new Set(),
  ) {
    this.path = join(dataDir, 'templates.json');
  }

  list(): Promise<UserTemplate[]> {
    return this.serialized(async () => [...(await this.current())]);
  }

  /** Adds a template; an existing id is a Conflict unless `replace` is set. Invalid input changes nothing. */
  save(template: UserTemplate, options: { replace?: boolean } = {}): Promise<void> {
    const parsed = UserTemplateSchema.safeParse(template);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      return Promise.reject(new InvalidInputError('payload.invalid', `${field || 'template'}: ${issue.message}`, { details: { field } }));
    }
    return this.serialized(async () => {
      const id = parsed.data.id;
      if (this.reservedIds.has(id)) {
        throw new ConflictError('template.id-taken', `"${id}" is the id of a template in Tandem's catalog`, { details: { field: 'id' } });
      }
      const templates = await this.current();
      const at = templates.findIndex((t) => t.id === id);
      if (at >= 0 && !options.replace) {
        throw new ConflictError('template.exists', `A template "${id}" exists already`, { details: { field: 'id' } });
      }
      const next = at >= 0 ? templates.with(at, parsed.data) : [...templates, parsed.data];
      await this.write(next);
      this.templates = Promise.resolve(next);
    });
  }

  remove(id: string): Promise<void> {
    return this.serialized(async () => {
      const templates = await this.current();
      if (!templates.some((t) => t.id === id)) throw new NotFoundError('template.not-found', `There is no template "${id}"`);
      const next = templates.filter((t) => t.id !== id);
      await this.write(next);
      this.templates = Promise.resolve(next);
    });
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.catch(() => undefined).then(run);
    this.queue = result;
    return result;
  }

  private current(): Promise<UserTemplate[]> {
    this.templates ??= this.read();
    return this.templates;
  }

  private async read(): Promise<UserTemplate[]> {
    let file;
    try {
      file = await readJsonFileOrMoveAside(this.path, UserTemplateFileSchema);
    } catch (error) {
      this.templates = undefined;
      throw error;
    }
    if (file.state === 'valid') return file.value.templates;
    if (file.state === 'moved-aside') log.warn(`${this.path} was not a valid template list; moved it to ${file.aside}`);
    return [];
  }

  private async write(templates: UserTemplate[]): Promise<void> {
    await writeJsonAtomically(this.path, { version: CATALOG_VERSION, templates }, { folderMode: 0o700 });
  }
}
