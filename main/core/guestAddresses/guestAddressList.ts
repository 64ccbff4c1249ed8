/**
 * Turns what a hypervisor reports per interface into the addresses worth showing (pure: unit-tested in
 * guestAddressList.test.ts). Loopback and link-local addresses are left out: an agent reports the guest's
 * `lo` and every fe80:: address, none of which anyone can reach the guest at.
 */
import type { GuestAddress, GuestAddressSource } from './guestAddressSchemas';

/** One interface as libvirt's virDomainInterfaceAddresses reports it. */
export interface ReportedInterface {
  name: string;
  /** MAC address, "" when the source has none. */
  hwaddr: string;
  /** family: 0 IPv4, 1 IPv6 (virIPAddrType). */
  addrs: Array<{ type: number; addr: string; prefix: number }>;
}

export function addressesOf(interfaces: readonly ReportedInterface[], source: GuestAddressSource): GuestAddress[] {
  const out: GuestAddress[] = [];
  for (const iface of interfaces) {
    for (const a of iface.addrs) {
      const family = a.type === 1 ? 'ipv6' : 'ipv4';
      if (!reachable(a.addr, family)) continue;
      out.push({
        address: a.addr,
        prefix: a.prefix,
        family,
        mac: iface.hwaddr === '' ? null : iface.hwaddr.toLowerCase(),
        interface: iface.name === '' ? null : iface.name,
        source,
      });
    }
  }
  return out;
}

/** Leases first (they name the libvirt network's view), then what the agent adds; one entry per address. */
export function mergeAddresses(...lists: readonly GuestAddress[][]): GuestAddress[] {
  const seen = new Set<string>();
  const out: GuestAddress[] = [];
  for (const a of lists.flat()) {
    if (seen.has(a.address)) continue;
    seen.add(a.address);
    out.push(a);
  }
  return out;
}

function reachable(address: string, family: 'ipv4' | 'ipv6'): boolean {
  if (family === 'ipv4') return !/^(127\.|169\.254\.|0\.)/.test(address);
  const lower = address.toLowerCase();
  return lower !== '::1' && lower !== '::' && !/^fe[89ab][0-9a-f]:/.test(lower);
}
