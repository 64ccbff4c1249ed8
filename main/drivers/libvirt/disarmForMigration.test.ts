/**
 * The decision before a live migration with a scripted QEMU monitor (the real one runs on the test bed:
 * test/integration/testbed/migrationBackgroundSnapshot.test.ts): which QMP commands for which state.
 */
import { describe, expect, it } from 'vitest';
import { disarmForMigration, type QmpCommands } from './BackgroundSnapshot';

class ScriptedQmp implements QmpCommands {
  capability: boolean | undefined = false;
  /** QEMU ignores the switch-off (it stays on). */
  sticky = false;
  migration = 'none';
  sent: string[] = [];
  async command<T>(execute: string, args?: Record<string, unknown>): Promise<T> {
    this.sent.push(execute);
    switch (execute) {
      case 'query-migrate-capabilities':
        return [{ capability: 'xbzrle', state: false }, ...(this.capability === undefined ? [] : [{ capability: 'background-snapshot', state: this.capability }])] as T;
      case 'query-migrate':
        return (this.migration === 'none' ? {} : { status: this.migration }) as T;
      case 'migrate-set-capabilities': {
        const [cap] = (args as { capabilities: { capability: string; state: boolean }[] }).capabilities;
        expect(cap).toEqual({ capability: 'background-snapshot', state: false });
        if (!this.sticky) this.capability = cap!.state;
        return {} as T;
      }
      default:
        throw new Error(`unexpected ${execute}`);
    }
  }
}

describe('disarmForMigration', () => {
  it('reads only, when the capability is off or this QEMU has none', async () => {
    const off = new ScriptedQmp();
    expect(await disarmForMigration(off)).toBe('off');
    expect(off.sent).toEqual(['query-migrate-capabilities']);
    const old = new ScriptedQmp();
    old.capability = undefined;
    expect(await disarmForMigration(old)).toBe('no-capability');
  });

  it('switches a capability left on off, and reads it back', async () => {
    const left = new ScriptedQmp();
    left.capability = true;
    left.migration = 'completed';
    expect(await disarmForMigration(left)).toBe('switched-off');
    expect(left.sent).toEqual(['query-migrate-capabilities', 'query-migrate', 'migrate-set-capabilities', 'query-migrate-capabilities']);
    expect(left.capability).toBe(false);
  });

  it('refuses while a background snapshot is being written, and when the capability will not go off', async () => {
    const writing = new ScriptedQmp();
    writing.capability = true;
    writing.migration = 'active';
    await expect(disarmForMigration(writing)).rejects.toMatchObject({ kind: 'Conflict', code: 'migration.background-snapshot-running' });
    expect(writing.sent).not.toContain('migrate-set-capabilities');
    const sticky = new ScriptedQmp();
    sticky.capability = true;
    sticky.sticky = true;
    await expect(disarmForMigration(sticky)).rejects.toMatchObject({ code: 'migration.background-snapshot-on' });
  });
});
