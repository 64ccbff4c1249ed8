/**
 * The selected VM: live summary fields (state, vCPUs, memory) from the store, which events keep current,
 * and the definition details from `vms.get` (refreshed when the VM changes).
 */
import type { ReactNode } from 'react';
import type { VmDetail } from '../../../preload/contract';
import { CheckpointTreeView } from '../checkpoints/CheckpointTreeView';
import { formatKiB, formatStateReason, formatYesNo } from '../format';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { selectSelectedVm } from '../stores/vmsStore';
import { StateBadge } from './StateBadge';
import { VmActions } from './VmActions';

export function VmDetailPanel() {
  const { vms } = useStores();
  const vm = useVms(selectSelectedVm);
  const detail = useVms((state) => state.detail);
  const hostName = useHosts((state) => (vm ? (state.hosts[vm.hostId]?.name ?? vm.hostId) : ''));

  if (!vm) return null;
  const data: VmDetail | null = detail?.data ?? null;
  const reason = formatStateReason(vm.stateReason);

  return (
    <aside
      className="detail"
      data-testid="vm-detail"
      aria-labelledby="vm-detail-title"
      onKeyDown={(event) => {
        if (event.key === 'Escape') vms.getState().select(null);
      }}
    >
      <header className="detail-header">
        <div className="detail-title-wrap">
          <h2 id="vm-detail-title" className="detail-title">
            {vm.name}
          </h2>
          <div className="detail-state">
            <StateBadge state={vm.state} />
            {reason && <span className="muted">{reason}</span>}
            {detail?.loading && <span className="spinner" role="status" aria-label="Loading details" />}
          </div>
        </div>
        <button
          type="button"
          className="icon-btn"
          aria-label="Close details"
          title="Close"
          onClick={() => vms.getState().select(null)}
        >
          ×
        </button>
      </header>

      <VmActions vm={vm} />

      {detail?.error && (
        <p className="detail-error" role="alert">
          Could not load the details: {detail.error}{' '}
          <button type="button" className="btn btn-small" onClick={() => void vms.getState().refreshDetail()}>
            Retry
          </button>
        </p>
      )}

      <section className="detail-section" aria-label="Overview">
        <dl className="props">
          <Prop label="UUID">
            <code className="selectable">{vm.uuid}</code>
          </Prop>
          <Prop label="Host">{hostName}</Prop>
          <Prop label="vCPUs">{vm.vcpus}</Prop>
          <Prop label="Memory">{formatKiB(vm.memoryKiB)}</Prop>
          <Prop label="Persistent">{formatYesNo(vm.persistent)}</Prop>
          <Prop label="OS type">{data ? data.osType : '…'}</Prop>
          <Prop label="Architecture">{data ? (data.arch ?? '—') : '…'}</Prop>
          <Prop label="Machine">{data ? (data.machine ?? '—') : '…'}</Prop>
          <Prop label="Domain type">{data ? data.domainType : '…'}</Prop>
          <Prop label="Autostart">{data ? formatYesNo(data.autostart) : '…'}</Prop>
        </dl>
      </section>

      <CheckpointTreeView vm={vm} />

      {data && (
        <>
          <section className="detail-section">
            <h3>Disks</h3>
            {data.disks.length === 0 ? (
              <p className="muted">No disks.</p>
            ) : (
              <table className="mini-table">
                <thead>
                  <tr>
                    <th scope="col">Target</th>
                    <th scope="col">Device</th>
                    <th scope="col">Bus</th>
                    <th scope="col">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {data.disks.map((disk) => (
                    <tr key={disk.target}>
                      <td>
                        <code>{disk.target}</code>
                      </td>
                      <td>{disk.device}</td>
                      <td>{disk.bus ?? '—'}</td>
                      <td className="cell-wrap" title={disk.format ? `format: ${disk.format}` : undefined}>
                        {disk.source ?? '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="detail-section">
            <h3>Network interfaces</h3>
            {data.nics.length === 0 ? (
              <p className="muted">No network interfaces.</p>
            ) : (
              <table className="mini-table">
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <th scope="col">Source</th>
                    <th scope="col">Model</th>
                    <th scope="col">MAC</th>
                  </tr>
                </thead>
                <tbody>
                  {data.nics.map((nic, index) => (
                    <tr key={nic.mac ?? index}>
                      <td>{nic.type}</td>
                      <td>{nic.source ?? '—'}</td>
                      <td>{nic.model ?? '—'}</td>
                      <td>
                        <code>{nic.mac ?? '—'}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="detail-section">
            <h3>Graphics</h3>
            {data.graphics.length === 0 ? (
              <p className="muted">No graphical console.</p>
            ) : (
              <ul className="plain-list">
                {data.graphics.map((graphics, index) => (
                  <li key={index}>
                    <strong>{graphics.type.toUpperCase()}</strong>
                    {graphics.listen && <> on {graphics.listen}</>}
                    {graphics.port !== undefined && graphics.port > 0 ? <>, port {graphics.port}</> : <>, port auto</>}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section className="detail-section">
            <details className="xml-details">
              <summary>Domain XML</summary>
              <pre className="xml" data-testid="vm-xml">
                {data.xml}
              </pre>
            </details>
          </section>
        </>
      )}
    </aside>
  );
}

function Prop({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="prop">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
