/**
 * QMP commands to a domain's QEMU through libvirt (virDomainQemuMonitorCommand[WithFiles], libvirt-qemu), for
 * what libvirt 9.0 has no API for. libvirt runs each command under a short query job and marks the domain
 * tainted ("custom-monitor", logged once per QEMU process); it does not track what the command changes, so
 * callers put back whatever they change (capabilities, named descriptors).
 */
import type { Domain } from '../../../native-helpers/libvirt/lib/index';
import { OperationFailedError } from '../../core/errors';
import { mapped } from './mapLibvirtError';

interface QmpReply<T> {
  return?: T;
  error?: { class: string; desc: string };
}

/** QEMU answered a command with an error (libvirt delivered it fine). */
export class QmpCommandError extends OperationFailedError {
  constructor(
    readonly command: string,
    readonly qmpClass: string,
    readonly desc: string,
  ) {
    super('qemu.qmp-error', `QEMU refused ${command}: ${desc}`, { details: { command, qmpClass } });
  }
}

export class QemuMonitor {
  constructor(private readonly dom: Domain) {}

  async command<T = unknown>(execute: string, args?: Record<string, unknown>): Promise<T> {
    const cmd = JSON.stringify(args ? { execute, arguments: args } : { execute });
    return this.unwrap<T>(execute, await mapped(() => this.dom.qemuMonitorCommand(cmd)));
  }

  /** QMP getfd: QEMU keeps a duplicate of `fd` under `name` (for a `fd:<name>` migration URI, say). */
  async passFd(name: string, fd: number): Promise<void> {
    const cmd = JSON.stringify({ execute: 'getfd', arguments: { fdname: name } });
    const reply = await mapped(() => this.dom.qemuMonitorCommandWithFiles(cmd, [fd]));
    this.unwrap(`getfd`, reply.result);
  }

  /** QMP closefd; a name QEMU no longer holds (a migration consumed it) is not an error. */
  async closeFd(name: string): Promise<void> {
    try {
      await this.command('closefd', { fdname: name });
    } catch (error) {
      if (!(error instanceof QmpCommandError)) throw error;
    }
  }

  private unwrap<T>(execute: string, text: string): T {
    let reply: QmpReply<T>;
    try {
      reply = JSON.parse(text) as QmpReply<T>;
    } catch {
      throw new OperationFailedError('qemu.qmp-reply', `QEMU's reply to ${execute} is not JSON: ${text.slice(0, 200)}`);
    }
    if (reply.error) throw new QmpCommandError(execute, reply.error.class, reply.error.desc);
    return reply.return as T;
  }
}
