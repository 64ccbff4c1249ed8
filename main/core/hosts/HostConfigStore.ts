/**
 * The user's configured hosts, persisted as JSON in the data folder. Written atomically (temp file +
 * rename) so a crash never leaves half a file; schema-versioned so later versions can migrate it.
 * Credentials never go here: they belong to the SecretStore.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../logging';

const log = createLogger('host-config');

export const CONFIG_VERSION = 1;

const StoredHostSchema = z.object({ id: z.string().min(1), name: z.string(), uri: z.string().min(1) });
export type StoredHost = z.infer<typeof StoredHostSchema>;
const FileSchema = z.object({ version: z.literal(CONFIG_VERSION), hosts: z.array(StoredHostSchema) });

export class HostConfigStore {
  private readonly path: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, 'hosts.json');
  }

  async load(): Promise<StoredHost[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = FileSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      // Keep the user's file for inspection rather than overwrite it, and start with no hosts.
      const aside = `${this.path}.unreadable-${Date.now()}`;
      await rename(this.path, aside);
      log.warn(`${this.path} was not a valid host list; moved it to ${aside}`);
      return [];
    }
    return parsed.data.hosts;
  }

  /** Saves the list; concurrent saves are serialized so the last call wins. */
  save(hosts: StoredHost[]): Promise<void> {
    const body = JSON.stringify({ version: CONFIG_VERSION, hosts }, null, 2) + '\n';
    // Chained after the previous save whatever its outcome: one failed write must not fail every later one.
    this.writing = this.writing.catch(() => undefined).then(async () => {
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, body, { mode: 0o600 });
      await rename(temp, this.path);
    });
    return this.writing;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
