/**
 * The libvirt side of VM networks (core/networks/NetworkPort.ts): networks are defined from the XML the core
 * built, started and set to autostart; a start that fails undefines the definition again, so a failed create
 * leaves nothing. Every object is freed here.
 */
import { OperationFailedError } from '../../core/errors';
import type { Disposable, HostSession } from '../../core/hosts/HostDriver';
import type { HostManager } from '../../core/hosts/HostManager';
import { createLogger } from '../../core/logging';
import type { HostDomainAttachment, HostNetwork, NetworkEventsPort, NetworkPort } from '../../core/networks/NetworkPort';
import {
  LibvirtError,
  subscribeNetworkEvents,
  virDomainEventType,
  virDomainXMLFlags,
  virNetworkEventID,
  type Connection,
  type Network,
} from '../../../native-helpers/libvirt/lib';
import { libvirtConnectionOf, libvirtLifecycleOf } from './LibvirtHostDriver';
import { isConnectionLoss, mapLibvirtError } from './mapLibvirtError';

const log = createLogger('libvirt-networks');

export class LibvirtNetworkPort implements NetworkPort, NetworkEventsPort {
  constructor(private readonly hosts: Pick<HostManager, 'session'>) {}

  async listNetworks(hostId: string): Promise<HostNetwork[]> {
    return this.call(hostId, async (conn) => {
      const networks = await conn.listAllNetworks();
      try {
        const listed = await Promise.all(
          networks.map(async (network): Promise<HostNetwork | undefined> => {
            try {
              return {
                name: network.getName(),
                uuid: network.getUUIDString(),
                xml: await network.getXMLDesc(),
                active: await network.isActive(),
                persistent: await network.isPersistent(),
                autostart: await network.getAutostart(),
              };
            } catch (error) {
              // A network undefined between the listing and these reads (a delete under way) is not listed.
              if (error instanceof LibvirtError && error.is('VIR_ERR_NO_NETWORK')) return undefined;
              throw error;
            }
          }),
        );
        return listed.filter((n): n is HostNetwork => n !== undefined);
      } finally {
        for (const network of networks) network.free();
      }
    });
  }

  async listDomains(hostId: string): Promise<HostDomainAttachment[]> {
    return this.call(hostId, async (conn) => {
      const domains = await conn.listAllDomains();
      try {
        const listed = await Promise.all(
          domains.map(async (domain) => {
            try {
              return { vmName: domain.getName(), xml: await domain.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE) };
            } catch (error) {
              // A domain undefined between the listing and this read uses no network any more.
              if (error instanceof LibvirtError && error.is('VIR_ERR_NO_DOMAIN')) return undefined;
              throw error;
            }
          }),
        );
        return listed.filter((d): d is HostDomainAttachment => d !== undefined);
      } finally {
        for (const domain of domains) domain.free();
      }
    });
  }

  async define(hostId: string, xml: string, options: { start: boolean; autostart: boolean }): Promise<string> {
    return this.call(hostId, async (conn) => {
      const network = await conn.defineNetworkXML(xml);
      try {
        try {
          if (options.start) await network.create();
          if (options.autostart) await network.setAutostart(true);
        } catch (error) {
          // A connection lost under the start cannot undo anything: the caller hears HostUnreachable and
          // treats the network as possibly there.
          if (!isConnectionLoss(error)) await undo(network, error);
          throw error;
        }
        return network.getUUIDString();
      } finally {
        network.free();
      }
    });
  }

  async remove(hostId: string, name: string): Promise<void> {
    await this.call(hostId, async (conn) => {
      const network = await conn.lookupNetworkByName(name);
      try {
        if (await network.isActive()) await network.destroy();
        if (await network.isPersistent()) await network.undefine();
      } finally {
        network.free();
      }
    });
  }

  async setActive(hostId: string, name: string, active: boolean): Promise<void> {
    await this.call(hostId, async (conn) => {
      const network = await conn.lookupNetworkByName(name);
      try {
        await (active ? network.create() : network.destroy());
      } finally {
        network.free();
      }
    });
  }

  async setAutostart(hostId: string, name: string, autostart: boolean): Promise<void> {
    await this.call(hostId, async (conn) => {
      const network = await conn.lookupNetworkByName(name);
      try {
        await network.setAutostart(autostart);
      } finally {
        network.free();
      }
    });
  }

  /**
   * Network lifecycle events of the session's connection, and the domain definitions among its lifecycle
   * events (an interface added or removed changes who is attached; starts and stops do not).
   */
  async watch(session: HostSession, changed: () => void): Promise<Disposable> {
    const conn = libvirtConnectionOf(session);
    const domains = libvirtLifecycleOf(session).on((event) => {
      if (event.event === 'lifecycle' && (event.type === virDomainEventType.VIR_DOMAIN_EVENT_DEFINED || event.type === virDomainEventType.VIR_DOMAIN_EVENT_UNDEFINED)) changed();
    });
    try {
      const networks = await subscribeNetworkEvents(conn, virNetworkEventID.VIR_NETWORK_EVENT_ID_LIFECYCLE, () => changed());
      return {
        dispose() {
          domains.dispose();
          networks.dispose().catch((error: unknown) => log.warn('could not stop following network events', error));
        },
      };
    } catch (error) {
      domains.dispose();
      throw mapLibvirtError(error);
    }
  }

  private async call<T>(hostId: string, work: (conn: Connection) => Promise<T>): Promise<T> {
    try {
      return await work(libvirtConnectionOf(this.hosts.session(hostId)));
    } catch (error) {
      throw mapLibvirtError(error, { details: { hostId } });
    }
  }
}

/** Takes back a definition whose start failed; the start's error is what the caller reports. */
async function undo(network: Network, cause: unknown): Promise<void> {
  try {
    if (await network.isActive()) await network.destroy();
    await network.undefine();
  } catch (undoError) {
    if (isConnectionLoss(undoError)) throw undoError;
    throw new OperationFailedError(
      'network.undo-failed',
      `The network could not be started (${(cause as Error).message}), and its definition could not be removed: ${(undoError as Error).message}`,
      { cause: undoError },
    );
  }
}
