import { describe, expect, it } from 'vitest';
import { addressPlan, cidrText, dhcpRangeProblem, overlaps, parseCidr, prefixOfNetmask } from './ipv4';
import { domainAttachments, networkXml, parseNetworkXml } from './networkXml';

const subnet = (text: string) => {
  const parsed = parseCidr(text);
  if ('reason' in parsed) throw new Error(parsed.reason);
  return parsed.subnet;
};

describe('ipv4', () => {
  it('parses CIDR and says what is wrong', () => {
    expect(cidrText(subnet('192.168.50.0/24'))).toBe('192.168.50.0/24');
    expect(parseCidr('192.168.50.1/24')).toEqual({ reason: 'host bits are set: the subnet is 192.168.50.0/24' });
    expect(parseCidr('192.168.050.0/24')).toMatchObject({ reason: expect.stringContaining('CIDR') });
    expect(parseCidr('10.0.0.0/7')).toMatchObject({ reason: expect.stringContaining('prefix') });
    expect(parseCidr('10.0.0.0')).toMatchObject({ reason: expect.stringContaining('CIDR') });
  });

  it('finds overlaps, nested or partial, and not adjacent subnets', () => {
    expect(overlaps(subnet('10.0.0.0/16'), subnet('10.0.5.0/24'))).toBe(true);
    expect(overlaps(subnet('10.0.5.0/24'), subnet('10.0.0.0/16'))).toBe(true);
    expect(overlaps(subnet('10.0.0.0/24'), subnet('10.0.1.0/24'))).toBe(false);
  });

  it('plans the gateway and DHCP range, and reads netmasks', () => {
    expect(addressPlan(subnet('10.9.8.0/29'))).toEqual({ gateway: '10.9.8.1', netmask: '255.255.255.248', dhcpStart: '10.9.8.2', dhcpEnd: '10.9.8.6' });
    expect(prefixOfNetmask('255.255.240.0')).toBe(20);
    expect(prefixOfNetmask('255.0.255.0')).toBeUndefined();
  });

  it('checks a DHCP range against the subnet, naming the wrong end', () => {
    const net = subnet('10.9.8.0/24');
    expect(dhcpRangeProblem(net, '10.9.8.100', '10.9.8.200')).toBeUndefined();
    expect(dhcpRangeProblem(net, '10.9.8.2', '10.9.8.254')).toBeUndefined();
    expect(dhcpRangeProblem(net, '10.9.8.1', '10.9.8.20')).toEqual({ end: 'start', reason: "10.9.8.1 is not inside 10.9.8.0/24, from 10.9.8.2 to 10.9.8.254 (10.9.8.1 is the host's)" });
    expect(dhcpRangeProblem(net, '10.9.8.10', '10.9.8.255')).toMatchObject({ end: 'end', reason: expect.stringContaining('10.9.8.255 is not inside') });
    expect(dhcpRangeProblem(net, '10.9.9.10', '10.9.8.20')).toMatchObject({ end: 'start' });
    expect(dhcpRangeProblem(net, '10.9.8.10', 'ten')).toEqual({ end: 'end', reason: '"ten" is not an IPv4 address' });
    expect(dhcpRangeProblem(net, '10.9.8.50', '10.9.8.20')).toEqual({ end: 'end', reason: 'the range ends (10.9.8.20) before it starts (10.9.8.50)' });
  });
});

describe('network XML', () => {
  it('round-trips a NAT network through the XML layer', () => {
    const xml = networkXml({ name: 'lab<&>', mode: 'nat', bridge: 'br0', subnet: subnet('10.1.0.0/24'), dhcp: true });
    expect(xml).toContain('<name>lab&lt;&amp;&gt;</name>');
    expect(parseNetworkXml(xml)).toEqual({ mode: 'nat', bridge: 'br0', forwardDevice: null, subnets: [subnet('10.1.0.0/24')], dhcpRange: { start: '10.1.0.2', end: '10.1.0.254' } });
  });

  it('writes a routed network with its forward device and a DHCP range of its own, and reads them back', () => {
    const xml = networkXml({ name: 'r', mode: 'routed', bridge: 'br9', subnet: subnet('10.2.0.0/24'), dhcp: true, dhcpRange: { start: '10.2.0.100', end: '10.2.0.150' }, forwardDevice: 'eth1' });
    expect(xml).toContain('<forward mode="route" dev="eth1"/>');
    expect(parseNetworkXml(xml)).toEqual({ mode: 'routed', bridge: 'br9', forwardDevice: 'eth1', subnets: [subnet('10.2.0.0/24')], dhcpRange: { start: '10.2.0.100', end: '10.2.0.150' } });
  });

  it('reads modes it does not create as other, and prefix-style addresses', () => {
    const parsed = parseNetworkXml("<network><name>x</name><forward mode='bridge'/><ip address='172.16.4.9' prefix='22'/><ip family='ipv6' address='fd00::1' prefix='64'/></network>");
    expect(parsed).toEqual({ mode: 'other', bridge: null, forwardDevice: null, subnets: [subnet('172.16.4.0/22')], dhcpRange: null });
  });

  it('lists the networks and bridges a domain is attached to', () => {
    const xml = `<domain><devices><interface type='network'><source network='a'/></interface><interface type='bridge'><source bridge='br1'/></interface><interface type='user'/></devices></domain>`;
    expect(domainAttachments(xml)).toEqual({ networks: ['a'], bridges: ['br1'] });
  });
});
