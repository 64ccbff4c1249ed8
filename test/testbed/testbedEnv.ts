/**
 * Where the integration tests find the test bed (five real libvirt hosts with tiny QEMU guests, started by
 * `npm run testbed` / scripts/testbed/testbed.sh up). The scripts write `KEY=value` lines to
 * `$TANDEM_TESTBED_DIR/testbed.env` (default `<repo>/.testbed/testbed.env`) and delete the file on `down`,
 * so "no env file" means "no test bed": tests skip.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestbedEnv {
  /** The state folder (TANDEM_TESTBED_DIR). */
  dir: string;
  /** host0: unix socket only, `qemu:///system?socket=...`. */
  host0Uri: string;
  /** host1: TCP on 127.0.0.2:16510, no auth. */
  host1Uri: string;
  /**
   * host1 through its daemon's own unix socket (`qemu:///system?socket=<dir>/host1/run/libvirt/libvirt-sock`):
   * the same host as host1Uri, on a connection that can pass file descriptors (a local host, as Tandem sees
   * `qemu:///system`). Derived from `dir`, not written in the env file.
   */
  host1SocketUri: string;
  /** host2: TCP on 127.0.0.3:16510, no auth; host1 <-> host2 live migration works (shared storage, unsafe flag). */
  host2Uri: string;
  /**
   * host3: TCP on 127.0.0.4:16510 with a SASL (DIGEST-MD5) login as saslUser / saslPassword. Absent when the
   * env file was written by a test bed without it (tests that need it skip or fail on their own terms).
   */
  host3Uri?: string;
  saslUser?: string;
  saslPassword?: string;
  /**
   * host4, the network host: unix socket only, in a network namespace of its own, so libvirt can start
   * networks there (bridge, iptables, dnsmasq) and guests get DHCP leases. Absent in an older env file.
   */
  netHostUri?: string;
  /** The three URIs without a login, host0 first (host3 is not among them: it needs credentials). */
  hostUris: readonly [string, string, string];
  /** Guest kernel for direct kernel boot (`<os><kernel>`). */
  kernel: string;
  /** Guest initramfs (`<os><initrd>`). */
  initrd: string;
  /** The same initramfs plus the QEMU guest agent and its libraries (for createTinyGuest's `agent: true`). */
  agentInitrd?: string;
  /** Folder for guest disks and serial logs, same path on all hosts. */
  images: string;
  /**
   * The tiny guest as a bootable installer ISO (isolinux, BIOS): booted from a CD-ROM it prints isolinux's
   * banner and `TANDEM-GUEST-READY id=installer` on ttyS0. Absent in env files of older test beds.
   */
  installIso?: string;
  /** The same ISO whose guest reboots itself right after its READY line (tandem.then=reboot), as an installer ends. */
  installRebootIso?: string;
}

const KEYS = {
  dir: 'TANDEM_TESTBED_DIR',
  host0Uri: 'TANDEM_TESTBED_HOST0_URI',
  host1Uri: 'TANDEM_TESTBED_HOST1_URI',
  host2Uri: 'TANDEM_TESTBED_HOST2_URI',
  kernel: 'TANDEM_TESTBED_KERNEL',
  initrd: 'TANDEM_TESTBED_INITRD',
  images: 'TANDEM_TESTBED_IMAGES',
  agentInitrd: 'TANDEM_TESTBED_AGENT_INITRD',
  host3Uri: 'TANDEM_TESTBED_HOST3_URI',
  saslUser: 'TANDEM_TESTBED_SASL_USER',
  saslPassword: 'TANDEM_TESTBED_SASL_PASSWORD',
  installIso: 'TANDEM_TESTBED_INSTALL_ISO',
  netHostUri: 'TANDEM_TESTBED_NETHOST_URI',
  installRebootIso: 'TANDEM_TESTBED_INSTALL_REBOOT_ISO',
} as const;

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Path of the env file the scripts write: `$TANDEM_TESTBED_DIR/testbed.env` or `<repo>/.testbed/testbed.env`. */
export function testbedEnvPath(): string {
  const dir = process.env.TANDEM_TESTBED_DIR;
  return join(dir && dir.length > 0 ? dir : join(REPO_ROOT, '.testbed'), 'testbed.env');
}

/** Parses `KEY=value` lines; blank lines and `#` comments are skipped, one level of matching quotes is removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    out[key] = value;
  }
  return out;
}

/**
 * Reads the test bed's env file. Returns undefined when there is none (test bed not up); throws when it
 * exists but lacks a key (written by an incompatible script version).
 */
export function readTestbedEnv(): TestbedEnv | undefined {
  const path = testbedEnvPath();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const vars = parseEnvFile(text);
  const get = (key: string): string => {
    const value = vars[key];
    if (value === undefined || value === '') {
      throw new Error(`${path} has no ${key}: restart the test bed (npm run testbed -- down; npm run testbed)`);
    }
    return value;
  };
  const host0Uri = get(KEYS.host0Uri);
  const host1Uri = get(KEYS.host1Uri);
  const host2Uri = get(KEYS.host2Uri);
  const optional = (key: string): string | undefined => (vars[key] === '' ? undefined : vars[key]);
  const agentInitrd = optional(KEYS.agentInitrd);
  const host3Uri = optional(KEYS.host3Uri);
  const saslUser = optional(KEYS.saslUser);
  const saslPassword = optional(KEYS.saslPassword);
  const installIso = optional(KEYS.installIso);
  const netHostUri = optional(KEYS.netHostUri);
  const installRebootIso = optional(KEYS.installRebootIso);
  const dir = get(KEYS.dir);
  return {
    dir,
    host0Uri,
    host1Uri,
    host1SocketUri: `qemu:///system?socket=${join(dir, 'host1', 'run', 'libvirt', 'libvirt-sock')}`,
    host2Uri,
    hostUris: [host0Uri, host1Uri, host2Uri],
    kernel: get(KEYS.kernel),
    initrd: get(KEYS.initrd),
    images: get(KEYS.images),
    ...(agentInitrd !== undefined ? { agentInitrd } : {}),
    ...(host3Uri !== undefined ? { host3Uri } : {}),
    ...(saslUser !== undefined ? { saslUser } : {}),
    ...(saslPassword !== undefined ? { saslPassword } : {}),
    ...(installIso !== undefined ? { installIso } : {}),
    ...(netHostUri !== undefined ? { netHostUri } : {}),
    ...(installRebootIso !== undefined ? { installRebootIso } : {}),
  };
}
