/**
 * Places hosts, networks and VMs in columns (host | its networks | its VMs), one band per host, and the
 * links between them: host-network, network-VM (by the network's attached VM names), host-VM for a VM on
 * no network. Pure, so the picture is a function of the live state.
 */
import type { HostSummary, VmSummary } from '../../../preload/contract';
import type { NetworkSummary } from '../../../preload/api/networks';

export interface TopologyNode {
  id: string;
  kind: 'host' | 'network' | 'vm';
  label: string;
  detail: string;
  x: number;
  y: number;
  state?: string;
}

export interface TopologyLink {
  from: string;
  to: string;
  kind: 'host-network' | 'network-vm' | 'host-vm';
}

export interface TopologyLayout {
  nodes: TopologyNode[];
  links: TopologyLink[];
  width: number;
  height: number;
}

export const COLUMN_X = { host: 110, network: 360, vm: 620 } as const;
const ROW = 64;
const MARGIN = 40;

export function layoutTopology(hosts: HostSummary[], vms: VmSummary[], networks: Record<string, NetworkSummary[]>): TopologyLayout {
  const nodes: TopologyNode[] = [];
  const links: TopologyLink[] = [];
  let top = MARGIN;
  for (const host of [...hosts].sort((a, b) => a.name.localeCompare(b.name))) {
    const hostVms = vms.filter((vm) => vm.hostId === host.id).sort((a, b) => a.name.localeCompare(b.name));
    const hostNets = [...(networks[host.id] ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    const rows = Math.max(1, hostVms.length, hostNets.length);
    const bandHeight = rows * ROW;
    const hostId = `host:${host.id}`;
    nodes.push({ id: hostId, kind: 'host', label: host.name, detail: host.status, x: COLUMN_X.host, y: top + bandHeight / 2 - ROW / 2, state: host.status });
    const spread = (count: number, i: number) => top + ((i + 0.5) * bandHeight) / count - ROW / 2;
    hostNets.forEach((net, i) => {
      const id = `network:${host.id}:${net.name}`;
      nodes.push({
        id,
        kind: 'network',
        label: net.name,
        detail: [net.mode, net.subnets.join(', ')].filter(Boolean).join(' · '),
        x: COLUMN_X.network,
        y: spread(hostNets.length, i),
        state: net.active ? 'active' : 'inactive',
      });
      links.push({ from: hostId, to: id, kind: 'host-network' });
    });
    hostVms.forEach((vm, i) => {
      const id = `vm:${host.id}:${vm.uuid}`;
      nodes.push({ id, kind: 'vm', label: vm.name, detail: vm.state, x: COLUMN_X.vm, y: spread(hostVms.length, i), state: vm.state });
      const on = hostNets.filter((net) => net.vms.includes(vm.name));
      for (const net of on) links.push({ from: `network:${host.id}:${net.name}`, to: id, kind: 'network-vm' });
      if (on.length === 0) links.push({ from: hostId, to: id, kind: 'host-vm' });
    });
    top += bandHeight + MARGIN;
  }
  return { nodes, links, width: COLUMN_X.vm + 200, height: Math.max(top, 200) };
}
