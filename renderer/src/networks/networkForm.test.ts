import { describe, expect, it } from 'vitest';
import type { NetworkSummary } from '../../../preload/api/networks';
import { emptyNetworkForm, formErrors, planOf, requestOf } from './networkForm';

const labNet = { hostId: 'h', name: 'lab-net', subnets: ['10.77.0.0/24'], bridge: 'virbr1' } as NetworkSummary;

describe('the New network form', () => {
  it('makes the create request: a half-typed range takes the default of its other end; no forward device when isolated', () => {
    const form = { ...emptyNetworkForm(), name: ' office ', subnet: '10.5.0.0/24', dhcpStart: '10.5.0.100', forwardDevice: 'eth0' };
    expect(requestOf('h', form)).toEqual({
      hostId: 'h',
      name: 'office',
      mode: 'nat',
      subnet: '10.5.0.0/24',
      dhcp: true,
      dhcpRange: { start: '10.5.0.100', end: '10.5.0.254' },
      forwardDevice: 'eth0',
      start: true,
      autostart: true,
    });
    expect(requestOf('h', { ...form, mode: 'isolated', dhcpStart: '' })).not.toHaveProperty('forwardDevice');
    expect(requestOf('h', { ...form, mode: 'isolated', dhcpStart: '' })).not.toHaveProperty('dhcpRange');
    expect(requestOf('h', { ...form, dhcp: false })).not.toHaveProperty('dhcpRange');
  });

  it('judges only what was typed until the first submit, then every field', () => {
    expect(formErrors('h', emptyNetworkForm(), [labNet], false)).toEqual({});
    expect(Object.keys(formErrors('h', emptyNetworkForm(), [labNet], true)).sort()).toEqual(['name', 'subnet']);
    const typed = { ...emptyNetworkForm(), name: 'lab-net', subnet: '10.77.0.0/16', dhcpEnd: '10.78.0.1' };
    expect(formErrors('h', typed, [labNet], false)).toEqual({
      name: 'A network named "lab-net" already exists on this host',
      subnet: 'The subnet 10.77.0.0/16 overlaps 10.77.0.0/24 of the network "lab-net"',
      'dhcpRange.end': "The DHCP range is invalid: 10.78.0.1 is not inside 10.77.0.0/16, from 10.77.0.2 to 10.77.255.254 (10.77.0.1 is the host's)",
    });
  });

  it("shows the host's address of a valid subnet", () => {
    expect(planOf('192.168.100.0/24')).toMatchObject({ gateway: '192.168.100.1', dhcpStart: '192.168.100.2', dhcpEnd: '192.168.100.254' });
    expect(planOf('192.168.100.0/')).toBeUndefined();
  });
});
