import { memo, type KeyboardEvent } from 'react';
import type { VmRef, VmState, VmSummary } from '../../../preload/contract';
import { formatKiB } from '../format';
import { VM_ACTION_LABELS, type VmAction, type VmKey } from '../stores/vmsStore';
import { StateBadge } from './StateBadge';

/** The one action a row offers directly; the detail panel has all of them. */
export function primaryAction(state: VmState): VmAction | null {
  switch (state) {
    case 'shutoff':
    case 'crashed':
      return 'start';
    case 'running':
    case 'blocked':
      return 'shutdown';
    case 'paused':
      return 'resume';
    default:
      return null;
  }
}

interface VmRowProps {
  vmKey: VmKey;
  vm: VmSummary;
  hostName: string;
  selected: boolean;
  /** The row reachable with Tab (roving tabindex); the others are reached with the arrow keys. */
  tabStop: boolean;
  busy: VmAction | undefined;
  onSelect(key: VmKey): void;
  onAction(ref: VmRef, action: VmAction): void;
}

export const VmRow = memo(function VmRow({ vmKey, vm, hostName, selected, tabStop, busy, onSelect, onAction }: VmRowProps) {
  const action = primaryAction(vm.state);
  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(vmKey);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const sibling =
        event.key === 'ArrowDown' ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling;
      if (sibling instanceof HTMLElement) sibling.focus();
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      const body = event.currentTarget.parentElement;
      const target = event.key === 'Home' ? body?.firstElementChild : body?.lastElementChild;
      if (target instanceof HTMLElement) target.focus();
    }
  };
  return (
    <tr
      className={selected ? 'vm-row selected' : 'vm-row'}
      data-testid={`vm-row-${vm.name}`}
      data-state={vm.state}
      data-host={vm.hostId}
      aria-selected={selected}
      tabIndex={tabStop ? 0 : -1}
      onClick={() => onSelect(vmKey)}
      onKeyDown={onKeyDown}
    >
      <td className="col-name">
        <span className="vm-name">{vm.name}</span>
        {busy && <span className="spinner" role="status" aria-label={`${VM_ACTION_LABELS[busy]} in progress`} />}
      </td>
      <td className="col-state" data-testid={`vm-state-${vm.name}`}>
        <StateBadge state={vm.state} />
      </td>
      <td className="col-num">{vm.vcpus}</td>
      <td className="col-num">{formatKiB(vm.memoryKiB)}</td>
      <td className="col-host">{hostName}</td>
      <td className="col-actions">
        {action && (
          <button
            type="button"
            className="btn btn-small btn-row"
            data-testid={`vm-row-action-${vm.name}`}
            disabled={!!busy}
            tabIndex={tabStop || selected ? 0 : -1}
            onClick={(event) => {
              event.stopPropagation();
              onAction({ hostId: vm.hostId, uuid: vm.uuid }, action);
            }}
          >
            {VM_ACTION_LABELS[action]}
          </button>
        )}
      </td>
    </tr>
  );
});
