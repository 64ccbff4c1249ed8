/**
 * libvirt network XML (https://libvirt.org/formatnetwork.html) built and read through the XML layer.
 */
import { XmlDocument, XmlNode } from '../xml/XmlDocument';
import { addressPlan, parseIpv4, prefixOfNetmask, subnetOf, type Ipv4Subnet } from './ipv4';
import type { NetworkMode } from './networkSchemas';

export interface NetworkDefinition {
  name: string;
  mode: NetworkMode;
  bridge: string;
  subnet: Ipv4Subnet;
  dhcp: boolean;
  /** The range DHCP hands out; the whole subnet after the host's address when absent. */
  dhcpRange?: { start: string; end: string };
  /** NAT and routed: `<forward dev=...>`. */
  forwardDevice?: string;
}

export function networkXml(definition: NetworkDefinition): string {
  const document = XmlDocument.parse('<network/>', 'network XML');
  const root = new XmlNode(document.root);
  root.setText('name', definition.name);
  if (definition.mode !== 'isolated') {
    const forward = root.ensure('forward');
    forward.setAttribute('mode', definition.mode === 'nat' ? 'nat' : 'route');
    if (definition.forwardDevice) forward.setAttribute('dev', definition.forwardDevice);
  }
  const bridge = root.ensure('bridge');
  bridge.setAttribute('name', definition.bridge);
  bridge.setAttribute('stp', 'on');
  bridge.setAttribute('delay', '0');
  const plan = addressPlan(definition.subnet);
  const ip = root.ensure('ip');
  ip.setAttribute('address', plan.gateway);
  ip.setAttribute('netmask', plan.netmask);
  if (definition.dhcp) {
    const range = ip.ensure('dhcp/range');
    range.setAttribute('start', definition.dhcpRange?.start.trim() ?? plan.dhcpStart);
    range.setAttribute('end', definition.dhcpRange?.end.trim() ?? plan.dhcpEnd);
  }
  return document.toString();
}

export interface ParsedNetwork {
  mode: NetworkMode | 'other';
  bridge: string | null;
  forwardDevice: string | null;
  subnets: Ipv4Subnet[];
  dhcpRange: { start: string; end: string } | null;
}

/** What Tandem shows of any network's XML (also ones it did not create). */
export function parseNetworkXml(xml: string): ParsedNetwork {
  const root = new XmlNode(XmlDocument.parse(xml, 'network XML').root);
  const forward = root.value('forward/@mode');
  const mode: ParsedNetwork['mode'] = forward === undefined ? 'isolated' : forward === 'nat' ? 'nat' : forward === 'route' ? 'routed' : 'other';
  const subnets: Ipv4Subnet[] = [];
  let dhcpRange: ParsedNetwork['dhcpRange'] = null;
  for (const ip of root.elements('ip')) {
    if ((ip.value('@family') ?? 'ipv4') !== 'ipv4') continue;
    const address = parseIpv4(ip.value('@address') ?? '');
    const prefixText = ip.value('@prefix');
    const netmask = ip.value('@netmask');
    const prefix = prefixText !== undefined ? Number(prefixText) : netmask !== undefined ? prefixOfNetmask(netmask) : 24;
    if (address === undefined || prefix === undefined || !Number.isInteger(prefix)) continue;
    subnets.push(subnetOf(address, prefix));
    const start = ip.value('dhcp/range/@start');
    const end = ip.value('dhcp/range/@end');
    if (!dhcpRange && start && end) dhcpRange = { start, end };
  }
  return { mode, bridge: root.value('bridge/@name') ?? null, forwardDevice: root.value('forward/@dev') ?? null, subnets, dhcpRange };
}


/** Networks (by name) and bridges an interface of a domain XML is attached to. */
export function domainAttachments(xml: string): { networks: string[]; bridges: string[] } {
  const root = new XmlNode(XmlDocument.parse(xml, 'domain XML').root);
  const networks = root.elements("devices/interface[@type='network']").map((i) => i.value('source/@network')).filter((n): n is string => !!n);
  const bridges = root.elements("devices/interface[@type='bridge']").map((i) => i.value('source/@bridge')).filter((b): b is string => !!b);
  return { networks, bridges };
}
