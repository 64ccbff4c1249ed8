/**
 * The test bed's `stop` signals daemons by the PIDs in its pidfiles. A pidfile outlives its daemon (a crash, a
 * kill -9) and its PID can come back as another test bed's daemon of the same binary. A state folder whose
 * host0 pidfiles name this test bed's host2 daemons (a live libvirtd and virtlogd, in another mount namespace)
 * stands for that: `status` calls host0 stopped, `stop` leaves host2's daemons running.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const HOSTS_SH = join(import.meta.dirname, '..', '..', '..', 'scripts', 'testbed', 'hosts.sh');
const slot = /^qemu\+tcp:\/\/127\.0\.(\d)\./.exec(env?.host1Uri ?? '')?.[1] ?? '0';

/** Runs hosts.sh with a state folder; resolves with its output whatever its exit status. */
async function hostsSh(stateDir: string, command: string): Promise<string> {
  const options = { env: { ...process.env, TANDEM_TESTBED_SLOT: slot, TANDEM_TESTBED_DIR: stateDir } };
  return execFileAsync('bash', [HOSTS_SH, command], options).then(
    ({ stdout, stderr }) => stdout + stderr,
    (error: { stdout?: string; stderr?: string }) => (error.stdout ?? '') + (error.stderr ?? ''),
  );
}

describe.skipIf(!env)("the test bed trusts a pidfile only for a process in that host's mount namespace", () => {
  let stale = '';
  const daemon = (name: 'libvirtd' | 'virtlogd') => Number(readFileSync(join(env!.dir, 'host2', `${name}.pid`), 'utf8').trim());

  beforeAll(async () => {
    stale = await mkdtemp(join(tmpdir(), 'tandem-stale-'));
    for (const host of [0, 1, 2, 3, 4]) await mkdir(join(stale, `host${host}`, 'run', 'libvirt'), { recursive: true });
    await writeFile(join(stale, 'host0', 'libvirtd.pid'), `${daemon('libvirtd')}\n`);
    await writeFile(join(stale, 'host0', 'virtlogd.pid'), `${daemon('virtlogd')}\n`);
  });
  afterAll(async () => {
    await rm(stale, { recursive: true, force: true });
    // Had the guard failed, host2 is started again for the tests after this one.
    await hostsSh(env!.dir, 'start');
  });

  it("status: a PID that is another host's libvirtd is no running host0", async () => {
    expect(await hostsSh(stale, 'status')).toMatch(/^testbed: host0: stopped$/m);
  });

  it("stop: another host's libvirtd and virtlogd named by stale pidfiles keep running", async () => {
    const [libvirtd, virtlogd] = [daemon('libvirtd'), daemon('virtlogd')];
    await hostsSh(stale, 'stop');
    expect(existsSync(`/proc/${libvirtd}`), 'host2 libvirtd').toBe(true);
    expect(existsSync(`/proc/${virtlogd}`), 'host2 virtlogd').toBe(true);
  });
});
