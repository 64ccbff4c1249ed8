/**
 * The KVM probe's port on the binding (core/hosts/KvmProbe.ts): virDomainCreateXML with START_PAUSED then
 * virDomainDestroy, and the clean-up of probe domains an earlier connection left behind.
 */
import {
  LibvirtError,
  virConnectListAllDomainsFlags,
  virDomainCreateFlags,
  virErrorNumber,
  type Connection,
} from '../../../native-helpers/libvirt/lib/index';
import type { HostSession } from '../../core/hosts/HostDriver';
import type { KvmProbePort, ProbeStart } from '../../core/hosts/KvmProbe';
import { HostUnreachableError } from '../../core/errors';
import { libvirtConnectionOf } from './LibvirtHostDriver';
import { mapLibvirtError } from './mapLibvirtError';

const DENIALS = new Set<string>(['VIR_ERR_OPERATION_DENIED', 'VIR_ERR_ACCESS_DENIED']);

export class LibvirtKvmProbePort implements KvmProbePort {
  startPausedAndDestroy(session: HostSession, domainXml: string) {
    return startPausedAndDestroy(libvirtConnectionOf(session), domainXml);
  }

  destroyTransientDomainsNamed(session: HostSession, prefix: string) {
    return destroyTransientDomainsNamed(libvirtConnectionOf(session), prefix);
  }
}

export async function startPausedAndDestroy(conn: Connection, domainXml: string): Promise<ProbeStart> {
  let domain;
  try {
    domain = await conn.createDomainXML(domainXml, virDomainCreateFlags.VIR_DOMAIN_START_PAUSED);
  } catch (error) {
    const mapped = mapLibvirtError(error);
    // The connection failing is no verdict on KVM: the caller asks again on the next connection.
    if (mapped instanceof HostUnreachableError) throw mapped;
    if (!conn.isAlive()) throw mapLibvirtError(error, { connecting: true });
    if (!(error instanceof LibvirtError)) throw error;
    // A read-only connection, or an account libvirt's access control does not let create domains: no verdict
    // on KVM either (QEMU was never asked).
    if (DENIALS.has(error.codeName)) return { denied: error.message };
    return { started: false, reason: error.message };
  }
  try {
    await domain.destroy();
  } catch (error) {
    // Gone already (another Tandem's clean-up at connect): what matters is that it started.
    if (!(error instanceof LibvirtError && error.code === virErrorNumber.VIR_ERR_NO_DOMAIN)) throw mapLibvirtError(error);
  } finally {
    domain.free();
  }
  return { started: true };
}

export async function destroyTransientDomainsNamed(conn: Connection, prefix: string): Promise<string[]> {
  let domains;
  try {
    domains = await conn.listAllDomains(virConnectListAllDomainsFlags.VIR_CONNECT_LIST_DOMAINS_TRANSIENT);
  } catch (error) {
    throw mapLibvirtError(error);
  }
  const removed: string[] = [];
  try {
    for (const domain of domains) {
      const name = domain.getName();
      if (!name.startsWith(prefix)) continue;
      try {
        await domain.destroy();
        removed.push(name);
      } catch (error) {
        if (!(error instanceof LibvirtError && error.code === virErrorNumber.VIR_ERR_NO_DOMAIN)) throw mapLibvirtError(error);
      }
    }
  } finally {
    for (const domain of domains) domain.free();
  }
  return removed;
}
