/**
 * The selected VM: live summary fields (state, vCPUs, memory) from the store, which events keep current,
 * and the definition details from `vms.get` (refreshed when the VM changes); its tags and its editable
 * hardware (VmTagsEditor, VmHardwareEditor).
 */
import type { ReactNode } from 'react';
import type { VmDetail } from '../../../preload/contract';
import { formatKiB, formatStateReason, formatYesNo, isVmActive } from '../format';
import { VmCharts } from '../monitoring/VmCharts';
import { ConsoleButtons } from '../consoles/ConsoleButtons';
import { CheckpointTreeView } from '../checkpoints/CheckpointTreeView';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { selectSelectedVm } from '../stores/vmsStore';
import { StateBadge } from './StateBadge';
import { VmActions } from './VmActions';
import { VmHardwareEditor } from './VmHardwareEditor';
import { VmTagsEditor } from './VmTagsEditor';
import { SaveVmAsTemplate } from './SaveVmAsTemplate';

export function VmDetailPanel() {
  const { vms, migration } = useStores();
  const vm = useVms(selectSelectedVm);
  const detail = useVms((state) => state.detail);
  const hostName = useHosts((state) => (vm ? (state.hosts[vm.hostId]?.name ?? vm.hostId) : ''));
  const canMigrate = useHosts((state) => (vm ? state.hosts[vm.hostId]?.kind === 'libvirt' : false));

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
      <ConsoleButtons vm={vm} />
      {canMigrate && (
        <div className="detail-extra-actions">
          <button type="button" className="btn btn-small" data-testid="vm-migrate" onClick={() => migration.getState().openDialog(vm)}>
            Migrate…
          </button>
        </div>
      )}

      <SaveVmAsTemplate vm={vm} />

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

      <VmCharts key={`${vm.hostId}/${vm.uuid}`} hostId={vm.hostId} uuid={vm.uuid} active={isVmActive(vm.state)} />
      <section className="detail-section" aria-label="Tags">
        <h3>Tags</h3>
        <VmTagsEditor vm={vm} />
      </section>

      <section className="detail-section" aria-label="Hardware">
        <h3>Hardware</h3>
        <VmHardwareEditor key={`${vm.hostId}/${vm.uuid}`} vm={vm} />
      </section>
      <CheckpointTreeView vm={vm} />

      {data && (
        <>
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
