/**
 * Tiny real QEMU guests for integration tests on the test bed (see README.md next to this file).
 *
 * createTinyGuest() makes a qcow2 disk in the test bed's images folder and returns a libvirt domain XML
 * (built with @xmldom/xmldom) that boots the test bed's kernel + initramfs under TCG in ~2 s. The guest
 * writes its serial console to a log file; waitForSerial() watches that file for the guest's protocol lines
 * (TANDEM-GUEST-READY, tandem-counter, tandem-disk-counter, tandem-seed:, tandem-poweroff).
 * Defining/starting the domain is the test's business (through Tandem or virsh), and so is undefining it.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DOMImplementation, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import type { TestbedEnv } from './testbedEnv';

const execFileAsync = promisify(execFile);

/** Serial lines of the tiny guest (lines end with CRLF on the wire; waitForSerial strips the CR). */
export const SERIAL = {
  ready: /^TANDEM-GUEST-READY id=(\S+)$/m,
  counter: /^tandem-counter (\d+)$/m,
  diskCounter: /^tandem-disk-counter (\d+)$/m,
  seedLine: /^tandem-seed: (.*)$/m,
  seedMissing: /^tandem-seed-missing$/m,
  poweroff: /^tandem-poweroff$/m,
  /** With `then`: the guest is about to reboot / power off by itself. */
  then: /^tandem-then (reboot|poweroff)$/m,
  agentStarted: /^tandem-agent started$/m,
  agentMissing: /^tandem-agent-missing$/m,
  /** With a virtio NIC: the DHCP lease the guest took (interface, address, prefix length). */
  netAddress: /^tandem-net-address (\S+) ([0-9.]+)\/(\d+)$/m,
  netNoLease: /^tandem-net-no-lease (\S+)$/m,
  /** With a virtio NIC: another guest on the link answered the guest's all-hosts ping. */
  netPeer: /^tandem-net-peer ([0-9.]+)$/m,
  /** With `tpm`: once at boot, the TPM NV index's value before this boot wrote to it ("none" at first). */
  tpmBoot: /^tandem-tpm-boot nv=(\S+)$/m,
  /** With `tpm`: every tick, the NV value read (the previous tick's n) before n is written to it. */
  tpmTick: /^tandem-tpm n=(\d+) nv=(\S+)$/m,
  tpmError: /^tandem-tpm-error (.*)$/m,
} as const;

export interface TinyGuestOptions {
  /** Domain name; also names the disk and log files. Letters, digits, '.', '_', '-'. */
  name: string;
  /** Printed by the guest in `TANDEM-GUEST-READY id=<id>`; defaults to the name. */
  id?: string;
  /** Guest memory, default 128 MiB. */
  memoryMiB?: number;
  /** qcow2 disk size, default 64 MiB. */
  diskMiB?: number;
  /** ISO attached as an IDE CD-ROM; the guest then prints each line of its `user-data` as `tandem-seed: ...`. */
  seedIso?: string;
  /**
   * How serial port 0 (the console) is wired: 'file' (default) logs it to serialLogPath only; 'pty' gives it a
   * host pty, so libvirt can open it as a console stream (virDomainOpenConsole), and still logs it to
   * serialLogPath (through virtlogd), so waitForSerial works with either.
   */
  serial?: TinyGuestSerial;
  /** 'vnc' (default): a VNC server on 127.0.0.1 (autoport); 'none': no graphics device at all. */
  graphics?: TinyGuestGraphics;
  /**
   * Runs the real QEMU guest agent: boots the agent initramfs (env.agentInitrd), adds the
   * `org.qemu.guest_agent.0` virtio-serial channel and a second
   * disk (vdb, `dataDiskMiB`) that the guest formats and mounts on /mnt/data, so fsfreeze has a real
   * block-backed filesystem. The guest prints `tandem-agent started` before its READY line.
   */
  agent?: boolean;
  /** Size of the agent's data disk, default 16 MiB. */
  dataDiskMiB?: number;
  /** A virtio memory balloon (`<memballoon model='virtio'/>`, guest loads virtio_balloon) instead of none. */
  balloon?: boolean;
  /** MiB of RAM the guest keeps rewriting with random bytes (a busy guest for benchmarks); none by default. */
  busyMiB?: number;
  /**
   * A virtio NIC on this libvirt network (by name): the guest takes a DHCP lease on it and prints
   * `tandem-net-address`, then `tandem-net-peer` for each other guest on the link. None by default.
   */
  network?: string;
  /** With `network`: this address (CIDR, e.g. 10.1.2.3/24) on the NIC instead of DHCP (kernel param `tandem.ip=`). */
  staticIp?: string;
  /**
   * An emulated TPM 2.0 (`<tpm model='tpm-crb'>`, swtpm run by libvirt; the cloud kernel's CRB driver is
   * built in): the guest keeps its counter in a TPM NV index too and prints what it reads there
   * (SERIAL.tpmBoot, SERIAL.tpmTick), so a test sees which TPM state the guest runs on.
   */
  tpm?: boolean;
  /** Right after its READY line the guest reboots (a reset) or powers off by itself, printing `tandem-then <what>`. */
  then?: 'reboot' | 'poweroff';
  /** The domain's `<on_reboot>`: 'restart' (default) or 'destroy' (a reset stops the domain, as an installer's config). */
  onReboot?: 'restart' | 'destroy';
}

