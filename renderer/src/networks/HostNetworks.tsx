/**
 * A host's virtual networks on its page: name, mode, subnet, DHCP range, running or not, autostart, the VMs
 * attached; New network, start / stop, delete (each confirmed where it cuts VMs off, naming them), and
 * "Deploy a lab" on this host. The list is the networks store's, kept live by `networks.changed`.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { NetworkSummary } from '../../../preload/api/networks';
import { useStores, useVms } from '../stores/StoresContext';
import { networkKey, selectHostNetworks } from '../stores/networksStore';
import { NetworkDialog } from './NetworkDialog';
import { useDialogFocus } from './useDialogFocus';
import './networks.css';

type Confirmation = { kind: 'delete' | 'stop'; network: NetworkSummary };

export function HostNetworks({ hostId, hostName, connected }: { hostId: string; hostName: string; connected: boolean }) {
  const { networks, labs } = useStores();
  const { networks: list, loaded, loading, error } = useStore(networks, (state) => selectHostNetworks(state, hostId));
  const [creating, setCreating] = useState(false);
  const [confirm, setConfirm] = useState<Confirmation | null>(null);
  // A row that had the focus and went (its network deleted, here or elsewhere) leaves it on the heading, not
  // on the page's top.
  const lastFocused = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    const last = lastFocused.current;
    if (last && !last.isConnected && (document.activeElement === null || document.activeElement === document.body)) networksHeading()?.focus();
  }, [list]);

  useEffect(() => {
    if (connected) networks.getState().ensure([hostId]);
  }, [networks, hostId, connected]);

  return (
    <section
      className="net-section"
      aria-labelledby="net-heading"
      data-testid="host-networks"
      data-loaded={loaded ? 'true' : 'false'}
      onFocus={(e) => (lastFocused.current = e.target)}
    >
      <header className="net-header">
        <h2 id="net-heading" className="host-page-heading" tabIndex={-1}>
          Virtual networks
        </h2>
        <button type="button" className="btn btn-small btn-primary" data-testid="network-new" disabled={!connected} onClick={() => setCreating(true)}>
          New network
        </button>
        <button type="button" className="btn btn-small" data-testid="lab-new-here" disabled={!connected} onClick={() => labs.getState().openLab(hostId)}>
          Deploy a lab here
        </button>
        <button type="button" className="btn btn-small btn-quiet" disabled={!connected || loading} onClick={() => void networks.getState().load(hostId)}>
          {loading ? 'Reading…' : 'Refresh'}
        </button>
      </header>
      {error && (
        <p className="field-error" role="alert" data-testid="host-networks-error">
          Could not list the networks: {error}
        </p>
      )}
      {list.length > 0 ? (
        <table className="net-table" data-testid="network-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col">Subnet</th>
              <th scope="col">DHCP</th>
              <th scope="col">State</th>
              <th scope="col">Autostart</th>
              <th scope="col">VMs</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((network) => (
              <NetworkRow key={network.name} network={network} onConfirm={setConfirm} />
            ))}
          </tbody>
        </table>
      ) : (
        loaded && !error && <p className="muted">No virtual networks on this host.</p>
      )}
      {creating && <NetworkDialog hostId={hostId} hostName={hostName} onClose={() => setCreating(false)} />}
      {confirm && <ConfirmNetwork confirmation={confirm} onClose={() => setConfirm(null)} />}
    </section>
  );
}

function modeText(network: NetworkSummary): string {
  const mode = network.mode === 'nat' ? 'NAT' : network.mode;
  return network.forwardDevice ? `${mode} via ${network.forwardDevice}` : mode;
}

function NetworkRow({ network, onConfirm }: { network: NetworkSummary; onConfirm: (c: Confirmation) => void }) {
  const { networks } = useStores();
  const key = networkKey(network.hostId, network.name);
  const busy = useStore(networks, (state) => state.busy[key]);
  const rowError = useStore(networks, (state) => state.rowErrors[key]);
  const name = network.name;
  return (
    <>
      <tr data-testid={`network-row-${name}`} data-active={network.active ? 'true' : 'false'}>
        <th scope="row">{name}</th>
        <td data-testid={`network-mode-${name}`}>{modeText(network)}</td>
        <td data-testid={`network-subnet-${name}`}>{network.subnets.join(', ') || '—'}</td>
        <td data-testid={`network-dhcp-${name}`}>{network.dhcpRange ? `${network.dhcpRange.start} – ${network.dhcpRange.end}` : 'off'}</td>
        <td data-testid={`network-state-${name}`}>
          <span className={network.active ? 'net-state net-active' : 'net-state'}>{network.active ? 'active' : 'inactive'}</span>
        </td>
        <td>
          <input
            type="checkbox"
            aria-label={`Start ${name} with the host`}
            data-testid={`network-autostart-${name}`}
            checked={network.autostart}
            disabled={!network.persistent || !!busy}
            onChange={(e) => void networks.getState().setAutostart(network.hostId, name, e.target.checked)}
          />
        </td>
        <td data-testid={`network-vms-${name}`}>{network.vms.length > 0 ? network.vms.join(', ') : <span className="muted">none</span>}</td>
        <td>
          <div className="net-actions">
            {network.active ? (
              <button
                type="button"
                className="btn btn-small"
                data-testid={`network-stop-${name}`}
                disabled={!!busy}
                onClick={() => (network.vms.length > 0 ? onConfirm({ kind: 'stop', network }) : void networks.getState().stop(network.hostId, name))}
              >
                {busy === 'stop' ? 'Stopping…' : 'Stop'}
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                data-testid={`network-start-${name}`}
                disabled={!!busy}
                onClick={() => void networks.getState().start(network.hostId, name)}
              >
                {busy === 'start' ? 'Starting…' : 'Start'}
              </button>
            )}
            <button
              type="button"
              className="btn btn-small btn-danger"
              data-testid={`network-delete-${name}`}
              disabled={!!busy}
              onClick={() => onConfirm({ kind: 'delete', network })}
            >
              {busy === 'delete' ? 'Deleting…' : 'Delete'}
            </button>
          </div>
        </td>
      </tr>
      {rowError && (
        <tr className="net-row-error">
          <td colSpan={8} className="field-error" role="alert" data-testid={`network-error-${name}`}>
            {rowError}
          </td>
        </tr>
      )}
    </>
  );
}

/** Where the focus goes when the element that opened a dialog is gone (a deleted network's row). */
const networksHeading = () => document.getElementById('net-heading');

