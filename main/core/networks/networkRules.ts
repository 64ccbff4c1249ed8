/**
 * The field rules of a new network, as one pure function: NetworkService refuses a create with the first
 * problem, and the UI (through preload/api/networks.ts) shows every problem at its field as the user types,
 * against the host's networks it already lists, so both say the same thing.
 */
import { cidrText, dhcpRangeProblem, overlaps, parseCidr, type Ipv4Subnet } from './ipv4';
import { BridgeNameSchema, ForwardDeviceSchema, NetworkNameSchema, type NetworkCreateRequest } from './networkSchemas';

/** A network the host already has, as far as the rules need it (subnets in CIDR notation). */
export interface ExistingNetwork {
  name: string;
  subnets: string[];
  bridge: string | null;
}

export interface NetworkProblem {
  /** The request's field: name, subnet, bridge, dhcpRange.start, dhcpRange.end, forwardDevice. */
  field: string;
  /** `invalid`: the value itself is wrong; `conflict`: it clashes with another network of the host. */
  kind: 'invalid' | 'conflict';
  code: string;
  message: string;
  /** For a conflict: the other network. */
  network?: string;
}

type RuleInput = Pick<NetworkCreateRequest, 'name' | 'mode' | 'subnet'> & Partial<Pick<NetworkCreateRequest, 'dhcp' | 'dhcpRange' | 'bridge' | 'forwardDevice'>>;

/** Every problem of the request against the host's networks, in field order; empty when it can be created. */
export function networkProblems(request: RuleInput, existing: readonly ExistingNetwork[]): NetworkProblem[] {
  const problems: NetworkProblem[] = [];
  const invalid = (field: string, code: string, message: string) => problems.push({ field, kind: 'invalid', code, message });
  const conflict = (field: string, code: string, message: string, network?: string) =>
    problems.push({ field, kind: 'conflict', code, message, ...(network ? { network } : {}) });

  const name = NetworkNameSchema.safeParse(request.name);
  if (!name.success) invalid('name', 'network.invalid', `The network's name is invalid: ${name.error.issues[0]!.message}`);
  else if (existing.some((n) => n.name === request.name)) conflict('name', 'network.name-taken', `A network named "${request.name}" already exists on this host`);

  const cidr = parseCidr(request.subnet);
  let subnet: Ipv4Subnet | undefined;
  if ('reason' in cidr) invalid('subnet', 'network.subnet-invalid', `The subnet "${request.subnet}" is invalid: ${cidr.reason}`);
  else {
    subnet = cidr.subnet;
    for (const other of existing) {
      const clash = other.subnets.map((s) => parseCidr(s, 0, 32)).find((s) => 'subnet' in s && overlaps(s.subnet, cidr.subnet));
      if (clash && 'subnet' in clash) {
        conflict('subnet', 'network.subnet-overlap', `The subnet ${cidrText(cidr.subnet)} overlaps ${cidrText(clash.subnet)} of the network "${other.name}"`, other.name);
        break;
      }
    }
  }

  if (request.dhcpRange) {
    if (request.dhcp === false) invalid('dhcpRange.start', 'network.dhcp-off', 'DHCP is off: a network without DHCP has no range');
    else if (subnet) {
      const wrong = dhcpRangeProblem(subnet, request.dhcpRange.start, request.dhcpRange.end);
      if (wrong) invalid(`dhcpRange.${wrong.end}`, 'network.dhcp-range-invalid', `The DHCP range is invalid: ${wrong.reason}`);
    }
  }

  if (request.bridge !== undefined) {
    const bridge = BridgeNameSchema.safeParse(request.bridge);
    if (!bridge.success) invalid('bridge', 'network.invalid', `The network's bridge is invalid: ${bridge.error.issues[0]!.message}`);
    else if (existing.some((n) => n.bridge === request.bridge)) conflict('bridge', 'network.bridge-taken', `The bridge "${request.bridge}" is used by another network`);
  }

  if (request.forwardDevice !== undefined) {
    if (request.mode === 'isolated') invalid('forwardDevice', 'network.forward-isolated', 'An isolated network forwards nowhere: no forward device');
    else {
      const device = ForwardDeviceSchema.safeParse(request.forwardDevice);
      if (!device.success) invalid('forwardDevice', 'network.invalid', `The forward device is invalid: ${device.error.issues[0]!.message}`);
    }
  }
  return problems;
}
