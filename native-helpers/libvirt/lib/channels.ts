/**
 * Domain channels that are not streams (src/domain_channels.cc): a socket to the domain's graphics server
 * (virDomainOpenGraphicsFD), commands to the QEMU guest agent (virDomainQemuAgentCommand) and to QEMU's own
 * monitor, with file descriptors if need be (virDomainQemuMonitorCommand[WithFiles]); libvirt-qemu.
 */
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Domain } from './types';

/**
 * virDomainQemuAgentCommandTimeoutValues (libvirt-qemu.h, which constants.generated.ts does not cover):
 * the timeout argument of qemuAgentCommand, besides a number of seconds.
 */
export const virDomainQemuAgentCommandTimeoutValues = {
  VIR_DOMAIN_QEMU_AGENT_COMMAND_MIN: -2,
  VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK: -2,
  VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT: -1,
  VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT: 0,
  VIR_DOMAIN_QEMU_AGENT_COMMAND_SHUTDOWN: 60,
} as const;

/** virDomainQemuMonitorCommandFlags (libvirt-qemu.h): the command is QMP JSON by default, HMP text with HMP. */
export const virDomainQemuMonitorCommandFlags = {
  VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT: 0,
  VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP: 1,
} as const;

/** What qemuMonitorCommandWithFiles resolves to. */
export interface QemuMonitorReplyWithFiles {
  /** QEMU's reply (QMP: the JSON object with `return` or `error`). */
  result: string;
  /** Descriptors QEMU sent back (none for any QMP command of QEMU 7.2); the caller owns and closes them. */
  fds: number[];
}

declare module './types' {
  interface Domain {
    /**
     * virDomainOpenGraphicsFD: a connected file descriptor to graphics device `idx` (0: the first), which the
     * caller must close. flags: virDomainOpenGraphicsFlags (SKIPAUTH). The daemon passes the descriptor over
     * its socket, so only unix-socket connections (qemu:///system) support it.
     */
    openGraphicsFD(idx: number, flags?: number): Promise<number>;
    /**
     * virDomainQemuAgentCommand: sends a JSON command (e.g. `{"execute":"guest-ping"}`) to the guest agent and
     * resolves to its JSON reply. timeout: seconds, or virDomainQemuAgentCommandTimeoutValues. flags: 0.
     */
    qemuAgentCommand(cmd: string, timeout: number, flags?: number): Promise<string>;
    /**
     * virDomainQemuMonitorCommand: sends a command to QEMU's monitor, behind libvirt's back (libvirt taints
     * the domain "custom-monitor" and only holds a query job for the command itself), and resolves to QEMU's
     * reply, which may be a QMP error object: the call fails only when libvirt could not deliver it.
     * flags: virDomainQemuMonitorCommandFlags.
     */
    qemuMonitorCommand(cmd: string, flags?: number): Promise<string>;
    /**
     * virDomainQemuMonitorCommandWithFiles (libvirt >= 8.2): the same, passing `fds` to QEMU with the command
     * (QMP `getfd` / `add-fd` take them). The daemon receives duplicates over its socket, so only unix-socket
     * connections can (over TCP libvirt refuses: VIR_ERR_INTERNAL_ERROR "Sending file descriptors is not supported on this socket"); keep the descriptors open until the
     * promise settles, then close them.
     */
    qemuMonitorCommandWithFiles(cmd: string, fds: readonly number[], flags?: number): Promise<QemuMonitorReplyWithFiles>;
  }
}

/** Opens graphics device `idx` of `domain` as a connected net.Socket (VNC: the server speaks first, "RFB ..."). */
export async function openGraphicsSocket(domain: Domain, idx = 0, flags = 0): Promise<Socket> {
  const fd = await domain.openGraphicsFD(idx, flags);
  try {
    return new Socket({ fd, readable: true, writable: true });
  } catch (error) {
    closeSync(fd); // the socket never took the descriptor over
    throw error;
  }
}