/** Asks before a stop that cuts VMs off, or a delete; says which VMs use the network (a delete is refused while any does). */
function ConfirmNetwork({ confirmation, onClose }: { confirmation: Confirmation; onClose: () => void }) {
  const { networks } = useStores();
  const { kind, network } = confirmation;
  const running = useVms((state) =>
    Object.values(state.vms)
      .filter((vm) => vm.hostId === network.hostId && vm.state === 'running' && network.vms.includes(vm.name))
      .map((vm) => vm.name)
      .join(', '),
  );
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const inUse = network.vms.length > 0;
  useDialogFocus(dialogRef, networksHeading);
  useEffect(() => {
    cancelRef.current?.focus();
    const onEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onEscape);
    return () => window.removeEventListener('keydown', onEscape);
  }, [onClose]);
  const users = network.vms.map((v) => `"${v}"`).join(', ');
  const confirm = async () => {
    onClose();
    if (kind === 'delete') await networks.getState().remove(network.hostId, network.name);
    else await networks.getState().stop(network.hostId, network.name);
  };
  return (
    <div className="dialog-backdrop">
      <div
        ref={dialogRef}
        className="dialog net-dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="net-confirm-title"
        aria-describedby="net-confirm-text"
        data-testid="network-confirm"
      >
        <h2 id="net-confirm-title">{kind === 'delete' ? `Delete the network "${network.name}"?` : `Stop the network "${network.name}"?`}</h2>
        <p id="net-confirm-text" data-testid="network-confirm-text">
          {kind === 'delete'
            ? inUse
              ? `It is used by ${users}. A network is deleted only once no VM has an interface on it: remove theirs first.`
              : 'No VM uses it. Its definition is removed from the host.'
            : `The VMs on it lose their link to it until it runs again: ${users}${running ? ` (running: ${running})` : ' (none of them is running)'}.`}
        </p>
        <footer className="dialog-actions">
          <button ref={cancelRef} type="button" className="btn" data-testid="network-confirm-cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={kind === 'delete' ? 'btn btn-danger' : 'btn btn-primary'}
            data-testid="network-confirm-ok"
            disabled={kind === 'delete' && inUse}
            onClick={() => void confirm()}
          >
            {kind === 'delete' ? 'Delete' : 'Stop'}
          </button>
        </footer>
      </div>
    </div>
  );
}
