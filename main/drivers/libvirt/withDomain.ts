import type { Connection, Domain } from '../../../native-helpers/libvirt/lib/index';
import { mapped } from './mapLibvirtError';

/**
 * Looks the domain up by UUID, runs `use` on it and frees it whatever `use` did. A libvirt failure (the
 * look-up's, e.g. no such domain, or one from `use`) is rethrown as a TandemError carrying `details`.
 */
export function withDomain<T>(conn: Connection, uuid: string, use: (domain: Domain) => Promise<T>, details: Record<string, unknown> = { uuid }): Promise<T> {
  return mapped(async () => {
    const domain = await conn.lookupDomainByUUIDString(uuid);
    try {
      return await use(domain);
    } finally {
      domain.free();
    }
  }, details);
}