export type TinyGuestSerial = 'file' | 'pty';
export type TinyGuestGraphics = 'vnc' | 'none';

export interface TinyGuest {
  name: string;
  uuid: string;
  /** libvirt domain XML, ready for virDomainDefineXML / `virsh define`. */
  xml: string;
  diskPath: string;
  serialLogPath: string;
  /** The agent's data disk (vdb), with `agent: true`. */
  dataDiskPath?: string;
}

/** The guest's devices and behaviour as TinyGuestOptions says them; the rest is what createTinyGuest resolved. */
export interface TinyGuestXmlParams
  extends Pick<TinyGuestOptions, 'seedIso' | 'serial' | 'graphics' | 'balloon' | 'busyMiB' | 'network' | 'staticIp' | 'tpm' | 'then' | 'onReboot'> {
  name: string;
  uuid: string;
  id: string;
  memoryMiB: number;
  kernel: string;
  initrd: string;
  diskPath: string;
  serialLogPath: string;
  /** With the agent channel; its data disk (vdb) is this qcow2. */
  agentDataDisk?: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Builds the domain XML of a tiny guest (a DOM, serialized; never string templates). */
export function buildTinyGuestXml(p: TinyGuestXmlParams): string {
  const doc: Document = new DOMImplementation().createDocument(null, 'domain', null);
  const domain = doc.documentElement;
  if (!domain) throw new Error('xmldom created no root element');
  domain.setAttribute('type', 'qemu');

  const add = (parent: Element, tag: string, attrs: Record<string, string> = {}, text?: string): Element => {
    const el = doc.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
    if (text !== undefined) el.appendChild(doc.createTextNode(text));
    parent.appendChild(el);
    return el;
  };

  add(domain, 'name', {}, p.name);
  add(domain, 'uuid', {}, p.uuid);
  add(domain, 'memory', { unit: 'MiB' }, String(p.memoryMiB));
  add(domain, 'currentMemory', { unit: 'MiB' }, String(p.memoryMiB));
  add(domain, 'vcpu', {}, '1');

  const os = add(domain, 'os');
  add(os, 'type', { arch: 'x86_64', machine: 'pc' }, 'hvm');
  add(os, 'kernel', {}, p.kernel);
  add(os, 'initrd', {}, p.initrd);
  const cmdline = ['console=ttyS0', 'quiet', 'panic=-1', `tandem.id=${p.id}`];
  if (p.seedIso) cmdline.push('tandem.seed=1');
  if (p.agentDataDisk) cmdline.push('tandem.agent=1');
  if (p.balloon) cmdline.push('tandem.balloon=1');
  if (p.busyMiB) cmdline.push(`tandem.busy=${Math.trunc(p.busyMiB)}`);
  if (p.staticIp) cmdline.push(`tandem.ip=${p.staticIp}`);
  if (p.tpm) cmdline.push('tandem.tpm=1');
  if (p.then) cmdline.push(`tandem.then=${p.then}`);
  add(os, 'cmdline', {}, cmdline.join(' '));

  // ACPI lets `virsh shutdown` press the power button the guest listens to.
  add(add(domain, 'features'), 'acpi');
  add(domain, 'on_poweroff', {}, 'destroy');
  add(domain, 'on_reboot', {}, p.onReboot ?? 'restart');
  add(domain, 'on_crash', {}, 'destroy');

  const devices = add(domain, 'devices');
  const disk = add(devices, 'disk', { type: 'file', device: 'disk' });
  add(disk, 'driver', { name: 'qemu', type: 'qcow2' });
  add(disk, 'source', { file: p.diskPath });
  add(disk, 'target', { dev: 'vda', bus: 'virtio' });

  if (p.agentDataDisk) {
    const data = add(devices, 'disk', { type: 'file', device: 'disk' });
    add(data, 'driver', { name: 'qemu', type: 'qcow2' });
    add(data, 'source', { file: p.agentDataDisk });
    add(data, 'target', { dev: 'vdb', bus: 'virtio' });
  }

  if (p.network) {
    const nic = add(devices, 'interface', { type: 'network' });
    add(nic, 'source', { network: p.network });
    add(nic, 'model', { type: 'virtio' });
  }

  if (p.seedIso) {
    const cdrom = add(devices, 'disk', { type: 'file', device: 'cdrom' });
    add(cdrom, 'driver', { name: 'qemu', type: 'raw' });
    add(cdrom, 'source', { file: p.seedIso });
    add(cdrom, 'target', { dev: 'hdc', bus: 'ide' });
    add(cdrom, 'readonly');
  }

  // One serial port logged to a file (append: a migrated or restarted guest keeps its history), and the
  // console element libvirt pairs with serial port 0. A pty serial logs the same file through its <log>.
  if (p.serial === 'pty') {
    const serial = add(devices, 'serial', { type: 'pty' });
    add(serial, 'log', { file: p.serialLogPath, append: 'on' });
    add(serial, 'target', { port: '0' });
    add(add(devices, 'console', { type: 'pty' }), 'target', { type: 'serial', port: '0' });
  } else {
    const serial = add(devices, 'serial', { type: 'file' });
    add(serial, 'source', { path: p.serialLogPath, append: 'on' });
    add(serial, 'target', { port: '0' });
    const consoleEl = add(devices, 'console', { type: 'file' });
    add(consoleEl, 'source', { path: p.serialLogPath, append: 'on' });
    add(consoleEl, 'target', { type: 'serial', port: '0' });
  }

  if (p.agentDataDisk) {
    // libvirt picks the host-side socket path and tracks the port's state (agent-lifecycle events).
    const channel = add(devices, 'channel', { type: 'unix' });
    add(channel, 'source', { mode: 'bind' });
    add(channel, 'target', { type: 'virtio', name: 'org.qemu.guest_agent.0' });
  }

  if (p.tpm) add(add(devices, 'tpm', { model: 'tpm-crb' }), 'backend', { type: 'emulator', version: '2.0' });
  if (p.graphics !== 'none') add(devices, 'graphics', { type: 'vnc', autoport: 'yes', listen: '127.0.0.1' });
  if (p.balloon) {
    // Stats every second, so bulk stats' balloon group carries the guest's view, not only the size.
    add(add(devices, 'memballoon', { model: 'virtio' }), 'stats', { period: '1' });
  } else {
    add(devices, 'memballoon', { model: 'none' });
  }

  indent(doc, domain, 1);
  return new XMLSerializer().serializeToString(doc) + '\n';
}

/** Adds whitespace text nodes so the serialized XML is readable in test failures. */
function indent(doc: Document, el: Element, depth: number): void {
  const children: Element[] = [];
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1) children.push(child as Element);
  }
  if (children.length === 0) return;
  for (const child of children) {
    el.insertBefore(doc.createTextNode('\n' + '  '.repeat(depth)), child);
    indent(doc, child, depth + 1);
  }
  el.appendChild(doc.createTextNode('\n' + '  '.repeat(depth - 1)));
}

