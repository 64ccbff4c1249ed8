/**
 * The monitoring settings (the sampling interval), persisted as `monitoring.json` in the data folder:
 * schema-versioned, written atomically (temp file + rename). An unreadable file is moved aside, and the
 * defaults are used.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MonitoringSettingsSchema, type MonitoringSettings } from '../../../preload/contract';
import { createLogger } from '../logging';

const log = createLogger('monitoring-settings');

export const MONITORING_SETTINGS_VERSION = 1;
export const DEFAULT_MONITORING_SETTINGS: MonitoringSettings = { intervalSeconds: 2 };

const FileSchema = z.object({ version: z.literal(MONITORING_SETTINGS_VERSION), settings: MonitoringSettingsSchema });

export class MonitoringSettingsStore {
  readonly path: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, 'monitoring.json');
  }

  async load(): Promise<MonitoringSettings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_MONITORING_SETTINGS };
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = FileSchema.safeParse(json);
    if (!parsed.success) {
      const aside = `${this.path}.unreadable-${Date.now()}`;
      await rename(this.path, aside);
      log.warn(`${this.path} was not valid monitoring settings; moved it to ${aside} and used the defaults`);
      return { ...DEFAULT_MONITORING_SETTINGS };
    }
    return parsed.data.settings;
  }

  /** Saves; concurrent saves are serialized so the last call wins. */
  save(settings: MonitoringSettings): Promise<void> {
    const body = JSON.stringify({ version: MONITORING_SETTINGS_VERSION, settings }, null, 2) + '\n';
    this.writing = this.writing.catch(() => undefined).then(async () => {
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, body, { mode: 0o600 });
      await rename(temp, this.path);
    });
    return this.writing;
  }
}
