/**
 * VMs across hosts, keyed by `${hostId}/${uuid}`, fed by `vms.changed` / `vms.removed` events after an
 * initial `vms.list`. Lifecycle actions call `vms.<action>`; what the table shows still comes from the
 * events (see EventClock): a reply is applied only if no event for that VM arrived since the call started,
 * and a per-VM "busy" marker shows that a call is in flight until it settles.
 * Also holds the table's filter text, the selected VM and its detail (`vms.get`).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient, HostStatus, VmDetail, VmRef, VmState, VmSummary } from '../../../preload/contract';
import { isVmActive, vmStateLabel } from '../format';
import { EventClock, mergeSnapshot, shallowEqualRecord } from './eventClock';
import type { ToastStore } from './toastStore';

export type VmKey = string;

export function vmKey(ref: VmRef): VmKey {
  return `${ref.hostId}/${ref.uuid}`;
}

export function parseVmKey(key: VmKey): VmRef {
  const slash = key.indexOf('/');
  return { hostId: key.slice(0, slash), uuid: key.slice(slash + 1) };
}

export const VM_ACTIONS = ['start', 'shutdown', 'destroy', 'reboot', 'suspend', 'resume'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

export const VM_ACTION_LABELS: Record<VmAction, string> = {
  start: 'Start',
  shutdown: 'Shut down',
  destroy: 'Force off',
  reboot: 'Reboot',
  suspend: 'Pause',
  resume: 'Resume',
};

const ACTION_ALLOWED: Record<VmAction, readonly VmState[]> = {
  start: ['shutoff', 'crashed'],
  shutdown: ['running', 'blocked'],
  reboot: ['running', 'blocked'],
  suspend: ['running', 'blocked'],
  resume: ['paused'],
  destroy: ['running', 'blocked', 'paused', 'shutdown', 'pmsuspended'],
};

/** Whether the lifecycle action makes sense in this state (the buttons are enabled accordingly). */
export function canRunAction(action: VmAction, state: VmState): boolean {
  return ACTION_ALLOWED[action].includes(state);
}

export interface VmDetailState {
  key: VmKey;
  data: VmDetail | null;
  loading: boolean;
  error: string | null;
}

export interface VmsState {
  vms: Record<VmKey, VmSummary>;
  /** The first `vms.list` has answered (successfully or not). */
  loaded: boolean;
  loadError: string | null;
  filter: string;
  selectedKey: VmKey | null;
  /** Lifecycle calls in flight, per VM. */
  busy: Record<VmKey, VmAction>;
  detail: VmDetailState | null;

  /** Loads all VMs, or one host's (replacing what is known of that host). */
  load(hostId?: string): Promise<void>;
  setFilter(filter: string): void;
  select(key: VmKey | null): void;
  /** (Re)loads the detail of the selected VM. */
  refreshDetail(): Promise<void>;
  runAction(ref: VmRef, action: VmAction): Promise<void>;
  start(ref: VmRef): Promise<void>;
  shutdown(ref: VmRef): Promise<void>;
  destroy(ref: VmRef): Promise<void>;
  reboot(ref: VmRef): Promise<void>;
  suspend(ref: VmRef): Promise<void>;
  resume(ref: VmRef): Promise<void>;
}

export type VmsStore = StoreApi<VmsState> & { dispose(): void };

