/**
 * The test bed's network host (host4, see README.md next to this file): a libvirtd in a network namespace of
 * its own, where libvirt can start networks (bridge, iptables, dnsmasq) and guests take DHCP leases. Its
 * bridges, addresses and firewall rules exist only in that namespace: `inNetHost` runs a command there
 * (nsenter, as root) so a test can read them as an independent witness, or set up a conflict libvirt must
 * refuse.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestbedEnv } from './testbedEnv';

const execFileAsync = promisify(execFile);

/** host4's URI; a test bed started before host4 existed has none: restart it. */
export function netHostUri(env: TestbedEnv): string {
  if (!env.netHostUri) throw new Error('the test bed has no network host (TANDEM_TESTBED_NETHOST_URI): restart it (npm run testbed -- down; npm run testbed)');
  return env.netHostUri;
}

/** Runs a command in host4's network namespace; resolves with its stdout. */
export async function inNetHost(env: TestbedEnv, command: string, ...args: string[]): Promise<string> {
  const pid = readFileSync(join(env.dir, 'host4', 'libvirtd.pid'), 'utf8').trim();
  if (!/^\d+$/.test(pid)) throw new Error(`host4's pidfile holds "${pid}", not a PID`);
  return (await execFileAsync('nsenter', [`--net=/proc/${pid}/ns/net`, command, ...args])).stdout;
}

/** A /24 in 10.(100+slot).N.0 with N from this process and `offset`: no two test files share one. */
export function testSubnet(env: TestbedEnv, offset: number): string {
  const slot = Number(/127\.0\.(\d+)\./.exec(env.host1Uri)?.[1] ?? 0);
  return `10.${100 + slot}.${(process.pid * 3 + offset) % 250}.0/24`;
}
