/**
 * Domain channels that are not streams (src/domain_channels.cc): a socket to the domain's graphics server
 * (virDomainOpenGraphicsFD) and commands to the QEMU guest agent (virDomainQemuAgentCommand, libvirt-qemu).
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
