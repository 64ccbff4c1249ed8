/**
 * The monitoring settings (the sampling interval), persisted as `monitoring.json` in the data folder:
 * schema-versioned, written atomically (temp file + rename). An unreadable file is moved aside, and the
 * defaults are used.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { MonitoringSettingsSchema, type MonitoringSettings } from '../../../preload/contract';
import { createLogger } from '../logging';
import { readJsonFileOrMoveAside, writeJsonAtomically } from '../storage/JsonFile';

const log = createLogger('monitoring-settings');

export const MONITORING_SETTINGS_VERSION = 1;
export const DEFAULT_MONITORING_SETTINGS: MonitoringSettings = { intervalSeconds: 2 };

const FileSchema = z.object({ version: z.literal(MONITORING_SETTINGS_VERSION), settings: MonitoringSettingsSchema });

export class MonitoringSettingsStore {
  readonly path: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'monitoring.json');
  }

  async load(): Promise<MonitoringSettings> {
    const file = await readJsonFileOrMoveAside(this.path, FileSchema);
    if (file.state === 'valid') return file.value.settings;
    if (file.state === 'moved-aside') {
      log.warn(`${this.path} was not valid monitoring settings; moved it to ${file.aside} and used the defaults`);
    }
    return { ...DEFAULT_MONITORING_SETTINGS };
  }

  /** Saves; concurrent saves are serialized so the last call wins. */
  save(settings: MonitoringSettings): Promise<void> {
    const content = { version: MONITORING_SETTINGS_VERSION, settings };
    this.writing = this.writing
      .catch(() => undefined)
      .then(() => writeJsonAtomically(this.path, content, { folderMode: 0o700 }));
    return this.writing;
  }
}