export function createVmsStore(client: ContractClient, toasts: ToastStore): VmsStore {
  const clock = new EventClock();
  /** Latest detail request; older answers are dropped. */
  let detailRequest = 0;
  /** Last status seen per host, to reload a host's VMs when it (re)connects. */
  const hostStatus = new Map<string, HostStatus>();

  const store = createStore<VmsState>()((set, get) => {
    const setBusy = (key: VmKey, action: VmAction | null) =>
      set((state) => {
        const busy = { ...state.busy };
        if (action) busy[key] = action;
        else delete busy[key];
        return { busy };
      });

    const runAction = async (ref: VmRef, action: VmAction) => {
      const key = vmKey(ref);
      const mark = clock.mark();
      const name = get().vms[key]?.name ?? ref.uuid;
      setBusy(key, action);
      try {
        const summary = await client.call(`vms.${action}`, { hostId: ref.hostId, uuid: ref.uuid });
        // The event is the source of truth; the reply only fills in when no event has come yet. A null reply
        // means the VM is gone (a stopped transient VM); its removal event updates the list.
        if (summary && !clock.changedSince(key, mark)) applySummary(summary);
      } catch (error) {
        toasts.getState().reportError(`Could not ${VM_ACTION_LABELS[action].toLowerCase()} ${name}`, error);
      } finally {
        setBusy(key, null);
      }
    };

    return {
      vms: {},
      loaded: false,
      loadError: null,
      filter: '',
      selectedKey: null,
      busy: {},
      detail: null,

      async load(hostId) {
        const mark = clock.mark();
        try {
          const list = await client.call('vms.list', hostId ? { hostId } : {});
          set((state) => ({
            vms: mergeSnapshot(
              state.vms,
              list,
              vmKey,
              (vm) => hostId === undefined || vm.hostId === hostId,
              clock,
              mark,
            ),
            loaded: true,
            loadError: null,
          }));
        } catch (error) {
          if (hostId === undefined) set({ loaded: true, loadError: error instanceof Error ? error.message : String(error) });
          toasts.getState().reportError(hostId ? `Could not list the VMs of ${hostId}` : 'Could not list VMs', error);
        }
      },

      setFilter(filter) {
        set({ filter });
      },

      select(key) {
        if (key === get().selectedKey) return;
        detailRequest++;
        set({ selectedKey: key, detail: key ? { key, data: null, loading: true, error: null } : null });
        if (key) void get().refreshDetail();
      },

      async refreshDetail() {
        const key = get().selectedKey;
        if (!key) return;
        const request = ++detailRequest;
        set((state) => ({
          detail: { key, data: state.detail?.key === key ? state.detail.data : null, loading: true, error: null },
        }));
        try {
          const data = await client.call('vms.get', parseVmKey(key));
          if (request !== detailRequest) return;
          set({ detail: { key, data, loading: false, error: null } });
        } catch (error) {
          if (request !== detailRequest) return;
          const message = error instanceof Error ? error.message : String(error);
          set((state) => ({
            detail: { key, data: state.detail?.key === key ? state.detail.data : null, loading: false, error: message },
          }));
          toasts.getState().reportError(`Could not load the details of ${get().vms[key]?.name ?? key}`, error);
        }
      },

      runAction,
      start: (ref) => runAction(ref, 'start'),
      shutdown: (ref) => runAction(ref, 'shutdown'),
      destroy: (ref) => runAction(ref, 'destroy'),
      reboot: (ref) => runAction(ref, 'reboot'),
      suspend: (ref) => runAction(ref, 'suspend'),
      resume: (ref) => runAction(ref, 'resume'),
    };
  });

  /** Puts a summary into the map, keeping the old object when nothing changed. Returns whether it changed. */
  function applySummary(vm: VmSummary): boolean {
    const key = vmKey(vm);
    let changed = false;
    store.setState((state) => {
      const existing = state.vms[key];
      if (existing && shallowEqualRecord(existing, vm)) return state;
      changed = true;
      return { vms: { ...state.vms, [key]: vm } };
    });
    return changed;
  }

  function removeKeys(keys: VmKey[]) {
    if (keys.length === 0) return;
    for (const key of keys) clock.touch(key);
    store.setState((state) => {
      const vms = { ...state.vms };
      let changed = false;
      for (const key of keys) {
        if (key in vms) {
          delete vms[key];
          changed = true;
        }
      }
      const selectedGone = state.selectedKey !== null && keys.includes(state.selectedKey);
      if (!changed && !selectedGone) return state;
      return selectedGone ? { vms, selectedKey: null, detail: null } : { vms };
    });
  }

  const unsubscribers = [
    client.on('vms.changed', (vm) => {
      const key = vmKey(vm);
      clock.touch(key);
      const changed = applySummary(vm);
      // State and definition changes alter the detail (e.g. graphics ports, XML): refresh the open one.
      if (changed && store.getState().selectedKey === key) void store.getState().refreshDetail();
    }),
    client.on('vms.removed', (ref) => removeKeys([vmKey(ref)])),
    client.on('hosts.removed', ({ hostId }) => {
      hostStatus.delete(hostId);
      removeKeys(Object.values(store.getState().vms).filter((vm) => vm.hostId === hostId).map(vmKey));
    }),
    client.on('hosts.changed', (host) => {
      const previous = hostStatus.get(host.id);
      hostStatus.set(host.id, host.status);
      // A host that (re)connects may have VMs we have not heard of: take a fresh list of that host.
      if (host.status === 'connected' && previous !== 'connected') void store.getState().load(host.id);
    }),
  ];

  return Object.assign(store, {
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Selectors. Each is memoized on the `vms` object (replaced on every change), so components that select
// with them get the same array/object back while nothing relevant changed.

// One collator for all comparisons: localeCompare with options builds a collator per call, which made
// sorting a thousand VMs per event the bottleneck.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareVms(a: VmSummary, b: VmSummary): number {
  return collator.compare(a.name, b.name) || collator.compare(a.hostId, b.hostId) || (a.uuid < b.uuid ? -1 : 1);
}

/** Whether a VM matches the filter text (name, uuid, state or host id, case-insensitive). */
export function vmMatchesFilter(vm: VmSummary, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return true;
  return (
    vm.name.toLowerCase().includes(needle) ||
    vm.uuid.startsWith(needle) ||
    vm.state === needle ||
    vmStateLabel(vm.state).toLowerCase().includes(needle) ||
    vm.hostId.includes(needle)
  );
}

/**
 * All VMs sorted, remembered with the map they came from. Most events change a VM's state, not its name
 * or the set of VMs, so the previous order is checked in O(n) and reused instead of sorting again.
 */
let sortedCache: { vms: Record<VmKey, VmSummary>; keys: VmKey[]; sorted: VmSummary[] } | null = null;

function sortedVms(vms: Record<VmKey, VmSummary>): VmSummary[] {
  const cached = sortedCache;
  if (cached?.vms === vms) return cached.sorted;
  if (cached && cached.keys.length === Object.keys(vms).length) {
    const sorted: VmSummary[] = new Array<VmSummary>(cached.keys.length);
    let sameOrder = true;
    for (let i = 0; i < cached.keys.length; i++) {
      const next = vms[cached.keys[i]!];
      if (!next || next.name !== cached.sorted[i]!.name) {
        sameOrder = false;
        break;
      }
      sorted[i] = next;
    }
    if (sameOrder) {
      sortedCache = { vms, keys: cached.keys, sorted };
      return sorted;
    }
  }
  const sorted = Object.values(vms).sort(compareVms);
  sortedCache = { vms, keys: sorted.map(vmKey), sorted };
  return sorted;
}

let visibleCache: { vms: Record<VmKey, VmSummary>; hostId: string | null; filter: string; result: VmSummary[] } | null =
  null;

/** The VMs the table shows: of the selected host (null = all), matching the filter, sorted by name. */
export function selectVisibleVms(
  state: Pick<VmsState, 'vms' | 'filter'>,
  hostId: string | null,
): VmSummary[] {
  const cached = visibleCache;
  if (cached && cached.vms === state.vms && cached.hostId === hostId && cached.filter === state.filter) {
    return cached.result;
  }
  const all = sortedVms(state.vms);
  const result =
    hostId === null && !state.filter.trim()
      ? all
      : all.filter((vm) => (hostId === null || vm.hostId === hostId) && vmMatchesFilter(vm, state.filter));
  visibleCache = { vms: state.vms, hostId, filter: state.filter, result };
  return result;
}

export interface VmCounts {
  running: number;
  total: number;
}

const countsCache = new WeakMap<Record<VmKey, VmSummary>, Record<string, VmCounts>>();
/** Key of the totals over all hosts in selectVmCountsByHost's result. */
export const ALL_HOSTS = '*';

/** Running/total VM counts per host id, plus the totals under ALL_HOSTS. */
export function selectVmCountsByHost(state: Pick<VmsState, 'vms'>): Record<string, VmCounts> {
  let counts = countsCache.get(state.vms);
  if (!counts) {
    counts = { [ALL_HOSTS]: { running: 0, total: 0 } };
    for (const vm of Object.values(state.vms)) {
      const host = (counts[vm.hostId] ??= { running: 0, total: 0 });
      const all = counts[ALL_HOSTS]!;
      host.total++;
      all.total++;
      if (isVmActive(vm.state)) {
        host.running++;
        all.running++;
      }
    }
    countsCache.set(state.vms, counts);
  }
  return counts;
}

/** The order states are listed in summaries: the ones that need attention early. */
export const VM_STATE_ORDER: readonly VmState[] = [
  'running',
  'blocked',
  'paused',
  'pmsuspended',
  'shutdown',
  'crashed',
  'shutoff',
  'nostate',
];

/** How many of the given VMs are in each state, as [state, count] pairs in VM_STATE_ORDER (no zeros). */
export function countByState(vms: readonly VmSummary[]): Array<[VmState, number]> {
  const counts = new Map<VmState, number>();
  for (const vm of vms) counts.set(vm.state, (counts.get(vm.state) ?? 0) + 1);
  return VM_STATE_ORDER.filter((state) => counts.has(state)).map((state) => [state, counts.get(state)!]);
}

/** The selected VM's summary (live from events), or undefined. */
export function selectSelectedVm(state: Pick<VmsState, 'vms' | 'selectedKey'>): VmSummary | undefined {
  return state.selectedKey ? state.vms[state.selectedKey] : undefined;
}
