/**
 * The libvirt side of VM editing (core/inventory/HardwareEditor's port) and of tags: the binding calls with
 * the LIVE / CONFIG flags each change needs. Resolves the host's connection per use (sessions are replaced
 * on reconnect).
 */
import {
  virDomainDeviceModifyFlags,
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

async function withDomain<T>(conn: Connection, uuid: string, use: (d: Domain) => Promise<T>): Promise<T> {
  return mapped(async () => {
    const domain = await conn.lookupDomainByUUIDString(uuid);
    try {
      return await use(domain);
    } finally {
      domain.free();
    }
  }, { uuid });
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
    detachDeviceLive: (uuid, xml) => on(uuid, (d) => d.detachDevice(xml, virDomainDeviceModifyFlags.VIR_DOMAIN_DEVICE_MODIFY_LIVE)),
    updateDeviceLive: (uuid, xml) => on(uuid, (d) => d.updateDevice(xml, virDomainDeviceModifyFlags.VIR_DOMAIN_DEVICE_MODIFY_LIVE)),
    setAutostart: (uuid, autostart) => on(uuid, (d) => d.setAutostart(autostart)),
  };
}
