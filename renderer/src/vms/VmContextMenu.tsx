/**
 * The VM row's context menu, as virt-manager has it: right-click a row, or press the context-menu key or
 * Shift+F10 on a focused row. The VM's lifecycle actions (enabled for its live state; Force off asks first)
 * and "Take checkpoint…", which opens the checkpoint view's take dialog. A menu in the WAI-ARIA sense:
 * arrows, Home/End move between the enabled items, Enter/Space run one, Escape or Tab close it; focus goes
 * back to the row then, and after an item ran (through its dialog, if it opens one). A click elsewhere closes it
 * too.
 */
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import type { VmSummary } from '../../../preload/contract';
import { useFocusReturn } from '../shell/useFocusReturn';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { canRunAction, VM_ACTION_LABELS, VM_ACTIONS, vmKey, type VmAction } from '../stores/vmsStore';
import { ACTION_CONFIRMATIONS } from './VmActions';

interface MenuItem {
  id: string;
  label: string;
  enabled: boolean;
  title?: string;
  run(): void;
}

/** Where to show the menu: the pointer, or (from the keyboard) under the row's start. */
export interface MenuPoint {
  x: number;
  y: number;
}

export function VmContextMenu({ vm, at, onClose, onForceOff }: { vm: VmSummary; at: MenuPoint; onClose(returnFocus: boolean): void; onForceOff(vm: VmSummary): void }) {
  const { vms, checkpoints } = useStores();
  const ref = { hostId: vm.hostId, uuid: vm.uuid };
  const busy = useVms((s) => s.busy[vmKey(vm)]);
  const checkpointBusy = useStore(checkpoints, (s) => s.busy[vmKey(vm)]);
  const checkpointsLoaded = useStore(checkpoints, (s) => vmKey(vm) in s.trees);
  const checkpointsUnavailable = useStore(checkpoints, (s) => s.trees[vmKey(vm)]?.unavailableReason ?? null);
  const libvirtHost = useHosts((s) => s.hosts[vm.hostId]?.kind === 'libvirt');
  const menuRef = useRef<HTMLUListElement>(null);
  const [position, setPosition] = useState(at);

  // The VM's checkpoint tree says whether checkpoints are refused here whatever its state (a host on another machine).
  useEffect(() => {
    if (libvirtHost && !checkpointsLoaded) void checkpoints.getState().load({ hostId: vm.hostId, uuid: vm.uuid });
  }, [checkpoints, checkpointsLoaded, libvirtHost, vm.hostId, vm.uuid]);

  const takeable = vm.state === 'running' || vm.state === 'shutoff';
  const items: MenuItem[] = [
    ...VM_ACTIONS.map<MenuItem>((action: VmAction) => ({
      id: action,
      label: ACTION_CONFIRMATIONS[action] ? `${VM_ACTION_LABELS[action]}…` : VM_ACTION_LABELS[action],
      enabled: !busy && canRunAction(action, vm.state),
      run: () => (ACTION_CONFIRMATIONS[action] ? onForceOff(vm) : void vms.getState().runAction(ref, action)),
    })),
    {
      id: 'take-checkpoint',
      label: 'Take checkpoint…',
      enabled: libvirtHost && !checkpointsUnavailable && takeable && !checkpointBusy,
      title: !libvirtHost
        ? 'Checkpoints need a QEMU/KVM host'
        : checkpointsUnavailable
          ? checkpointsUnavailable
          : !takeable
            ? 'A checkpoint needs a running or shut-off VM'
            : checkpointBusy
              ? `A checkpoint ${checkpointBusy} is running`
              : 'Name it, keep memory and disks or disks only',
      run: () => checkpoints.getState().openTakeDialog(ref),
    },
  ];

  // Kept inside the window: measured once shown, moved left / up by what overflows.
  useLayoutEffect(() => {
    const rect = menuRef.current?.getBoundingClientRect();
    if (!rect) return;
    const x = Math.max(0, Math.min(at.x, window.innerWidth - rect.width - 4));
    const y = Math.max(0, Math.min(at.y, window.innerHeight - rect.height - 4));
    if (x !== position.x || y !== position.y) setPosition({ x, y });
  }, [at.x, at.y, position.x, position.y]);

  useEffect(() => {
    // Every item disabled (an action in flight on a paused VM, say): the menu itself holds focus, so Escape
    // and Tab still reach it.
    (menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])') ?? menuRef.current)?.focus();
    const outside = (event: Event) => {
      if (!menuRef.current?.contains(event.target as Node)) onClose(false);
    };
    const away = () => onClose(false);
    document.addEventListener('pointerdown', outside, true);
    window.addEventListener('blur', away);
    window.addEventListener('resize', away);
    return () => {
      document.removeEventListener('pointerdown', outside, true);
      window.removeEventListener('blur', away);
      window.removeEventListener('resize', away);
    };
  }, [onClose]);

  const activate = (item: MenuItem) => {
    if (!item.enabled) return;
    // Focus goes back to the row first; a dialog the item opens takes it from there and gives it back on close.
    onClose(true);
    item.run();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const enabled = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])') ?? []);
    const index = enabled.indexOf(document.activeElement as HTMLElement);
    const focusAt = (i: number) => enabled[(i + enabled.length) % enabled.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        focusAt(index + 1);
        break;
      case 'ArrowUp':
        focusAt(index < 0 ? -1 : index - 1);
        break;
      case 'Home':
        focusAt(0);
        break;
      case 'End':
        focusAt(-1);
        break;
      case 'Escape':
      case 'Tab':
        onClose(true);
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  return (
    <ul
      ref={menuRef}
      className="context-menu"
      role="menu"
      tabIndex={-1}
      aria-label={`Actions for ${vm.name}`}
      data-testid="vm-context-menu"
      style={{ left: position.x, top: position.y }}
      onKeyDown={onKeyDown}
      onContextMenu={(event) => event.preventDefault()}
    >
      {items.map((item) => (
        <li key={item.id} role="none" className={item.id === 'take-checkpoint' ? 'separated' : undefined}>
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            className="context-menu-item"
            data-testid={`vm-menu-${item.id}`}
            aria-disabled={!item.enabled}
            title={item.title}
            onClick={() => activate(item)}
            onKeyDown={(event) => {
              if (event.key !== 'Enter' && event.key !== ' ') return;
              event.preventDefault();
              activate(item);
            }}
          >
            {item.label}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Force off from the menu asks first, with the same words as the detail panel's button. */
export function ForceOffConfirm({ vm, onClose: close }: { vm: VmSummary; onClose(): void }) {
  const { vms } = useStores();
  const onClose = useFocusReturn(close);
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="dialog" role="alertdialog" aria-modal="true" aria-label={`Confirm ${VM_ACTION_LABELS.destroy}`} data-testid="vm-menu-confirm">
        <p>{ACTION_CONFIRMATIONS.destroy?.(vm.name)}</p>
        <div className="dialog-actions">
          <button type="button" className="btn" data-testid="vm-menu-confirm-cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-danger"
            data-testid="vm-menu-confirm-ok"
            autoFocus
            onClick={() => {
              onClose();
              void vms.getState().runAction({ hostId: vm.hostId, uuid: vm.uuid }, 'destroy');
            }}
          >
            {VM_ACTION_LABELS.destroy}
          </button>
        </div>
      </div>
    </div>
  );
}
