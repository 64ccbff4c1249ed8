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

/** Keyboard moves between rows: by one, or to the first / last row (the table scrolls rows into view). */
export type RowMove = 1 | -1 | 'first' | 'last';

interface VmRowProps {
  vmKey: VmKey;
  vm: VmSummary;
  hostName: string;
  selected: boolean;
  checked: boolean;
  favorite: boolean;
  /** The row reachable with Tab (roving tabindex); the others are reached with the arrow keys. */
  tabStop: boolean;
  busy: VmAction | undefined;
  onSelect(key: VmKey): void;
  onCheck(key: VmKey, checked: boolean, extendRange: boolean): void;
  onFavorite(ref: VmRef, favorite: boolean): void;
  onMove(key: VmKey, move: RowMove): void;
  onAction(ref: VmRef, action: VmAction): void;
  /** Right-click (at the pointer), or the context-menu key / Shift+F10 on the focused row (point null). */
  onContextMenu(key: VmKey, point: { x: number; y: number } | null): void;
}

export const VmRow = memo(function VmRow(props: VmRowProps) {
  const { vmKey, vm, hostName, selected, checked, favorite, tabStop, busy } = props;
  const action = primaryAction(vm.state);
  const ref = { hostId: vm.hostId, uuid: vm.uuid };
  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.target !== event.currentTarget) return;
    const moves: Record<string, RowMove> = { ArrowDown: 1, ArrowUp: -1, Home: 'first', End: 'last' };
    if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
      event.preventDefault();
      props.onContextMenu(vmKey, null);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      props.onSelect(vmKey);
    } else if (event.key === ' ') {
      event.preventDefault();
      props.onCheck(vmKey, !checked, event.shiftKey);
    } else if (moves[event.key] !== undefined) {
      event.preventDefault();
      props.onMove(vmKey, moves[event.key]!);
    }
  };
  return (
    <tr
      className={`vm-row${selected ? ' selected' : ''}${checked ? ' checked' : ''}`}
      data-testid={`vm-row-${vm.name}`}
      data-key={vmKey}
      data-state={vm.state}
      data-host={vm.hostId}
      aria-selected={selected}
      tabIndex={tabStop ? 0 : -1}
      aria-haspopup="menu"
      onClick={() => props.onSelect(vmKey)}
      onKeyDown={onKeyDown}
      onContextMenu={(event) => {
        event.preventDefault();
        // A keyboard-made contextmenu event (the menu key where keydown did not catch it) has no pointer position.
        const fromKeyboard = event.clientX === 0 && event.clientY === 0;
        props.onContextMenu(vmKey, fromKeyboard ? null : { x: event.clientX, y: event.clientY });
      }}
    >
      <td className="col-check" onClick={(event) => event.stopPropagation()}>
        <input
          type="checkbox"
          aria-label={`Select ${vm.name}`}
          data-testid={`vm-check-${vm.name}`}
          checked={checked}
          tabIndex={-1}
          onChange={(event) => props.onCheck(vmKey, event.target.checked, (event.nativeEvent as MouseEvent).shiftKey)}
        />
      </td>
      <td className="col-star">
        <button
          type="button"
          className={favorite ? 'star-btn starred' : 'star-btn'}
          aria-pressed={favorite}
          aria-label={favorite ? `Unstar ${vm.name}` : `Star ${vm.name}`}
          title={favorite ? 'Favorite (in the tray): click to unstar' : 'Star: show in the tray'}
          data-testid={`vm-star-${vm.name}`}
          tabIndex={-1}
          onClick={(event) => {
            event.stopPropagation();
            props.onFavorite(ref, !favorite);
          }}
        >
          {favorite ? '★' : '☆'}
        </button>
      </td>
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
      <td className="col-tags">
        {(vm.tags ?? []).map((tag) => (
          <span key={tag} className="tag-chip">
            {tag}
          </span>
        ))}
      </td>
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
              props.onAction(ref, action);
            }}
          >
            {VM_ACTION_LABELS[action]}
          </button>
        )}
      </td>
    </tr>
  );
});
