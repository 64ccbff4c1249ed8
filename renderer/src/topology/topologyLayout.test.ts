import { describe, expect, it } from 'vitest';
import type { HostSummary, VmSummary } from '../../../preload/contract';
import type { NetworkSummary } from '../../../preload/api/networks';
import { layoutTopology } from './topologyLayout';

const host = { id: 'h1', name: 'one', status: 'connected' } as HostSummary;
const vm = (name: string): VmSummary => ({ hostId: 'h1', uuid: `u-${name}`, name, state: 'running', stateReason: 'booted', vcpus: 1, memoryKiB: 1, persistent: true });
const net = (name: string, vms: string[]): NetworkSummary =>
  ({ hostId: 'h1', name, uuid: name, mode: 'nat', bridge: null, forwardDevice: null, subnets: ['10.0.0.0/24'], dhcpRange: null, active: true, persistent: true, autostart: true, vms });

describe('layoutTopology', () => {
  it('links host to networks, networks to their VMs, and the host to a VM on no network', () => {
    const layout = layoutTopology([host], [vm('a'), vm('b'), vm('c')], { h1: [net('lan', ['a', 'b']), net('dmz', ['b'])] });
    expect(layout.nodes.map((n) => n.id)).toEqual(['host:h1', 'network:h1:dmz', 'network:h1:lan', 'vm:h1:u-a', 'vm:h1:u-b', 'vm:h1:u-c']);
    expect(layout.links).toEqual([
      { from: 'host:h1', to: 'network:h1:dmz', kind: 'host-network' },
      { from: 'host:h1', to: 'network:h1:lan', kind: 'host-network' },
      { from: 'network:h1:lan', to: 'vm:h1:u-a', kind: 'network-vm' },
      { from: 'network:h1:dmz', to: 'vm:h1:u-b', kind: 'network-vm' },
      { from: 'network:h1:lan', to: 'vm:h1:u-b', kind: 'network-vm' },
      { from: 'host:h1', to: 'vm:h1:u-c', kind: 'host-vm' },
    ]);
  });

  it('gives every host its own band, tall enough for its longest column', () => {
    const other = { id: 'h2', name: 'two', status: 'unreachable' } as HostSummary;
    const layout = layoutTopology([other, host], [vm('a'), vm('b'), vm('c')], {});
    const y = (id: string) => layout.nodes.find((n) => n.id === id)!.y;
    expect(y('host:h2')).toBeGreaterThan(y('vm:h1:u-c'));
    expect(layout.height).toBeGreaterThan(y('host:h2'));
  });
});
