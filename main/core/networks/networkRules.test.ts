import { describe, expect, it } from 'vitest';
import { networkProblems, type ExistingNetwork } from './networkRules';

const existing: ExistingNetwork[] = [
  { name: 'default', subnets: ['192.168.122.0/24'], bridge: 'virbr0' },
  { name: 'lab-net', subnets: ['10.77.0.0/24'], bridge: 'virbr1' },
];
const base = { name: 'new-net', mode: 'isolated' as const, subnet: '10.50.0.0/24' };
const fields = (request: Parameters<typeof networkProblems>[0]) => networkProblems(request, existing).map((p) => [p.field, p.kind, p.code]);

describe('networkProblems', () => {
  it('finds nothing wrong with a fresh name and subnet', () => {
    expect(networkProblems(base, existing)).toEqual([]);
    expect(networkProblems({ ...base, mode: 'routed', forwardDevice: 'enp1s0.100', dhcpRange: { start: '10.50.0.10', end: '10.50.0.20' } }, existing)).toEqual([]);
  });

  it.each([
    [{ name: 'bad name!' }, 'name', 'invalid', 'network.invalid'],
    [{ name: '' }, 'name', 'invalid', 'network.invalid'],
    [{ name: 'lab-net' }, 'name', 'conflict', 'network.name-taken'],
    [{ subnet: '10.50.0.1/24' }, 'subnet', 'invalid', 'network.subnet-invalid'],
    [{ subnet: ' 10.0.0.0/29 ' }, undefined, undefined, undefined],
    [{ subnet: '10.0.0.0/30' }, 'subnet', 'invalid', 'network.subnet-invalid'],
    [{ subnet: '10.0.0.0/31' }, 'subnet', 'invalid', 'network.subnet-invalid'],
    [{ subnet: '10.0.0.0/8' }, 'subnet', 'conflict', 'network.subnet-overlap'],
    [{ subnet: '192.168.122.128/25' }, 'subnet', 'conflict', 'network.subnet-overlap'],
    [{ bridge: 'virbr1' }, 'bridge', 'conflict', 'network.bridge-taken'],
    [{ bridge: 'a/b' }, 'bridge', 'invalid', 'network.invalid'],
    [{ dhcpRange: { start: '10.50.0.1', end: '10.50.0.9' } }, 'dhcpRange.start', 'invalid', 'network.dhcp-range-invalid'],
    [{ dhcpRange: { start: '10.50.0.9', end: '10.51.0.9' } }, 'dhcpRange.end', 'invalid', 'network.dhcp-range-invalid'],
    [{ dhcp: false, dhcpRange: { start: '10.50.0.9', end: '10.50.0.20' } }, 'dhcpRange.start', 'invalid', 'network.dhcp-off'],
    [{ forwardDevice: 'eth0' }, 'forwardDevice', 'invalid', 'network.forward-isolated'],
    [{ mode: 'nat' as const, forwardDevice: 'eth 0' }, 'forwardDevice', 'invalid', 'network.invalid'],
    [{ mode: 'nat' as const, forwardDevice: 'a-very-long-device-name' }, 'forwardDevice', 'invalid', 'network.invalid'],
  ])('%j: %s', (patch, field, kind, code) => {
    expect(fields({ ...base, ...patch })).toEqual(field ? [[field, kind, code]] : []);
  });

  it('says which network a subnet overlaps, and lists every problem at once', () => {
    const [overlap] = networkProblems({ ...base, subnet: '10.77.0.0/16' }, existing);
    expect(overlap).toEqual({
      field: 'subnet',
      kind: 'conflict',
      code: 'network.subnet-overlap',
      message: 'The subnet 10.77.0.0/16 overlaps 10.77.0.0/24 of the network "lab-net"',
      network: 'lab-net',
    });
    expect(fields({ name: 'default', mode: 'nat', subnet: 'nope', bridge: 'virbr0', forwardDevice: 'x/y' })).toEqual([
      ['name', 'conflict', 'network.name-taken'],
      ['subnet', 'invalid', 'network.subnet-invalid'],
      ['bridge', 'conflict', 'network.bridge-taken'],
      ['forwardDevice', 'invalid', 'network.invalid'],
    ]);
  });
});
