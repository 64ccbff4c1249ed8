/**
 * VM networks of a host: list, create (validated against the host's live networks first: a bad field is an
 * InvalidInput/Conflict naming it in details.field, and nothing is created), delete (refused while a VM has
 * an interface on it, naming the VMs).
 */
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { cidrText, overlaps, parseCidr } from './ipv4';
import type { HostDomainAttachment, HostNetwork, NetworkPort } from './NetworkPort';
import { BridgeNameSchema, NetworkCreateRequestSchema, NetworkNameSchema, type NetworkCreateRequest, type NetworkRef, type NetworkSummary } from './networkSchemas';
import { domainAttachments, networkXml, parseNetworkXml } from './networkXml';

export interface PreparedNetwork {
  hostId: string;
  name: string;
  xml: string;
  start: boolean;
  autostart: boolean;
}

export class NetworkService {
  constructor(private readonly port: NetworkPort) {}

  async list(hostId: string): Promise<NetworkSummary[]> {
    const [networks, domains] = await Promise.all([this.port.listNetworks(hostId), this.port.listDomains(hostId)]);
    return networks.map((network) => summarize(hostId, network, domains)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(input: NetworkCreateRequest): Promise<NetworkSummary> {
    const prepared = await this.prepare(input);
    await this.define(prepared);
    const created = (await this.list(prepared.hostId)).find((n) => n.name === prepared.name);
    if (!created) throw new NotFoundError('network.not-found', `The network "${prepared.name}" vanished right after it was created`);
    return created;
  }

  /** Every check of `create`, against the host's live networks; creates nothing. */
  async prepare(input: NetworkCreateRequest): Promise<PreparedNetwork> {
    const parsed = NetworkCreateRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0] ?? 'request');
      throw new InvalidInputError('network.invalid', `The network's ${field} is invalid: ${issue.message}`, { details: { field } });
    }
    const request = parsed.data;
    checkField('name', NetworkNameSchema.safeParse(request.name));
    if (request.bridge !== undefined) checkField('bridge', BridgeNameSchema.safeParse(request.bridge));
    const cidr = parseCidr(request.subnet);
    if ('reason' in cidr) {
      throw new InvalidInputError('network.subnet-invalid', `The subnet "${request.subnet}" is invalid: ${cidr.reason}`, { details: { field: 'subnet' } });
    }
    const existing = (await this.port.listNetworks(request.hostId)).map((n) => ({ name: n.name, ...parseNetworkXml(n.xml) }));
    if (existing.some((n) => n.name === request.name)) {
      throw new ConflictError('network.name-taken', `A network named "${request.name}" already exists on this host`, { details: { field: 'name' } });
    }
    for (const other of existing) {
      const clash = other.subnets.find((s) => overlaps(s, cidr.subnet));
      if (clash) {
        throw new ConflictError(
          'network.subnet-overlap',
          `The subnet ${cidrText(cidr.subnet)} overlaps ${cidrText(clash)} of the network "${other.name}"`,
          { details: { field: 'subnet', network: other.name } },
        );
      }
    }
    const bridgesInUse = new Set(existing.map((n) => n.bridge).filter((b): b is string => !!b));
    if (request.bridge && bridgesInUse.has(request.bridge)) {
      throw new ConflictError('network.bridge-taken', `The bridge "${request.bridge}" is used by another network`, { details: { field: 'bridge' } });
    }
    // A "%d" template lets libvirt pick the first number free among its networks AND the kernel's devices
    // (hosts sharing a network namespace, bridges left by others), which a check from here could not see.
    const bridge = request.bridge ?? BRIDGE_TEMPLATE;
    const xml = networkXml({ name: request.name, mode: request.mode, bridge, subnet: cidr.subnet, dhcp: request.dhcp ?? true });
    return { hostId: request.hostId, name: request.name, xml, start: request.start ?? true, autostart: request.autostart ?? true };
  }

  /** Defines (and starts) a prepared network; a start that fails leaves no definition. */
  async define(prepared: PreparedNetwork): Promise<void> {
    await this.port.define(prepared.hostId, prepared.xml, { start: prepared.start, autostart: prepared.autostart });
  }

  /** Removes a network whatever uses it (the undo of a lab whose VMs are already gone). */
  async remove(hostId: string, name: string): Promise<void> {
    await this.port.remove(hostId, name);
  }

  async delete(ref: NetworkRef): Promise<void> {
    const network = (await this.list(ref.hostId)).find((n) => n.name === ref.name);
    if (!network) throw new NotFoundError('network.not-found', `There is no network "${ref.name}" on this host`, { details: { field: 'name' } });
    if (network.vms.length > 0) {
      throw new ConflictError('network.in-use', `The network "${ref.name}" is used by ${network.vms.map((v) => `"${v}"`).join(', ')}: remove their interfaces first`, {
        details: { field: 'name', vms: network.vms },
      });
    }
    await this.port.remove(ref.hostId, ref.name);
  }
}

function checkField(field: string, result: { success: true } | { success: false; error: { issues: { message: string }[] } }): void {
  if (!result.success) {
    throw new InvalidInputError('network.invalid', `The network's ${field} is invalid: ${result.error.issues[0]!.message}`, { details: { field } });
  }
}

/** libvirt's own "virbr%d" scheme with our prefix. */
export const BRIDGE_TEMPLATE = 'tandembr%d';

function summarize(hostId: string, network: HostNetwork, domains: HostDomainAttachment[]): NetworkSummary {
  const parsed = parseNetworkXml(network.xml);
  const vms = domains
    .filter((d) => {
      const attached = domainAttachments(d.xml);
      return attached.networks.includes(network.name) || (parsed.bridge !== null && attached.bridges.includes(parsed.bridge));
    })
    .map((d) => d.vmName)
    .sort();
  return {
    hostId,
    name: network.name,
    uuid: network.uuid,
    mode: parsed.mode,
    bridge: parsed.bridge,
    subnets: parsed.subnets.map(cidrText),
    dhcpRange: parsed.dhcpRange,
    active: network.active,
    persistent: network.persistent,
    autostart: network.autostart,
    vms,
  };
}