/** Creates the guest's qcow2 disk (and clears an old serial log) and returns its domain XML and paths. */
export async function createTinyGuest(env: TestbedEnv, opts: TinyGuestOptions): Promise<TinyGuest> {
  const id = opts.id ?? opts.name;
  if (!NAME_RE.test(opts.name)) throw new Error(`tiny guest name ${JSON.stringify(opts.name)}: use [A-Za-z0-9._-], at most 63 chars`);
  if (!NAME_RE.test(id)) throw new Error(`tiny guest id ${JSON.stringify(id)}: use [A-Za-z0-9._-], at most 63 chars`);
  const memoryMiB = opts.memoryMiB ?? 128;
  const diskMiB = opts.diskMiB ?? 64;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 32) throw new Error(`memoryMiB must be an integer >= 32, got ${memoryMiB}`);
  if (!Number.isInteger(diskMiB) || diskMiB < 1) throw new Error(`diskMiB must be a positive integer, got ${diskMiB}`);

  const dataDiskMiB = opts.dataDiskMiB ?? 16;
  if (!Number.isInteger(dataDiskMiB) || dataDiskMiB < 8) throw new Error(`dataDiskMiB must be an integer >= 8, got ${dataDiskMiB}`);

  if (opts.staticIp && (!opts.network || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(opts.staticIp))) {
    throw new Error(`staticIp ${JSON.stringify(opts.staticIp)}: an IPv4 CIDR address, and only with a network`);
  }
  if (opts.agent && !env.agentInitrd) {
    throw new Error('agent: true needs the test bed\'s agent initramfs (TANDEM_TESTBED_AGENT_INITRD): restart the test bed');
  }

  const diskPath = join(env.images, `${opts.name}.qcow2`);
  const serialLogPath = join(env.images, `${opts.name}.serial.log`);
  const dataDiskPath = opts.agent ? join(env.images, `${opts.name}.data.qcow2`) : undefined;
  await rm(serialLogPath, { force: true });
  await createQcow2(diskPath, diskMiB);
  if (dataDiskPath) await createQcow2(dataDiskPath, dataDiskMiB);
  const uuid = randomUUID();
  const xml = buildTinyGuestXml({
    name: opts.name,
    uuid,
    id,
    memoryMiB,
    kernel: env.kernel,
    // The agent's initramfs is the default one plus a second archive with qemu-ga and its libraries.
    initrd: opts.agent ? env.agentInitrd! : env.initrd,
    diskPath,
    serialLogPath,
    ...(opts.seedIso ? { seedIso: resolve(opts.seedIso) } : {}),
    serial: opts.serial ?? 'file',
    graphics: opts.graphics ?? 'vnc',
    ...(dataDiskPath ? { agentDataDisk: dataDiskPath } : {}),
    ...(opts.balloon ? { balloon: true } : {}),
    ...(opts.busyMiB ? { busyMiB: opts.busyMiB } : {}),
    ...(opts.network ? { network: opts.network } : {}),
    ...(opts.staticIp ? { staticIp: opts.staticIp } : {}),
    ...(opts.tpm ? { tpm: true } : {}),
    ...(opts.then ? { then: opts.then } : {}),
    ...(opts.onReboot ? { onReboot: opts.onReboot } : {}),
  });
  return { name: opts.name, uuid, xml, diskPath, serialLogPath, ...(dataDiskPath ? { dataDiskPath } : {}) };
}

