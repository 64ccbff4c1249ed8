import { memo, useState } from 'react';
import { hostStatusLabel } from '../format';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { selectVmCountsByHost } from '../stores/vmsStore';
import { EditHostForm } from './EditHostForm';
import { VmCounts } from './VmCounts';

/** One host in the sidebar: name, URI, status, VM counts; reconnect and remove. */
export const HostItem = memo(function HostItem({ hostId }: { hostId: string }) {
  const { hosts } = useStores();
  const host = useHosts((state) => state.hosts[hostId]);
  const selected = useHosts((state) => state.selectedHostId === hostId);
  const pending = useHosts((state) => state.pending[hostId]);
  const running = useVms((state) => selectVmCountsByHost(state)[hostId]?.running ?? 0);
  const total = useVms((state) => selectVmCountsByHost(state)[hostId]?.total ?? 0);
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const [editing, setEditing] = useState(false);
  const { hostPage } = useStores();

  if (!host) return null;
  const { status, statusReason } = host;
  const canReconnect = status !== 'connected' && status !== 'connecting';
  const showReason = status !== 'connected' && !!statusReason;

  return (
    <li
      className={selected ? 'host-item selected' : 'host-item'}
      data-testid={`host-item-${hostId}`}
      data-status={status}
    >
      <button
        type="button"
        className="host-select"
        aria-current={selected ? 'true' : undefined}
        onClick={() => hosts.getState().selectHost(hostId)}
      >
        <span className="host-line">
          <span className="host-name">{host.name}</span>
          <VmCounts running={running} total={total} />
        </span>
        <span className="host-uri" title={host.uri}>
          {host.uri}
        </span>
        <span
          className={`host-status status-${status}`}
          title={statusReason ? `${hostStatusLabel(status)}: ${statusReason}` : hostStatusLabel(status)}
          data-testid={`host-status-${hostId}`}
        >
          <span className="status-dot" aria-hidden="true" />
          {hostStatusLabel(status)}
          {host.hypervisor && status === 'connected' && <span className="host-hv"> · {host.hypervisor}</span>}
        </span>
        {showReason && <span className="host-reason">{statusReason}</span>}
      </button>
      {editing && <EditHostForm host={host} onDone={() => setEditing(false)} />}
      <div className="host-actions">
        <button type="button" className="btn btn-small" data-testid={`host-open-${hostId}`} onClick={() => hostPage.getState().open(hostId)}>
          Details
        </button>
        {host.kind === 'libvirt' && !editing && (
          <button type="button" className="btn btn-small btn-quiet" data-testid={`host-edit-open-${hostId}`} onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        {canReconnect && (
          <button
            type="button"
            className="btn btn-small"
            disabled={!!pending}
            onClick={() => void hosts.getState().reconnect(hostId)}
          >
            {pending === 'reconnect' ? 'Reconnecting…' : 'Reconnect'}
          </button>
        )}
        {confirmingRemove ? (
          <>
            <button
              type="button"
              className="btn btn-small btn-danger"
              disabled={!!pending}
              onClick={() => {
                setConfirmingRemove(false);
                void hosts.getState().removeHost(hostId);
              }}
            >
              {pending === 'remove' ? 'Removing…' : 'Confirm remove'}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirmingRemove(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn btn-small btn-quiet"
            disabled={!!pending}
            aria-label={`Remove host ${host.name}`}
            onClick={() => setConfirmingRemove(true)}
          >
            {pending === 'remove' ? 'Removing…' : 'Remove'}
          </button>
        )}
      </div>
    </li>
  );
});
