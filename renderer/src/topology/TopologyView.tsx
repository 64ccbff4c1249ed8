/** The topology: hosts, their networks and VMs, and the links between them, drawn in SVG from live state. */
import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import type { NetworkSummary } from '../../../preload/api/networks';
import { selectHostList } from '../stores/hostsStore';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { layoutTopology, type TopologyNode } from './topologyLayout';
import './topology.css';

const NODE_WIDTH = 180;
const NODE_HEIGHT = 44;

export function TopologyView() {
  const { topology, networks: networksStore } = useStores();
  const hosts = useHosts(selectHostList);
  const vmMap = useVms((state) => state.vms);
  const byHost = useStore(networksStore, (state) => state.byHost);
  const connectedIds = useMemo(() => hosts.filter((h) => h.status === 'connected').map((h) => h.id), [hosts]);
  // Each connected host's networks are read once; `networks.changed` keeps them (and who is attached) live.
  useEffect(() => {
    networksStore.getState().ensure(connectedIds);
  }, [networksStore, connectedIds]);
  const { networks, errors, loading } = useMemo(() => {
    const networks: Record<string, NetworkSummary[]> = {};
    const errors: Record<string, string> = {};
    for (const hostId of connectedIds) {
      const entry = byHost[hostId];
      if (entry?.loaded) networks[hostId] = entry.networks;
      if (entry?.error) errors[hostId] = entry.error;
    }
    return { networks, errors, loading: connectedIds.some((hostId) => !byHost[hostId]?.loaded || byHost[hostId]?.loading) };
  }, [byHost, connectedIds]);
  const layout = useMemo(() => layoutTopology(hosts, Object.values(vmMap), networks), [hosts, vmMap, networks]);
  const byId = new Map(layout.nodes.map((n) => [n.id, n]));

  return (
    <section className="topology" data-testid="topology-view" data-loading={loading ? 'true' : 'false'}>
      <header className="topology-header">
        <h2>Topology</h2>
        <button type="button" className="btn" onClick={() => void topology.getState().reload(connectedIds)}>
          Refresh
        </button>
        <button type="button" className="btn" data-testid="topology-close" onClick={() => topology.getState().show(false)}>
          Close
        </button>
      </header>
      {Object.entries(errors).map(([hostId, message]) => (
        <p key={hostId} className="topology-error" data-testid={`topology-error-${hostId}`}>
          {hosts.find((h) => h.id === hostId)?.name ?? hostId}: {message}
        </p>
      ))}
      <svg className="topology-canvas" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-label="Hosts, networks and VMs">
        {layout.links.map((link) => {
          const from = byId.get(link.from)!;
          const to = byId.get(link.to)!;
          return (
            <line
              key={`${link.from}->${link.to}`}
              className={`topology-link topology-link-${link.kind}`}
              data-testid={`topology-link-${link.from}->${link.to}`}
              x1={from.x + NODE_WIDTH / 2}
              y1={from.y + NODE_HEIGHT / 2}
              x2={to.x - NODE_WIDTH / 2}
              y2={to.y + NODE_HEIGHT / 2}
            />
          );
        })}
        {layout.nodes.map((node) => (
          <NodeBox key={node.id} node={node} />
        ))}
      </svg>
    </section>
  );
}

function NodeBox({ node }: { node: TopologyNode }) {
  return (
    <g className={`topology-node topology-${node.kind}`} data-testid={`topology-node-${node.id}`} data-state={node.state} transform={`translate(${node.x - NODE_WIDTH / 2}, ${node.y})`}>
      <title>{`${node.label}: ${node.detail}`}</title>
      <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={node.kind === 'network' ? 22 : 6} />
      <text x={12} y={19} className="topology-label">
        {node.label}
      </text>
      <text x={12} y={35} className="topology-detail">
        {node.detail}
      </text>
    </g>
  );
}

/** The sidebar's entry to the view. */
export function TopologyNav() {
  const { topology } = useStores();
  const open = useStore(topology, (state) => state.open);
  return (
    <button type="button" className={open ? 'btn topology-nav active' : 'btn topology-nav'} data-testid="topology-open" aria-pressed={open} onClick={() => topology.getState().show(!open)}>
      Topology
    </button>
  );
}