async function createQcow2(path: string, sizeMiB: number): Promise<void> {
  try {
    await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', path, `${sizeMiB}M`]);
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`qemu-img create ${path} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

/** Deletes the guest's disks and serial log (the domain itself must be undefined by the test). */
export async function removeTinyGuest(guest: Pick<TinyGuest, 'diskPath' | 'serialLogPath' | 'dataDiskPath'>): Promise<void> {
  await rm(guest.diskPath, { force: true });
  await rm(guest.serialLogPath, { force: true });
  if (guest.dataDiskPath) await rm(guest.dataDiskPath, { force: true });
}

/** Current size of a serial log in bytes (0 if absent): pass it as `fromOffset` to wait only for newer lines. */
export async function serialLogSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function readFrom(path: string, offset: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Polls a serial log (every ~100 ms) until `regex` matches its text (CRs removed, so `^...$` with the `m`
 * flag works per line) and returns the first match; rejects with the log's tail after `timeoutMs`.
 * `fromOffset` (bytes, see serialLogSize) ignores what was logged before, e.g. before a migration.
 */
/**
 * Serial output as lines of text: CRs removed, and the terminal escapes SeaBIOS's serial console (sgabios,
 * `<bios useserial>`) writes when a boot loader or kernel sets a video mode ("ESC c ESC[?7l ESC[2J", often at
 * the start of the guest's next line) taken out.
 */
export function plainSerial(text: string): string {
  // eslint-disable-next-line no-control-regex -- the escapes are what this removes
  return text.replace(/\r/g, '').replace(/\x1b(?:\[[0-9;?]*[A-Za-z]|[A-Za-z])/g, '');
}

export async function waitForSerial(
  path: string,
  regex: RegExp,
  timeoutMs: number,
  options: { fromOffset?: number } = {},
): Promise<RegExpMatchArray> {
  const re = new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''));
  const deadline = Date.now() + timeoutMs;
  let text: string;
  for (;;) {
    text = plainSerial(await readFrom(path, options.fromOffset ?? 0));
    const match = completeLines(text).match(re);
    if (match) return match;
    if (Date.now() >= deadline) break;
    await new Promise((done) => setTimeout(done, 100));
  }
  const tail = text.split('\n').slice(-20).join('\n');
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${re} in ${path}; last lines:\n${tail || '(empty)'}`);
}

