import { describe, expect, it } from 'vitest';
import { addressesOf, mergeAddresses } from './guestAddressList';

describe('guest address list', () => {
  it('keeps reachable addresses with their NIC, drops loopback and link-local', () => {
    const agent = addressesOf(
      [
        { name: 'lo', hwaddr: '00:00:00:00:00:00', addrs: [{ type: 0, addr: '127.0.0.1', prefix: 8 }, { type: 1, addr: '::1', prefix: 128 }] },
        {
          name: 'eth0',
          hwaddr: '52:54:00:AB:CD:EF',
          addrs: [
            { type: 0, addr: '10.1.0.7', prefix: 24 },
            { type: 1, addr: 'fe80::5054:ff:feab:cdef', prefix: 64 },
            { type: 1, addr: 'fd00::7', prefix: 64 },
            { type: 0, addr: '169.254.3.4', prefix: 16 },
          ],
        },
      ],
      'agent',
    );
    expect(agent).toEqual([
      { address: '10.1.0.7', prefix: 24, family: 'ipv4', mac: '52:54:00:ab:cd:ef', interface: 'eth0', source: 'agent' },
      { address: 'fd00::7', prefix: 64, family: 'ipv6', mac: '52:54:00:ab:cd:ef', interface: 'eth0', source: 'agent' },
    ]);
  });

  it('a source without MAC or name gives null for them', () => {
    expect(addressesOf([{ name: '', hwaddr: '', addrs: [{ type: 0, addr: '10.1.0.9', prefix: 24 }] }], 'lease')).toEqual([
      { address: '10.1.0.9', prefix: 24, family: 'ipv4', mac: null, interface: null, source: 'lease' },
    ]);
  });

  it('merges leases first, one entry per address', () => {
    const lease = addressesOf([{ name: 'vnet3', hwaddr: '52:54:00:ab:cd:ef', addrs: [{ type: 0, addr: '10.1.0.7', prefix: 24 }] }], 'lease');
    const agent = addressesOf([{ name: 'eth0', hwaddr: '52:54:00:ab:cd:ef', addrs: [{ type: 0, addr: '10.1.0.7', prefix: 24 }, { type: 0, addr: '192.168.5.2', prefix: 24 }] }], 'agent');
    expect(mergeAddresses(lease, agent).map((a) => `${a.address} ${a.source} ${a.interface}`)).toEqual(['10.1.0.7 lease vnet3', '192.168.5.2 agent eth0']);
  });
});
