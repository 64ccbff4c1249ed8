/**
 * Scripted stand-ins for a HostDriver, its sessions and the clock, for unit tests of core logic
 * (HostManager, Inventory). The real libvirt driver is covered by the integration suites.
 */
import type { VmState } from '../../../preload/contract';
import type { Clock } from '../Clock';
import { Emitter } from '../Emitter';
import { HostUnreachableError, NotFoundError } from '../errors';
import type { CredentialPrompt, Disposable, HostDriver, HostSession, VmChange, VmRecord } from '../hosts/HostDriver';

/** A clock whose timers fire only when the test advances it. */
export class ManualClock implements Clock {
  private current = 0;
  private timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];
  delays: number[] = [];
  now() {
    return this.current;
  }
  setTimeout(callback: () => void, ms: number): Disposable {
    const timer = { at: this.current + ms, callback, cancelled: false };
    this.timers.push(timer);
    this.delays.push(ms);
    return { dispose: () => void (timer.cancelled = true) };
  }
  async advance(ms: number) {
    this.current += ms;
    const due = this.timers.filter((t) => !t.cancelled && t.at <= this.current);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const t of due) t.callback();
    await flush();
  }
}

export const flush = () => new Promise((r) => setTimeout(r, 0));

export class ScriptedSession implements HostSession {
  readonly lost = new Emitter<string>();
  readonly changes = new Emitter<VmChange>();
  closed = false;
  async facts() {
    return { hostname: 'h', hypervisor: 'QEMU 7.2.0', libvirtVersion: '9.0.0', cpus: 4, memoryKiB: 1024 };
  }
  /** The VMs the host has; `listing`, when set, is what the next listVms() returns (e.g. a pending promise). */
  vms = new Map<string, VmRecord>();
  listing: Promise<VmRecord[]> | undefined;
  async listVms() {
    const scripted = this.listing;
    this.listing = undefined;
    return scripted ?? [...this.vms.values()];
  }
  async getVm(uuid: string) {
    const vm = this.vms.get(uuid);
    if (!vm) throw new NotFoundError('libvirt.VIR_ERR_NO_DOMAIN', 'Domain not found');
    return vm;
  }
  getVmXml(): never {
    throw new Error('not used');
  }
  getVmAutostart(): never {
    throw new Error('not used');
  }
  defineVm(): never {
    throw new Error('not used');
  }
  undefineVm(): never {
    throw new Error('not used');
  }
  runVmAction(): never {
    throw new Error('not used');
  }
  onVmChange(l: (c: VmChange) => void) {
    return this.changes.on(l);
  }
  onLost(l: (r: string) => void) {
    return this.lost.on(l);
  }
  async close() {
    this.closed = true;
  }
}

/** A dial that talks to the credential prompt, as a driver does for a host that asks. */
export type ScriptedDial = (credentials: CredentialPrompt | undefined) => Promise<HostSession>;

/** Each connect() takes the next scripted outcome: a session, an error, 'hang', a dial the test settles or runs. */
export class ScriptedDriver implements HostDriver {
  outcomes: Array<ScriptedSession | Error | 'hang' | Promise<HostSession> | ScriptedDial> = [];
  connects = 0;
  handles(uri: string) {
    return uri.startsWith('qemu');
  }
  async connect(_uri: string, options: { credentials?: CredentialPrompt } = {}): Promise<HostSession> {
    this.connects++;
    const next = this.outcomes.shift() ?? new HostUnreachableError('t.down', 'down');
    if (next === 'hang') return new Promise(() => undefined);
    if (typeof next === 'function') return next(options.credentials);
    if (next instanceof Error) throw next;
    return next;
  }
}

export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}


/** A VM record with defaults, for scripted sessions. */
export function vmRecord(uuid: string, name: string, state: VmState = 'running'): VmRecord {
  return { uuid, name, state, stateReason: 'unknown', vcpus: 1, memoryKiB: 1024, persistent: true };
}
