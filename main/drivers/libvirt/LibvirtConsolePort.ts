/**
 * ConsolePort on libvirt: the serial console through virDomainOpenConsole (a libvirt stream as a Duplex),
 * the VNC server through virDomainOpenGraphicsFD (the daemon hands us a connected socket, so no VNC port
 * needs to be reachable at all), falling back to the VNC port itself only when both the host and the VNC
 * listen address are this machine's loopback (FD passing needs a unix-socket connection; the test bed's
 * TCP hosts and qemu+tcp://127.0.0.1 are local but not unix). The transport is chosen from the URI before
 * asking: libvirt 9.0 answers an FD request on a TCP connection by closing that whole connection ("Receiving
 * file descriptors is not supported on this socket"), which would drop the host.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  LibvirtError,
  openConsoleStream,
  openGraphicsSocket,
  virDomainConsoleFlags,
  virDomainOpenGraphicsFlags,
  type Domain,
} from '../../../native-helpers/libvirt/lib/index';
import type { ConsolePort } from '../../core/consoles/ConsolePort';
import { ConflictError, OperationFailedError, UnsupportedError } from '../../core/errors';
import type { HostManager } from '../../core/hosts/HostManager';
import { DomainXml } from '../../core/inventory/DomainXml';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { isLoopback, isThisMachine } from './hostLocality';
import { mapLibvirtError } from './mapLibvirtError';
import { withDomain } from './withDomain';


export class LibvirtConsolePort implements ConsolePort {
  constructor(private readonly hosts: HostManager) {}

  async openSerial(hostId: string, uuid: string, options: { force: boolean }): Promise<Duplex> {
    const flags = options.force ? virDomainConsoleFlags.VIR_DOMAIN_CONSOLE_FORCE : virDomainConsoleFlags.VIR_DOMAIN_CONSOLE_SAFE;
    return this.withDomain(hostId, uuid, async (domain) => {
      try {
        return await openConsoleStream(domain, null, flags);
      } catch (error) {
        throw serialError(error, hostId, uuid);
      }
    });
  }

  async openGraphics(hostId: string, uuid: string): Promise<Duplex> {
    return this.withDomain(hostId, uuid, async (domain) => {
      const xml = await domain.getXMLDesc().catch((error: unknown) => {
        throw mapLibvirtError(error, { details: { hostId, uuid } });
      });
      const vnc = DomainXml.parse(xml).graphics.find((g) => g.type === 'vnc');
      if (!vnc) {
        throw new UnsupportedError('console.no-vnc', 'This VM has no VNC graphics device', { details: { hostId, uuid } });
      }
      if (!(await domain.isActive().catch((error: unknown) => Promise.reject(mapLibvirtError(error, { details: { hostId, uuid } }))))) {
        throw new ConflictError('console.vm-not-running', 'The VM is not running: start it to see its screen', { details: { hostId, uuid } });
      }
      const uri = this.hosts.list().find((h) => h.id === hostId)?.uri ?? '';
      if (!passesDescriptors(uri)) return this.connectToLocalVnc(hostId, uuid, uri, vnc.port, vnc.listen);
      try {
        // SKIPAUTH: the user is already authorised by libvirt for this domain; a VNC password would be redundant.
        return await openGraphicsSocket(domain, 0, virDomainOpenGraphicsFlags.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);
      } catch (error) {
        throw mapLibvirtError(error, { details: { hostId, uuid } });
      }
    });
  }

  async isVmActive(hostId: string, uuid: string): Promise<boolean> {
    return this.withDomain(hostId, uuid, async (domain) => {
      try {
        return await domain.isActive();
      } catch (error) {
        throw mapLibvirtError(error, { details: { hostId, uuid } });
      }
    });
  }

  private async connectToLocalVnc(hostId: string, uuid: string, uri: string, port: number | undefined, listen: string | undefined): Promise<Socket> {
    if (!isThisMachine(uri)) {
      throw new UnsupportedError(
        'console.vnc-remote',
        'The graphical console of a VM on another machine is not available: libvirt hands over a VNC socket only on a local unix-socket connection (qemu:///), not over TCP, TLS or SSH, and Tandem does not open VNC ports beyond loopback',
        { details: { hostId, uuid } },
      );
    }
    const address = loopbackTarget(listen);
    if (!port || !address) {
      throw new UnsupportedError('console.vnc-not-loopback', `The VM's VNC server does not listen on loopback (${listen ?? 'no address'}${port ? `:${port}` : ''})`, {
        details: { hostId, uuid },
      });
    }
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: address, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', (error) =>
        reject(new OperationFailedError('console.vnc-connect', `Could not reach the VM's VNC server at ${address}:${port}: ${error.message}`, { cause: error })),
      );
    });
  }

  /** Every libvirt call in `use` maps its own failure (the serial console's specially), so only the look-up's is left to map here. */
  private withDomain<T>(hostId: string, uuid: string, use: (domain: Domain) => Promise<T>): Promise<T> {
    return withDomain(libvirtConnectionOf(this.hosts.session(hostId)), uuid, use, { hostId, uuid });
  }
}

function serialError(error: unknown, hostId: string, uuid: string): unknown {
  if (!(error instanceof LibvirtError)) return error;
  const details = { hostId, uuid };
  // libvirt 9: "operation failed: Active console session exists for this domain".
  if (error.codeName === 'VIR_ERR_OPERATION_FAILED' && /console session exists/i.test(error.message)) {
    return new ConflictError('console.busy', 'Another client (e.g. virsh console) holds this serial console; take it over to use it here', {
      details,
      cause: error,
    });
  }
  // libvirt 9: "internal error: character device console0 is not using a PTY" (a file or socket serial).
  if (/not using a PTY/i.test(error.message)) {
    return new UnsupportedError('console.no-serial-pty', 'This VM\'s serial port writes to a file or socket, not a pty, so it cannot be opened as a console', {
      details,
      cause: error,
    });
  }
  return mapLibvirtError(error, { details });
}

/** Connections over a unix socket can receive descriptors: qemu:///..., qemu+unix://, test:// has no graphics. */
export function passesDescriptors(uri: string): boolean {
  const scheme = /^([a-z]+)(?:\+([a-z0-9]+))?:\/\/([^/]*)/i.exec(uri);
  if (!scheme) return false;
  const transport = scheme[2]?.toLowerCase();
  return transport === 'unix' || (transport === undefined && scheme[3] === '');
}

/** Where to reach a VNC server that listens on `listen`, if that is reachable from here only through loopback. */
export function loopbackTarget(listen: string | undefined): string | undefined {
  if (listen === undefined || listen === '0.0.0.0' || listen === '::' || listen === '[::]') return '127.0.0.1';
  return isLoopback(listen) ? listen.replace(/^\[(.*)\]$/, '$1') : undefined;
}
