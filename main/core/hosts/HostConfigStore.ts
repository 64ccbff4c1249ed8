/**
 * The user's configured hosts, persisted as JSON in the data folder. Written atomically (temp file +
 * rename) so a crash never leaves half a file; schema-versioned so later versions can migrate it.
 * Credentials never go here: they belong to the SecretStore.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../logging';
import { readJsonFileOrMoveAside, writeJsonAtomically } from '../storage/JsonFile';

const log = createLogger('host-config');

export const CONFIG_VERSION = 1;

const StoredHostSchema = z.object({ id: z.string().min(1), name: z.string(), uri: z.string().min(1) });
export type StoredHost = z.infer<typeof StoredHostSchema>;
const FileSchema = z.object({ version: z.literal(CONFIG_VERSION), hosts: z.array(StoredHostSchema) });

export class HostConfigStore {
  private readonly path: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'hosts.json');
  }

  async load(): Promise<StoredHost[]> {
    const file = await readJsonFileOrMoveAside(this.path, FileSchema);
    if (file.state === 'valid') return file.value.hosts;
    // An unreadable file is kept for inspection rather than overwritten, and we start with no hosts.
    if (file.state === 'moved-aside') log.warn(`${this.path} was not a valid host list; moved it to ${file.aside}`);
    return [];
  }

  /** Saves the list; concurrent saves are serialized so the last call wins. */
  save(hosts: StoredHost[]): Promise<void> {
    const content = { version: CONFIG_VERSION, hosts };
    // Chained after the previous save whatever its outcome: one failed write must not fail every later one.
    this.writing = this.writing
      .catch(() => undefined)
      .then(() => writeJsonAtomically(this.path, content, { folderMode: 0o700 }));
    return this.writing;
  }
}
