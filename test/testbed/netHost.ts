/**
 * The test bed's network host (host4, see README.md next to this file): a libvirtd in a network namespace of
 * its own, where libvirt can start networks (bridge, iptables, dnsmasq) and guests take DHCP leases. Its
 * bridges, addresses and firewall rules exist only in that namespace: `inNetHost` runs a command there
 * (nsenter, as root) so a test can read them as an independent witness, or set up a conflict libvirt must
 * refuse.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestbedEnv } from './testbedEnv';

const execFileAsync = promisify(execFile);

/** host4's URI; a test bed started before host4 existed has none: restart it. */
export function netHostUri(env: TestbedEnv): string {
  if (!env.netHostUri) throw new Error('the test bed has no network host (TANDEM_TESTBED_NETHOST_URI): restart it (npm run testbed -- down; npm run testbed)');
  return env.netHostUri;
}

/**
 * Runs a command in host4's network namespace; resolves with its stdout. The namespace is taken from the PID
 * in host4's pidfile only once that PID is host4's libvirtd (its binary, its private /run/libvirt) and runs in
 * a network namespace other than this process's: a stale pidfile whose PID now belongs to anything else must
 * never send a test's `ip link add` or `iptables` into the machine's own namespace.
 */
export async function inNetHost(env: Pick<TestbedEnv, 'dir'>, command: string, ...args: string[]): Promise<string> {
  return (await execFileAsync('nsenter', [`--net=/proc/${netHostPid(env)}/ns/net`, command, ...args])).stdout;
}

/** host4's libvirtd PID, checked as inNetHost says (throws saying what does not match). */
export function netHostPid(env: Pick<TestbedEnv, 'dir'>): number {
  const dir = join(env.dir, 'host4');
  const text = readFileSync(join(dir, 'libvirtd.pid'), 'utf8').trim();
  if (!/^\d+$/.test(text)) throw new Error(`host4's pidfile holds "${text}", not a PID`);
  const pid = Number(text);
  const fail = (why: string) => new Error(`host4's pidfile names PID ${pid}, which ${why}: is host4 running? (npm run testbed)`);
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    throw fail('does not run');
  }
  if (exe !== '/usr/sbin/libvirtd') throw fail(`is ${exe}, not libvirtd`);
  const hostRun = statSync(join(dir, 'run', 'libvirt'));
  const itsRun = statSync(`/proc/${pid}/root/run/libvirt`);
  if (itsRun.dev !== hostRun.dev || itsRun.ino !== hostRun.ino) throw fail("is another libvirtd (its /run/libvirt is not host4's)");
  if (readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync('/proc/self/ns/net')) throw fail("runs in this machine's network namespace");
  return pid;
}

/** A /24 in 10.(100+slot).N.0 with N from this process and `offset`: no two test files share one. */
export function testSubnet(env: TestbedEnv, offset: number): string {
  const slot = Number(/127\.0\.(\d+)\./.exec(env.host1Uri)?.[1] ?? 0);
  return `10.${100 + slot}.${(process.pid * 3 + offset) % 250}.0/24`;
}
