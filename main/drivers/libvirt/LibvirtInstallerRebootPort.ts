/**
 * The libvirt side of the installer reboot watch (core/provisioning/install/InstallerRebootWatch.ts):
 * libvirt's stopped events from the session's lifecycle stream, QEMU's SHUTDOWN events and their reason
 * through libvirt-qemu's monitor events (the one place a guest reset and a power-off differ on libvirt 9.0),
 * and the installer mark read from and removed in the domain's persistent definition (virDomainGetMetadata /
 * virDomainSetMetadata with AFFECT_CONFIG, whether or not it runs).
 */
import type { HostManager } from '../../core/hosts/HostManager';
import type { Disposable } from '../../core/hosts/HostDriver';
import { NotFoundError, UnsupportedError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import type { DomainStop, InstallerRebootPort, InstallerSignals } from '../../core/provisioning/install/InstallerRebootWatch';
import { INSTALLER_ELEMENT, INSTALLER_NAMESPACE, INSTALLER_PREFIX, INSTALLER_RESTART } from '../../core/provisioning/install/installerMarker';
import { XmlDocument, XmlNode } from '../../core/xml/XmlDocument';
import {
  LibvirtError,
  subscribeQemuMonitorEvents,
  virConnectListAllDomainsFlags,
  virDomainEventStoppedDetailType as Stopped,
  virDomainEventType,
  virDomainMetadataType,
  virDomainModificationImpact,
  type Connection,
  type Domain,
} from '../../../native-helpers/libvirt/lib/index';
import { libvirtConnectionOf, libvirtLifecycleOf } from './LibvirtHostDriver';
import { mapLibvirtError, mapped } from './mapLibvirtError';
import { withDomain } from './withDomain';

const log = createLogger('installer-reboot');
const { VIR_DOMAIN_AFFECT_CONFIG } = virDomainModificationImpact;

const STOPS: Record<number, DomainStop> = {
  [Stopped.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN]: 'shutdown',
  [Stopped.VIR_DOMAIN_EVENT_STOPPED_DESTROYED]: 'destroyed',
  [Stopped.VIR_DOMAIN_EVENT_STOPPED_CRASHED]: 'crashed',
  [Stopped.VIR_DOMAIN_EVENT_STOPPED_FAILED]: 'failed',
};

export class LibvirtInstallerRebootPort implements InstallerRebootPort {
  constructor(private readonly hosts: Pick<HostManager, 'session'>) {}

  async follow(hostId: string, signals: InstallerSignals): Promise<Disposable> {
    const session = this.hosts.session(hostId);
    const conn = libvirtConnectionOf(session);
    const stops = libvirtLifecycleOf(session).on((event) => {
      if (event.event === 'lifecycle' && event.type === virDomainEventType.VIR_DOMAIN_EVENT_STOPPED) signals.stopped(event.uuid, STOPS[event.detail] ?? 'other');
    });
    let reasons: { dispose(): Promise<void> } | undefined;
    try {
      reasons = await subscribeQemuMonitorEvents(conn, 'SHUTDOWN', (event) => {
        const reason = reasonOf(event.details);
        if (reason) signals.guestShutdown(event.uuid, reason);
      });
    } catch (error) {
      stops.dispose();
      const mapped = mapLibvirtError(error, { details: { hostId } });
      // A host without a QEMU monitor (libvirt's test driver) has no installer to watch.
      if (mapped instanceof UnsupportedError) return { dispose: () => undefined };
      throw mapped;
    }
    return {
      dispose: () => {
        stops.dispose();
        reasons?.dispose().catch((error: unknown) => log.warn(`QEMU monitor events of host ${hostId} not deregistered`, error));
      },
    };
  }

  async marked(hostId: string): Promise<Array<{ uuid: string; name: string; active: boolean }>> {
    const conn = this.conn(hostId);
    const domains = await mapped(() => conn.listAllDomains(virConnectListAllDomainsFlags.VIR_CONNECT_LIST_DOMAINS_PERSISTENT), { hostId });
    try {
      const found: Array<{ uuid: string; name: string; active: boolean }> = [];
      for (const domain of domains) {
        const marked = await mapped(() => isMarked(domain), { hostId }).catch((error: unknown) => {
          // Undefined since the listing: not one to watch.
          if (error instanceof NotFoundError) return false;
          throw error;
        });
        if (marked) found.push({ uuid: domain.getUUIDString(), name: domain.getName(), active: await mapped(() => domain.isActive(), { hostId }) });
      }
      return found;
    } finally {
      for (const domain of domains) domain.free();
    }
  }

  async isMarked(hostId: string, uuid: string): Promise<boolean> {
    return withDomain(this.conn(hostId), uuid, isMarked, { hostId, uuid });
  }

  async unmark(hostId: string, uuid: string): Promise<void> {
    await withDomain(
      this.conn(hostId),
      uuid,
      (d) => d.setMetadata(virDomainMetadataType.VIR_DOMAIN_METADATA_ELEMENT, null, INSTALLER_PREFIX, INSTALLER_NAMESPACE, VIR_DOMAIN_AFFECT_CONFIG),
      { hostId, uuid },
    );
  }

  async start(hostId: string, uuid: string): Promise<void> {
    await withDomain(this.conn(hostId), uuid, (d) => d.create(), { hostId, uuid });
  }

  private conn(hostId: string): Connection {
    return libvirtConnectionOf(this.hosts.session(hostId));
  }
}

/** Whether the persistent definition carries the installer mark. */
async function isMarked(domain: Domain): Promise<boolean> {
  let xml: string;
  try {
    xml = await domain.getMetadata(virDomainMetadataType.VIR_DOMAIN_METADATA_ELEMENT, INSTALLER_NAMESPACE, VIR_DOMAIN_AFFECT_CONFIG);
  } catch (error) {
    if (error instanceof LibvirtError && error.codeName === 'VIR_ERR_NO_DOMAIN_METADATA') return false;
    throw error;
  }
  const root = new XmlNode(XmlDocument.parse(xml, 'installer metadata').root);
  return root.node.localName === INSTALLER_ELEMENT && root.value('@restart') === INSTALLER_RESTART;
}

/** QEMU's SHUTDOWN data: {"guest":true,"reason":"guest-reset"}; undefined when it has no reason. */
function reasonOf(details: string): string | undefined {
  try {
    const data = JSON.parse(details) as { reason?: unknown };
    return typeof data.reason === 'string' ? data.reason : undefined;
  } catch (error) {
    log.warn(`QEMU's SHUTDOWN data is not JSON (${details}): its stop counts as unexplained`, error);
    return undefined;
  }
}
