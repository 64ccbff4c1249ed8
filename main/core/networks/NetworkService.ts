/**
 * VM networks of a host: list, create (validated against the host's live networks first with the rules of
 * networkRules.ts: a bad field is an InvalidInput/Conflict naming it in details.field, and nothing is
 * created), start, stop, autostart, delete (refused while a VM has an interface on it, naming the VMs).
 */
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { cidrText, parseCidr } from './ipv4';
import { networkProblems } from './networkRules';
import type { HostDomainAttachment, HostNetwork, NetworkPort } from './NetworkPort';
import { NetworkCreateRequestSchema, type NetworkCreateRequest, type NetworkRef, type NetworkSummary } from './networkSchemas';
import { domainAttachments, networkXml, parseNetworkXml } from './networkXml';

export interface PreparedNetwork {
  hostId: string;
  name: string;
  xml: string;
  start: boolean;
  autostart: boolean;
}

export interface NetworkServiceOptions {
  /** Called after this service changed a host's networks (libvirt sends no event for autostart). */
  changed?: (hostId: string) => void;
}

export class NetworkService {
  constructor(
    private readonly port: NetworkPort,
    private readonly options: NetworkServiceOptions = {},
  ) {}

  async list(hostId: string): Promise<NetworkSummary[]> {
    const [networks, domains] = await Promise.all([this.port.listNetworks(hostId), this.port.listDomains(hostId)]);
    return networks.map((network) => summarize(hostId, network, domains)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(input: NetworkCreateRequest): Promise<NetworkSummary> {
    const prepared = await this.prepare(input);
    await this.define(prepared);
    this.options.changed?.(prepared.hostId);
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
    const existing = (await this.port.listNetworks(request.hostId)).map((n) => {
      const xml = parseNetworkXml(n.xml);
      return { name: n.name, bridge: xml.bridge, subnets: xml.subnets.map(cidrText) };
    });
    const [problem] = networkProblems(request, existing);
    if (problem) {
      const details = { field: problem.field, ...(problem.network ? { network: problem.network } : {}) };
      throw problem.kind === 'conflict' ? new ConflictError(problem.code, problem.message, { details }) : new InvalidInputError(problem.code, problem.message, { details });
    }
    const subnet = parseCidr(request.subnet);
    if ('reason' in subnet) throw new Error('unreachable: networkProblems checked the subnet');
    // A "%d" template lets libvirt pick the first number free among its networks AND the kernel's devices
    // (hosts sharing a network namespace, bridges left by others), which a check from here could not see.
    const bridge = request.bridge ?? BRIDGE_TEMPLATE;
    const xml = networkXml({
      name: request.name,
      mode: request.mode,
      bridge,
      subnet: subnet.subnet,
      dhcp: request.dhcp ?? true,
      ...(request.dhcpRange ? { dhcpRange: request.dhcpRange } : {}),
      ...(request.forwardDevice ? { forwardDevice: request.forwardDevice } : {}),
    });
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

  /** Starts a defined network (its bridge, addresses, DHCP and firewall rules). Conflict when it runs already. */
  async start(ref: NetworkRef): Promise<NetworkSummary> {
    const network = await this.find(ref);
    if (network.active) throw new ConflictError('network.active', `The network "${ref.name}" is running already`, { details: { field: 'name' } });
    await this.port.setActive(ref.hostId, ref.name, true);
    return this.changedSummary(ref);
  }

  /** Stops a running network; the VMs on it lose their link to it until it runs again. Conflict when it is stopped. */
  async stop(ref: NetworkRef): Promise<NetworkSummary> {
    const network = await this.find(ref);
    if (!network.active) throw new ConflictError('network.inactive', `The network "${ref.name}" is not running`, { details: { field: 'name' } });
    await this.port.setActive(ref.hostId, ref.name, false);
    return this.changedSummary(ref);
  }

  async setAutostart(ref: NetworkRef, autostart: boolean): Promise<NetworkSummary> {
    const network = await this.find(ref);
    if (!network.persistent) {
      throw new ConflictError('network.transient', `The network "${ref.name}" is transient: it has no definition to start with the host`, { details: { field: 'name' } });
    }
    await this.port.setAutostart(ref.hostId, ref.name, autostart);
    return this.changedSummary(ref);
  }

  async delete(ref: NetworkRef): Promise<void> {
    const network = await this.find(ref);
    if (network.vms.length > 0) {
      throw new ConflictError('network.in-use', `The network "${ref.name}" is used by ${network.vms.map((v) => `"${v}"`).join(', ')}: remove their interfaces first`, {
        details: { field: 'name', vms: network.vms },
      });
    }
    await this.port.remove(ref.hostId, ref.name);
    this.options.changed?.(ref.hostId);
  }

  private async find(ref: NetworkRef): Promise<NetworkSummary> {
    const network = (await this.list(ref.hostId)).find((n) => n.name === ref.name);
    if (!network) throw new NotFoundError('network.not-found', `There is no network "${ref.name}" on this host`, { details: { field: 'name' } });
    return network;
  }

  private async changedSummary(ref: NetworkRef): Promise<NetworkSummary> {
    this.options.changed?.(ref.hostId);
    return this.find(ref);
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
    forwardDevice: parsed.forwardDevice,
    subnets: parsed.subnets.map(cidrText),
    dhcpRange: parsed.dhcpRange,
    active: network.active,
    persistent: network.persistent,
    autostart: network.autostart,
    vms,
  };
}
