/**
 * The inventory table: every VM of every host, sortable by column, filtered by the toolbar (host, state,
 * tag, text), with a checkbox multi-selection for bulk actions and a star for favorites.
 * Built to stay smooth with 5,000+ VMs (bench/inventoryFilter.ts measures it):
 * - rows are virtualized (@tanstack/react-virtual): only the rows in view (plus an overscan) are in the DOM,
 *   with spacer rows above and below, so a keystroke in the filter re-renders a few dozen rows, not thousands;
 * - the visible list comes from a memoized selector (filter and sort cached on the VM map) and is compared
 *   shallowly; VmRow is memo'd with primitive props or the summary object (stable while its data is).
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import type { VmRef } from '../../../preload/contract';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { parseVmKey, selectVisibleVms, vmKey, type VmAction, type VmKey, type VmSortColumn } from '../stores/vmsStore';
import { ForceOffConfirm, VmContextMenu, type MenuPoint } from './VmContextMenu';
import { VmRow, type RowMove } from './VmRow';
import './vms.css';

/** Row height in px (vms.css: 38px cells + 1px border); the virtualizer's estimate, exact for our rows. */
export const VM_ROW_HEIGHT = 39;

export function VmTable() {
  const { vms } = useStores();
  const selectedHostId = useHosts((state) => state.selectedHostId);
  const hosts = useHosts((state) => state.hosts);
  // No useShallow here: the selector is memoized (the same array while nothing relevant changed), and
  // zustand's shallow compares arrays through Maps of their entries, which costs more than a render at 5,000.
  const visible = useVms((state) =>
    selectVisibleVms(
      { vms: state.vms, filter: state.filter, sort: state.sort, stateFilter: state.stateFilter, tagFilter: state.tagFilter },
      selectedHostId,
    ),
  );
  const selectedKey = useVms((state) => state.selectedKey);
  const busy = useVms((state) => state.busy);
  const checked = useVms((state) => state.checked);
  const favorites = useVms((state) => state.favorites);
  const sort = useVms((state) => state.sort);
  const loaded = useVms((state) => state.loaded);
  const loadError = useVms((state) => state.loadError);
  const filtered = useVms((state) => !!state.filter.trim() || state.stateFilter !== null || state.tagFilter !== null);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => VM_ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1024, height: 800 },
  });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = Math.max(0, virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0));

  // Roving tab stop: one row is in the tab order (the selected one, else the first); arrows move between rows.
  const selectedShown = useMemo(() => {
    if (selectedKey === null) return false;
    const { hostId, uuid } = parseVmKey(selectedKey);
    return visible.some((vm) => vm.uuid === uuid && vm.hostId === hostId);
  }, [visible, selectedKey]);
  const tabStopKey = selectedShown ? selectedKey : visible[0] ? vmKey(visible[0]) : null;

  // Callbacks read the latest list through a ref, so they stay stable and memo'd rows do not re-render.
  const visibleRef = useRef(visible);
  visibleRef.current = visible;
  const lastChecked = useRef<VmKey | null>(null);

  const onSelect = useCallback((key: VmKey) => vms.getState().select(key), [vms]);
  const onAction = useCallback((ref: VmRef, action: VmAction) => void vms.getState().runAction(ref, action), [vms]);
  const onFavorite = useCallback((ref: VmRef, favorite: boolean) => void vms.getState().setFavorite(ref, favorite), [vms]);
  const onCheck = useCallback(
    (key: VmKey, value: boolean, extendRange: boolean) => {
      const list = visibleRef.current.map(vmKey);
      const from = lastChecked.current === null ? -1 : list.indexOf(lastChecked.current);
      const to = list.indexOf(key);
      // Shift extends from the last checked row, as in a file manager.
      const keys = extendRange && from >= 0 && to >= 0 ? list.slice(Math.min(from, to), Math.max(from, to) + 1) : [key];
      vms.getState().setChecked(keys, value);
      lastChecked.current = key;
    },
    [vms],
  );
  const onMove = useCallback(
    (key: VmKey, move: RowMove) => {
      const list = visibleRef.current;
      const index = list.findIndex((vm) => vmKey(vm) === key);
      const target = move === 'first' ? 0 : move === 'last' ? list.length - 1 : Math.min(list.length - 1, Math.max(0, index + move));
      const targetVm = list[target];
      if (!targetVm) return;
      virtualizer.scrollToIndex(target);
      const targetKey = vmKey(targetVm);
      // The row may only be rendered after the scroll: focus it on the next frame.
      requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`tr[data-key="${CSS.escape(targetKey)}"]`)?.focus());
    },
    [virtualizer],
  );

  // One context menu at a time (and the Force off confirmation it may ask for), for a VM that still exists.
  const [menu, setMenu] = useState<{ key: VmKey; at: MenuPoint } | null>(null);
  const [forceOff, setForceOff] = useState<VmKey | null>(null);
  const menuVm = useVms((state) => (menu ? state.vms[menu.key] : undefined));
  const forceOffVm = useVms((state) => (forceOff ? state.vms[forceOff] : undefined));
  const rowElement = useCallback((key: VmKey) => scrollRef.current?.querySelector<HTMLElement>(`tr[data-key="${CSS.escape(key)}"]`) ?? null, []);
  const onContextMenu = useCallback(
    (key: VmKey, point: MenuPoint | null) => {
      const rect = rowElement(key)?.getBoundingClientRect();
      setMenu({ key, at: point ?? { x: (rect?.left ?? 0) + 24, y: rect?.bottom ?? 0 } });
    },
    [rowElement],
  );
  const closeMenu = useCallback(
    (returnFocus: boolean) => {
      // Focus moves here, outside the state update (an updater must stay free of side effects).
      if (returnFocus && menu) rowElement(menu.key)?.focus();
      setMenu(null);
    },
    [menu, rowElement],
  );
  const onForceOff = useCallback((vm: { hostId: string; uuid: string }) => setForceOff(vmKey(vm)), []);

  // Only counted when something is checked: a keystroke in the filter should not walk every VM twice more.
  const checkedVisible = useMemo(
    () => (Object.keys(checked).length === 0 ? 0 : visible.reduce((n, vm) => n + (checked[vmKey(vm)] ? 1 : 0), 0)),
    [visible, checked],
  );
  const allChecked = visible.length > 0 && checkedVisible === visible.length;

  const header = (column: VmSortColumn, label: string, className: string): ReactNode => {
    const active = sort.column === column;
    return (
      <th scope="col" className={className} aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" className="sort-btn" data-testid={`vm-sort-${column}`} onClick={() => vms.getState().sortBy(column)}>
          {label}
          <span className="sort-mark" aria-hidden="true">
            {active ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
          </span>
        </button>
      </th>
    );
  };

  return (
    <div className="table-wrap" ref={scrollRef}>
      <table className="vm-table" aria-label="Virtual machines" aria-rowcount={visible.length + 1} aria-multiselectable="true">
        <thead>
          <tr>
            <th scope="col" className="col-check">
              <input
                type="checkbox"
                aria-label={allChecked ? 'Clear the selection' : 'Select every VM shown'}
                data-testid="vm-check-all"
                checked={allChecked}
                ref={(el) => {
                  if (el) el.indeterminate = checkedVisible > 0 && !allChecked;
                }}
                onChange={() => vms.getState().setChecked(visibleRef.current.map(vmKey), !allChecked)}
              />
            </th>
            <th scope="col" className="col-star">
              <span className="sr-only">Favorite</span>
            </th>
            {header('name', 'Name', 'col-name')}
            {header('state', 'State', 'col-state')}
            {header('vcpus', 'vCPUs', 'col-num')}
            {header('memory', 'Memory', 'col-num')}
            {header('host', 'Host', 'col-host')}
            {header('tags', 'Tags', 'col-tags')}
            <th scope="col" className="col-actions">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {padTop > 0 && <tr className="spacer-row" aria-hidden="true" style={{ height: padTop }} />}
          {items.map((item) => {
            const vm = visible[item.index]!;
            const key = vmKey(vm);
            return (
              <VmRow
                key={key}
                vmKey={key}
                vm={vm}
                hostName={hosts[vm.hostId]?.name ?? vm.hostId}
                selected={key === selectedKey}
                checked={!!checked[key]}
                favorite={!!favorites[key]}
                tabStop={key === tabStopKey}
                busy={busy[key]}
                onSelect={onSelect}
                onCheck={onCheck}
                onFavorite={onFavorite}
                onMove={onMove}
                onAction={onAction}
                onContextMenu={onContextMenu}
              />
            );
          })}
          {padBottom > 0 && <tr className="spacer-row" aria-hidden="true" style={{ height: padBottom }} />}
        </tbody>
      </table>
      {menu && menuVm && <VmContextMenu vm={menuVm} at={menu.at} onClose={closeMenu} onForceOff={onForceOff} />}
      {forceOffVm && <ForceOffConfirm vm={forceOffVm} onClose={() => setForceOff(null)} />}
      {visible.length === 0 && (
        <div className="empty-state">
          {!loaded
            ? 'Loading virtual machines…'
            : loadError
              ? `Could not list VMs: ${loadError}`
              : filtered
                ? 'No VMs match the filters.'
                : 'No virtual machines here.'}
        </div>
      )}
    </div>
  );
}
