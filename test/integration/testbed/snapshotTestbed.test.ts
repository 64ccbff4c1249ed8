/**
 * startGuest (snapshotTestbed.ts), which the checkpoint suites start their guest with through
 * startCheckpointGuest: when a step fails it must not leave its domain defined on host1, nor its files, for
 * the suite's afterAll never gets a guest to remove.
 */
import { execFile } from 'node:child_process';
import { access, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testbedOrFail } from '../../support/requireTestbed';
import { checkpointHostUri } from './checkpointFixture';
import { startGuest } from './snapshotTestbed';

const execFileAsync = promisify(execFile);
const env = testbedOrFail();

describe.skipIf(!env)('startGuest when a step fails', () => {
  it('a guest QEMU cannot start (its disk is no qcow2) leaves no domain and no files behind', async () => {
    const name = `sg-${process.pid}-fails`;
    // An empty file where the qcow2 disk was: the domain is defined, then QEMU refuses to open the disk.
    await expect(startGuest(env!, name, (diskPath) => truncate(diskPath, 0), checkpointHostUri(env!))).rejects.toThrow(/qcow2/i);
    const domains = (await execFileAsync('virsh', ['-c', env!.host1Uri, 'list', '--all', '--name'])).stdout.split('\n').map((s) => s.trim());
    expect(domains).not.toContain(name);
    await expect(access(join(env!.images, `${name}.qcow2`))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
