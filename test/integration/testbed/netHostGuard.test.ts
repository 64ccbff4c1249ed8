/**
 * inNetHost enters host4's network namespace through the PID in host4's pidfile; a pidfile can outlive its
 * daemon and its PID be reused. The guard refuses, without running anything, a PID that is not libvirtd (this
 * test's own process), and a libvirtd that is not host4's and runs in the machine's network namespace (host1's:
 * a test's `ip link add` would otherwise land in the machine's own namespace); host4's own is accepted.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testbedOrFail } from '../../support/requireTestbed';
import { inNetHost, netHostPid } from '../../testbed/netHost';

const env = testbedOrFail();

describe.skipIf(!env)("inNetHost trusts host4's pidfile only for host4's libvirtd", () => {
  let dir = '';
  /** A state folder whose host4 pidfile names `pid`. */
  const fakeState = async (pid: number) => {
    await writeFile(join(dir, 'host4', 'libvirtd.pid'), `${pid}\n`);
    return { dir };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-nethost-'));
    await mkdir(join(dir, 'host4', 'run', 'libvirt'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a PID that is not libvirtd', async () => {
    await expect(inNetHost(await fakeState(process.pid), 'true')).rejects.toThrow(/not libvirtd/);
  });

  it("refuses another host's libvirtd, in the machine's network namespace", async () => {
    const host1 = Number(readFileSync(join(env!.dir, 'host1', 'libvirtd.pid'), 'utf8').trim());
    await expect(inNetHost(await fakeState(host1), 'true')).rejects.toThrow(/another libvirtd/);
  });

  it("enters host4's own namespace", async () => {
    expect(netHostPid(env!)).toBe(Number(readFileSync(join(env!.dir, 'host4', 'libvirtd.pid'), 'utf8').trim()));
    expect(await inNetHost(env!, 'ip', '-o', 'link', 'show', 'lo')).toMatch(/^1: lo:/);
  });
});
