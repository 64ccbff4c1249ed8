/** Node's teardown with libvirt callbacks still registered and events in flight ends the process cleanly. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, 'fixtures', 'exitWithEventsInFlight.ts');

describe('process exit', () => {
  it('exits normally with events in flight and an unclosed connection (10 runs)', async () => {
    for (let i = 0; i < 10; i++) {
      // Rejects (with the exit code or signal) if the child aborts.
      await expect(run(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: join(import.meta.dirname, '..') })).resolves.toBeDefined();
    }
  }, 120_000);
});
