/**
 * The libvirt side of VM editing (core/inventory/HardwareEditor's port) and of tags: the binding calls with
 * the LIVE / CONFIG flags each change needs. Resolves the host's connection per use (sessions are replaced
 * on reconnect).
 */
import {
  subscribeDomainEvents,
  virDomainDeviceModifyFlags,
  virDomainEventID,
  virDomainMemoryModFlags,
  virDomainVcpuFlags,
  virDomainXMLFlags,
  type Connection,
  type Domain,
} from '../../../native-helpers/libvirt/lib/index';
import type { HostSession } from '../../core/hosts/HostDriver';
import type { VmHardwarePort } from '../../core/inventory/HardwareEditor';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapped } from './mapLibvirtError';
import { withDomain } from './withDomain';

/**
 * How long to wait for the guest to release a detached device, beyond the few seconds QEMU's driver already
 * waits inside the detach. Bounded: a guest without hotplug support may never release it.
 */
export const DEVICE_REMOVAL_WAIT_MS = 3000;

/**
 * Detaches a device from the running VM and waits (bounded) for libvirt's device-removed event for its
 * alias. Subscribed before the detach, so an event sent while the detach call waits is not missed.
 */
async function detachAndWait(conn: Connection, uuid: string, xml: string, alias: string | undefined): Promise<{ removed: boolean }> {
  let confirm!: () => void;
  const confirmed = new Promise<void>((resolve) => (confirm = resolve));
  let gone = false;
  const subscription = alias
    ? await mapped(() =>
        subscribeDomainEvents(conn, virDomainEventID.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, (event) => {
          if (event.uuid === uuid && event.event === 'device-removed' && event.devAlias === alias) {
            gone = true;
            confirm();
          }
        }),
      )
    : undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await withDomain(conn, uuid, (d) => d.detachDevice(xml, virDomainDeviceModifyFlags.VIR_DOMAIN_DEVICE_MODIFY_LIVE));
    if (!subscription) return { removed: false };
    if (!gone) await Promise.race([confirmed, new Promise<void>((resolve) => (timer = setTimeout(resolve, DEVICE_REMOVAL_WAIT_MS)))]);
    return { removed: gone };
  } finally {
    clearTimeout(timer);
    await subscription?.dispose().catch(() => undefined); // the connection may be gone; nothing to release then
  }
}

export function libvirtVmHardware(session: () => HostSession): VmHardwarePort {
  const conn = () => libvirtConnectionOf(session());
  const on = <T>(uuid: string, use: (d: Domain) => Promise<T>) => withDomain(conn(), uuid, use);
  return {
    state: (uuid) =>
      on(uuid, async (d) => {
        const [active, persistent] = await Promise.all([d.isActive(), d.isPersistent()]);
        return { active, persistent };
      }),
    configXml: (uuid) =>
      on(uuid, (d) => d.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE | virDomainXMLFlags.VIR_DOMAIN_XML_SECURE)),
    liveXml: (uuid) => on(uuid, (d) => d.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_SECURE)),
    autostart: (uuid) => on(uuid, (d) => d.getAutostart()),
    hostLimits: () =>
      mapped(async () => {
        const node = await conn().getNodeInfo();
        return { cpus: node.cpus, memoryKiB: node.memoryKiB };
      }),
    define: (xml) =>
      mapped(async () => {
        (await conn().defineDomainXML(xml, 0)).free();
      }),
    setVcpusLive: (uuid, count) => on(uuid, (d) => d.setVcpus(count, virDomainVcpuFlags.VIR_DOMAIN_VCPU_LIVE)),
    setMemoryLive: (uuid, kib) => on(uuid, (d) => d.setMemory(kib, virDomainMemoryModFlags.VIR_DOMAIN_MEM_LIVE)),
    detachDeviceLive: (uuid, xml, alias) => detachAndWait(conn(), uuid, xml, alias),
    updateDeviceLive: (uuid, xml) => on(uuid, (d) => d.updateDevice(xml, virDomainDeviceModifyFlags.VIR_DOMAIN_DEVICE_MODIFY_LIVE)),
    setAutostart: (uuid, autostart) => on(uuid, (d) => d.setAutostart(autostart)),
  };
}