/**
 * The text up to its last newline. QEMU's file chardev gets the UART's bytes one write at a time, so a reader
 * sees a line the guest is still printing (measured: ~0.06% of reads end mid-line) or one a destroy cut off, and
 * `^tandem-counter (\d+)$` with the `m` flag matches its cut-off number at the end of the text ("tandem-counter 1"
 * of "tandem-counter 12"). Every protocol line ends with a newline: only whole ones count.
 */
export function completeLines(text: string): string {
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

/** The guest's serial log from `fromOffset` (bytes, see serialLogSize) on, CRs removed. */
export async function serialText(guest: Pick<TinyGuest, 'serialLogPath'>, fromOffset = 0): Promise<string> {
  return plainSerial((await readFile(guest.serialLogPath)).subarray(fromOffset).toString('utf8'));
}

/** The highest counter the guest printed so far. */
export async function lastCounter(guest: Pick<TinyGuest, 'serialLogPath'>): Promise<number> {
  const matches = [...completeLines(await serialText(guest)).matchAll(/^tandem-counter (\d+)$/gm)];
  return matches.length ? Number(matches.at(-1)![1]) : 0;
}

/**
 * The counter a guest resumed from after a revert or restore that replaced its QEMU process, given the log
 * size taken before the operation started. The old process keeps printing until it is destroyed, so the
 * first line after `offset` may be its newest count; the restored guest's lines follow and are lower: the
 * lowest count printed since `offset` (once the restored guest printed at least one line after the operation
 * returned) is where it resumed.
 */
export async function counterResumedSince(guest: Pick<TinyGuest, 'serialLogPath'>, offset: number, timeoutMs = 60_000): Promise<number> {
  await waitForSerial(guest.serialLogPath, SERIAL.counter, timeoutMs, { fromOffset: await serialLogSize(guest.serialLogPath) });
  const counts = [...completeLines(await serialText(guest, offset)).matchAll(/^tandem-counter (\d+)$/gm)].map((m) => Number(m[1]));
  return Math.min(...counts);
}

/**
 * Tandem options that make `provisioning.deploy` boot the tiny guest: direct kernel boot of the test bed's
 * kernel + initramfs (the seed's user-data printed with `tandem.seed=1`), serial logs in the images folder,
 * and a short wait for an address (tests start no networks on host0-3, so their guests get none; tests on the
 * network host, whose guests take DHCP leases, set a longer `deployAddressTimeoutMs`). KVM or TCG is the
 * host's probed fact: where /dev/kvm exists but cannot start guests (nested KVM here: QEMU "failed to set
 * MSR"), deploy picks TCG.
 */
export function tinyGuestDeployOptions(env: TestbedEnv) {
  return {
    deployDirectKernelBoot: {
      kernel: env.kernel,
      initrd: env.initrd,
      cmdline: 'console=ttyS0 quiet panic=-1 tandem.id={name} tandem.seed=1',
      machine: 'pc',
      serialLogDir: env.images,
    },
    deployAddressTimeoutMs: 2_000,
  } as const;
}
