/**
 * The write-ahead journal of multi-step checkpoint operations: one durable JSON file per operation in
 * progress (<dataDir>/checkpoints/journal/<id>.json), rewritten at each step and removed at the end. At start
 * the engine replays what it finds (CheckpointEngine.recover).
 *
 * Test-only hook: TANDEM_CHECKPOINT_HALT_AT="<op>:<step>" makes the process announce
 * "tandem-checkpoint-halted <op>:<step>" on stderr right after that step is journaled and then wait forever,
 * so a test can SIGKILL it at a known point.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfPresent, removeDurably, writeJsonDurably } from './atomicJson';
import type { CheckpointVm } from './ports';

export interface JournalEntry<Data = unknown> {
  id: string;
  op: 'take' | 'revert' | 'delete' | 'commit';
  vm: CheckpointVm;
  step: string;
  data: Data;
}

export const HALT_ENV = 'TANDEM_CHECKPOINT_HALT_AT';

export class CheckpointJournal {
  constructor(private readonly folder: string) {}

  private path(id: string): string {
    return join(this.folder, `${id}.json`);
  }

  async write<Data>(entry: JournalEntry<Data>): Promise<void> {
    await writeJsonDurably(this.path(entry.id), entry);
    await haltIfAsked(`${entry.op}:${entry.step}`);
  }

  async finish(id: string): Promise<void> {
    await removeDurably(this.path(id));
  }

  async pending(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: JournalEntry[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const entry = await readJsonIfPresent<JournalEntry>(join(this.folder, name));
      if (entry) entries.push(entry);
    }
    return entries;
  }
}

async function haltIfAsked(point: string): Promise<void> {
  if (process.env[HALT_ENV] !== point) return;
  process.stderr.write(`tandem-checkpoint-halted ${point}\n`);
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}
