/**
 * What core needs from a hypervisor host, whatever talks to it (libvirt today, Hyper-V later). Drivers live
 * in main/drivers/ and throw TandemErrors (core/errors.ts), never their library's own error types.
 */
import type { VmState } from '../../../preload/contract';

export interface Disposable {
  dispose(): void;
}

/** A VM as a driver reports it; core adds the host id. */
export interface VmRecord {
  uuid: string;
  name: string;
  state: VmState;
  stateReason: string;
  vcpus: number;
  memoryKiB: number;
  persistent: boolean;
  /** Tandem's tags, from the VM's own metadata (drivers without metadata leave it out). */
  tags?: string[];
}

export interface HostFacts {
  hostname: string;
  /** e.g. "QEMU 7.2.0". */
  hypervisor: string;
  libvirtVersion: string;
  cpus: number;
  memoryKiB: number;
}

export type VmAction = 'start' | 'shutdown' | 'destroy' | 'reboot' | 'suspend' | 'resume';

/** Something about one VM changed; `removed` when it no longer exists on the host. */
export interface VmChange {
  uuid: string;
  removed: boolean;
}

/** Asked when the host wants credentials; answers in order, or null to refuse. */
export type CredentialPrompt = (
  requests: Array<{ kind: string; prompt: string; defaultValue: string }>,
) => Promise<string[] | null>;

/** An open connection to one host. */
export interface HostSession {
  facts(): Promise<HostFacts>;
  listVms(): Promise<VmRecord[]>;
  getVm(uuid: string): Promise<VmRecord>;
  getVmXml(uuid: string): Promise<string>;
  getVmAutostart(uuid: string): Promise<boolean>;
  defineVm(xml: string): Promise<VmRecord>;
  undefineVm(uuid: string): Promise<void>;
  runVmAction(uuid: string, action: VmAction): Promise<void>;
  onVmChange(listener: (change: VmChange) => void): Disposable;
  /** The connection dropped (not called after close()). */
  onLost(listener: (reason: string) => void): Disposable;
  close(): Promise<void>;
}

export interface HostDriver {
  /** Whether this driver handles the URI (by scheme). */
  handles(uri: string): boolean;
  /** Connects; throws HostUnreachableError / AuthFailedError / InvalidInputError. */
  connect(uri: string, options: { credentials?: CredentialPrompt }): Promise<HostSession>;
}
