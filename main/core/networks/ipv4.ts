/** IPv4 subnets as numbers: parsing CIDR, overlap, and the addresses a network hands out. */

export interface Ipv4Subnet {
  /** The network address, as an unsigned 32-bit number. */
  network: number;
  prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

const size = (prefix: number): number => 2 ** (32 - prefix);

/** Parses "a.b.c.d/p"; the reason says what is wrong (host bits set, prefix out of range, ...). */
export function parseCidr(text: string, minPrefix = 8, maxPrefix = 29): { subnet: Ipv4Subnet } | { reason: string } {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  const address = match ? parseIpv4(match[1]!) : undefined;
  if (!match || address === undefined) return { reason: 'not an IPv4 subnet in CIDR notation (e.g. 192.168.50.0/24)' };
  const prefix = Number(match[2]);
  if (prefix < minPrefix || prefix > maxPrefix) return { reason: `the prefix must be between /${minPrefix} and /${maxPrefix}` };
  if (address % size(prefix) !== 0) {
    return { reason: `host bits are set: the subnet is ${formatIpv4(address - (address % size(prefix)))}/${prefix}` };
  }
  return { subnet: { network: address, prefix } };
}

export function prefixOfNetmask(netmask: string): number | undefined {
  const value = parseIpv4(netmask);
  if (value === undefined) return undefined;
  const hostBits = 2 ** 32 - 1 - value;
  const prefix = 32 - Math.log2(hostBits + 1);
  return Number.isInteger(prefix) ? prefix : undefined;
}

/** The subnet an address with a prefix lies in. */
export function subnetOf(address: number, prefix: number): Ipv4Subnet {
  return { network: address - (address % size(prefix)), prefix };
}

export function overlaps(a: Ipv4Subnet, b: Ipv4Subnet): boolean {
  return a.network < b.network + size(b.prefix) && b.network < a.network + size(a.prefix);
}

export function cidrText(subnet: Ipv4Subnet): string {
  return `${formatIpv4(subnet.network)}/${subnet.prefix}`;
}

/** The host's address (the first one) and the DHCP range (the rest, broadcast excluded). */
export function addressPlan(subnet: Ipv4Subnet): { gateway: string; netmask: string; dhcpStart: string; dhcpEnd: string } {
  const last = subnet.network + size(subnet.prefix) - 1;
  return {
    gateway: formatIpv4(subnet.network + 1),
    netmask: formatIpv4(2 ** 32 - size(subnet.prefix)),
    dhcpStart: formatIpv4(subnet.network + 2),
    dhcpEnd: formatIpv4(last - 1),
  };
}

/**
 * Why a DHCP range does not fit a subnet (which end is wrong and why), or undefined when it does: both ends
 * inside the subnet, neither its network address, the host's (first) address nor the broadcast, start <= end.
 */
export function dhcpRangeProblem(subnet: Ipv4Subnet, start: string, end: string): { end: 'start' | 'end'; reason: string } | undefined {
  const plan = addressPlan(subnet);
  const first = subnet.network + 2;
  const last = subnet.network + size(subnet.prefix) - 2;
  const inside = `inside ${cidrText(subnet)}, from ${plan.dhcpStart} to ${plan.dhcpEnd} (${plan.gateway} is the host's)`;
  for (const [which, text] of [['start', start], ['end', end]] as const) {
    const value = parseIpv4(text.trim());
    if (value === undefined) return { end: which, reason: `"${text}" is not an IPv4 address` };
    if (value < first || value > last) return { end: which, reason: `${text} is not ${inside}` };
  }
  if (parseIpv4(start.trim())! > parseIpv4(end.trim())!) return { end: 'end', reason: `the range ends (${end}) before it starts (${start})` };
  return undefined;
}
