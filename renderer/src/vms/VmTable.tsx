/**
 * The VM table. Built to stay smooth with 1,000+ VMs:
 * - the visible list comes from a memoized selector and is compared shallowly, so an event for one VM
 *   re-renders the table once, and only the row whose summary object changed re-renders (VmRow is memo'd
 *   and its props are primitives or the summary object, whose identity only changes when its data does);
 * - rows subscribe to nothing themselves; callbacks are stable store actions.
 * It is not virtualized: a few thousand plain rows render and scroll fine, and every row stays in the DOM
 * for find-in-page and the end-to-end tests. Add windowing here if inventories grow to tens of thousands.
 */
import { useCallback } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { VmRef } from '../../../preload/contract';
import { useHosts, useStores, useVms } from '../stores/StoresContext';
import { selectVisibleVms, vmKey, type VmAction, type VmKey } from '../stores/vmsStore';
import { VmRow } from './VmRow';
import './vms.css';

export function VmTable() {
  const { vms } = useStores();
  const selectedHostId = useHosts((state) => state.selectedHostId);
  const hosts = useHosts((state) => state.hosts);
  const visible = useVms(useShallow((state) => selectVisibleVms(state, selectedHostId)));
  const selectedKey = useVms((state) => state.selectedKey);
  const busy = useVms((state) => state.busy);
  const loaded = useVms((state) => state.loaded);
  const loadError = useVms((state) => state.loadError);
  const filter = useVms((state) => state.filter);

  // Roving tab stop: one row is in the tab order (the selected one, else the first); arrows move between rows.
  const tabStopKey =
    selectedKey !== null && visible.some((vm) => vmKey(vm) === selectedKey)
      ? selectedKey
      : visible[0]
        ? vmKey(visible[0])
        : null;

  const onSelect = useCallback((key: VmKey) => vms.getState().select(key), [vms]);
  const onAction = useCallback((ref: VmRef, action: VmAction) => void vms.getState().runAction(ref, action), [vms]);

  return (
    <div className="table-wrap">
      <table className="vm-table" aria-label="Virtual machines" aria-rowcount={visible.length + 1}>
        <thead>
          <tr>
            <th scope="col" className="col-name">Name</th>
            <th scope="col" className="col-state">State</th>
            <th scope="col" className="col-num">vCPUs</th>
            <th scope="col" className="col-num">Memory</th>
            <th scope="col" className="col-host">Host</th>
            <th scope="col" className="col-actions">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {visible.map((vm) => {
            const key = vmKey(vm);
            return (
              <VmRow
                key={key}
                vmKey={key}
                vm={vm}
                hostName={hosts[vm.hostId]?.name ?? vm.hostId}
                selected={key === selectedKey}
                tabStop={key === tabStopKey}
                busy={busy[key]}
                onSelect={onSelect}
                onAction={onAction}
              />
            );
          })}
        </tbody>
      </table>
      {visible.length === 0 && (
        <div className="empty-state">
          {!loaded
            ? 'Loading virtual machines…'
            : loadError
              ? `Could not list VMs: ${loadError}`
              : filter.trim()
                ? `No VMs match “${filter.trim()}”.`
                : 'No virtual machines here.'}
        </div>
      )}
    </div>
  );
}
