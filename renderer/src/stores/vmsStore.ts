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

/** The actions the table offers on a multi-selection. */
export const BULK_ACTIONS = ['start', 'shutdown', 'destroy', 'suspend', 'resume'] as const satisfies readonly VmAction[];
export type BulkAction = (typeof BULK_ACTIONS)[number];

export type VmSortColumn = 'name' | 'state' | 'vcpus' | 'memory' | 'host' | 'tags';
export interface VmSort {
  column: VmSortColumn;
  direction: 'asc' | 'desc';
}

/** The outcome of a multi-selection action, per VM. */
export interface BulkOutcome {
  action: BulkAction;
  /** VMs still running the action. */
  pending: number;
  results: Array<{ key: VmKey; name: string; outcome: 'done' | 'skipped' | 'failed'; message?: string }>;
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
  sort: VmSort;
  /** Only VMs in this state (null: any). */
  stateFilter: VmState | null;
  /** Only VMs with this tag (null: any). */
  tagFilter: string | null;
  /** The table's multi-selection (checkboxes), separate from the one VM shown in the detail panel. */
  checked: Record<VmKey, true>;
  bulk: BulkOutcome | null;
  favorites: Record<VmKey, true>;
  /** The latest "open console for this VM" request from outside the window (the tray); seq tells repeats apart. */
  consoleRequest: { key: VmKey; seq: number } | null;
  selectedKey: VmKey | null;
  /** Lifecycle calls in flight, per VM. */
  busy: Record<VmKey, VmAction>;
  detail: VmDetailState | null;

  /** Loads all VMs, or one host's (replacing what is known of that host). */
  load(hostId?: string): Promise<void>;
  setFilter(filter: string): void;
  /** Sorts by a column; the same column again flips the direction. */
  sortBy(column: VmSortColumn): void;
  setStateFilter(state: VmState | null): void;
  setTagFilter(tag: string | null): void;
  setChecked(keys: readonly VmKey[], checked: boolean): void;
  clearChecked(): void;
  /** Runs an action on every checked VM (those in a state that allows it), reporting each VM's result. */
  runBulk(action: BulkAction, keys: readonly VmKey[]): Promise<void>;
  dismissBulk(): void;
  setTags(ref: VmRef, tags: string[]): Promise<boolean>;
  loadFavorites(): Promise<void>;
  setFavorite(ref: VmRef, favorite: boolean): Promise<void>;
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

/** Lifecycle calls of a multi-selection action in flight at once. */
const BULK_CONCURRENCY = 4;

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
      sort: { column: 'name', direction: 'asc' },
      stateFilter: null,
      tagFilter: null,
      checked: {},
      bulk: null,
      favorites: {},
      consoleRequest: null,
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

      sortBy(column) {
        set((state) => ({
          sort:
            state.sort.column === column
              ? { column, direction: state.sort.direction === 'asc' ? 'desc' : 'asc' }
              : { column, direction: 'asc' },
        }));
      },

      setStateFilter(stateFilter) {
        set({ stateFilter });
      },

      setTagFilter(tagFilter) {
        set({ tagFilter });
      },

      setChecked(keys, checked) {
        set((state) => {
          const next = { ...state.checked };
          for (const key of keys) {
            if (checked) next[key] = true;
            else delete next[key];
          }
          return { checked: next };
        });
      },

      clearChecked() {
        set({ checked: {} });
      },

      async runBulk(action, keys) {
        const { vms } = get();
        const results: BulkOutcome['results'] = [];
        const runnable: VmKey[] = [];
        for (const key of keys) {
          const vm = vms[key];
          if (!vm) continue;
          if (canRunAction(action, vm.state)) runnable.push(key);
          else results.push({ key, name: vm.name, outcome: 'skipped', message: `${vmStateLabel(vm.state).toLowerCase()}: nothing to ${VM_ACTION_LABELS[action].toLowerCase()}` });
        }
        set({ bulk: { action, pending: runnable.length, results: [...results] } });
        const settle = (entry: BulkOutcome['results'][number]) =>
          set((state) => ({
            bulk: state.bulk && { ...state.bulk, pending: state.bulk.pending - 1, results: [...state.bulk.results, entry] },
          }));
        // Each VM is its own call (libvirt has no bulk lifecycle call); a few at a time, so a thousand selected
        // VMs do not flood the host, and each result shows as it lands.
        const queue = [...runnable];
        const worker = async () => {
          for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
            const ref = parseVmKey(key);
            const name = get().vms[key]?.name ?? ref.uuid;
            const mark = clock.mark();
            setBusy(key, action);
            try {
              const summary = await client.call(`vms.${action}`, ref);
              if (summary && !clock.changedSince(key, mark)) applySummary(summary);
              settle({ key, name, outcome: 'done' });
            } catch (error) {
              settle({ key, name, outcome: 'failed', message: error instanceof Error ? error.message : String(error) });
            } finally {
              setBusy(key, null);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, queue.length) }, worker));
      },

      dismissBulk() {
        set({ bulk: null });
      },

      async setTags(ref, tags) {
        try {
          const saved = await client.call('vms.setTags', { ...ref, tags });
          const key = vmKey(ref);
          const vm = get().vms[key];
          // The vms.changed event brings the same; applying the reply shows it without waiting for it.
          if (vm) applySummary({ ...vm, tags: saved });
          return true;
        } catch (error) {
          toasts.getState().reportError(`Could not save the tags of ${get().vms[vmKey(ref)]?.name ?? ref.uuid}`, error);
          return false;
        }
      },

      async loadFavorites() {
        try {
          applyFavorites((await client.call('favorites.list', {})).favorites);
        } catch (error) {
          toasts.getState().reportError('Could not load favorites', error);
        }
      },

      async setFavorite(ref, favorite) {
        try {
          applyFavorites((await client.call('favorites.set', { ...ref, favorite })).favorites);
        } catch (error) {
          toasts.getState().reportError(favorite ? 'Could not star the VM' : 'Could not unstar the VM', error);
        }
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

  function applyFavorites(refs: readonly VmRef[]) {
    store.setState({ favorites: Object.fromEntries(refs.map((ref) => [vmKey(ref), true as const])) });
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
      const checked = { ...state.checked };
      for (const key of keys) delete checked[key];
      return selectedGone ? { vms, checked, selectedKey: null, detail: null } : { vms, checked };
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
    client.on('favorites.changed', ({ favorites }) => applyFavorites(favorites)),
    client.on('ui.openConsole', (ref) => {
      const key = vmKey(ref);
      store.getState().select(key);
      store.setState((state) => ({ consoleRequest: { key, seq: (state.consoleRequest?.seq ?? 0) + 1 } }));
    }),
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

function compareByName(a: VmSummary, b: VmSummary): number {
  return collator.compare(a.name, b.name) || collator.compare(a.hostId, b.hostId) || (a.uuid < b.uuid ? -1 : 1);
}

const STATE_RANK = new Map<VmState, number>();

/** Numeric sort keys; string columns (host, tags) are ranked through the collator once per distinct value. */
const SORT_VALUE: Record<Exclude<VmSortColumn, 'name'>, (vm: VmSummary) => string | number> = {
  state: (vm) => STATE_RANK.get(vm.state) ?? 99,
  vcpus: (vm) => vm.vcpus,
  memory: (vm) => vm.memoryKiB,
  host: (vm) => vm.hostId,
  tags: (vm) => (vm.tags ?? []).join(' '),
};

/** Lowercased text a VM is searched by, kept per summary object (replaced only when the VM changes). */
const searchText = new WeakMap<VmSummary, string>();
function haystack(vm: VmSummary): string {
  let text = searchText.get(vm);
  if (text === undefined) {
    text = `${vm.name}\n${vm.hostId}\n${(vm.tags ?? []).join('\n')}`.toLowerCase();
    searchText.set(vm, text);
  }
  return text;
}

/** A test for the filter text (name, uuid, state, host id or a tag, case-insensitive), normalized once. */
function filterMatcher(filter: string): (vm: VmSummary) => boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return () => true;
  const states = new Set(VM_STATE_ORDER.filter((state) => state === needle || vmStateLabel(state).toLowerCase().includes(needle)));
  return (vm) => states.has(vm.state) || haystack(vm).includes(needle) || vm.uuid.startsWith(needle);
}

/** Whether a VM matches the filter text (name, uuid, state, host id or a tag, case-insensitive). */
export function vmMatchesFilter(vm: VmSummary, filter: string): boolean {
  return filterMatcher(filter)(vm);
}

const DEFAULT_SORT: VmSort = { column: 'name', direction: 'asc' };

/**
 * All VMs sorted by name, remembered with the map they came from. Most events change a VM's state, not
 * its name or the set of VMs, so the previous order is checked in O(n) and reused instead of sorting
 * again (the collator is the expensive part of sorting thousands of names).
 */
let byNameCache: { vms: Record<VmKey, VmSummary>; keys: VmKey[]; sorted: VmSummary[] } | null = null;

function vmsByName(vms: Record<VmKey, VmSummary>): VmSummary[] {
  const cached = byNameCache;
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
      byNameCache = { vms, keys: cached.keys, sorted };
      return sorted;
    }
  }
  const sorted = Object.values(vms).sort(compareByName);
  byNameCache = { vms, keys: sorted.map(vmKey), sorted };
  return sorted;
}

/**
 * The VMs in the requested order. Other columns sort the name order by one precomputed number per VM
 * (ties keep the name order), so a column click is a numeric sort of typed arrays, not thousands of
 * collator calls.
 */
let sortedCache: { vms: Record<VmKey, VmSummary>; sort: VmSort; sorted: VmSummary[] } | null = null;

function sortedVms(vms: Record<VmKey, VmSummary>, sort: VmSort): VmSummary[] {
  const cached = sortedCache;
  if (cached && cached.vms === vms && cached.sort.column === sort.column && cached.sort.direction === sort.direction) return cached.sorted;
  const byName = vmsByName(vms);
  let sorted: VmSummary[];
  if (sort.column === 'name') {
    sorted = sort.direction === 'asc' ? byName : [...byName].reverse();
  } else {
    const value = SORT_VALUE[sort.column];
    const n = byName.length;
    const keys = new Float64Array(n);
    const raw = byName.map(value);
    if (sort.column === 'host' || sort.column === 'tags') {
      const distinct = [...new Set(raw as string[])].sort((a, b) => {
        // Untagged VMs last, whichever the direction: "no tags" is not a value.
        if (sort.column === 'tags' && (a === '') !== (b === '')) return (a === '' ? 1 : -1) * (sort.direction === 'asc' ? 1 : -1);
        return collator.compare(a, b);
      });
      const rank = new Map(distinct.map((v, i) => [v, i]));
      for (let i = 0; i < n; i++) keys[i] = rank.get(raw[i] as string)!;
    } else {
      for (let i = 0; i < n; i++) keys[i] = raw[i] as number;
    }
    const sign = sort.direction === 'asc' ? 1 : -1;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => sign * (keys[a]! - keys[b]!) || a - b);
    sorted = Array.from(order, (i) => byName[i]!);
  }
  sortedCache = { vms, sort, sorted };
  return sorted;
}

export type VmQuery = Pick<VmsState, 'vms' | 'filter'> & Partial<Pick<VmsState, 'sort' | 'stateFilter' | 'tagFilter'>>;

let visibleCache: {
  vms: Record<VmKey, VmSummary>;
  hostId: string | null;
  filter: string;
  sort: VmSort;
  stateFilter: VmState | null;
  tagFilter: string | null;
  result: VmSummary[];
} | null = null;

/** The VMs the table shows: of the selected host (null = all), in the state and with the tag chosen, matching the filter text, sorted. */
export function selectVisibleVms(state: VmQuery, hostId: string | null): VmSummary[] {
  const sort = state.sort ?? DEFAULT_SORT;
  const stateFilter = state.stateFilter ?? null;
  const tagFilter = state.tagFilter ?? null;
  const cached = visibleCache;
  const sameRest =
    cached !== null &&
    cached.vms === state.vms &&
    cached.hostId === hostId &&
    cached.sort === sort &&
    cached.stateFilter === stateFilter &&
    cached.tagFilter === tagFilter;
  if (sameRest && cached.filter === state.filter) return cached.result;
  const text = state.filter.trim();
  // Typing on narrows what is shown: filter the previous result instead of every VM.
  const narrowing = sameRest && text.toLowerCase().startsWith(cached.filter.trim().toLowerCase());
  const source = narrowing ? cached.result : sortedVms(state.vms, sort);
  const matches = filterMatcher(text);
  const result =
    hostId === null && !text && stateFilter === null && tagFilter === null
      ? source
      : source.filter(
          (vm) =>
            (hostId === null || vm.hostId === hostId) &&
            (stateFilter === null || vm.state === stateFilter) &&
            (tagFilter === null || (vm.tags ?? []).includes(tagFilter)) &&
            matches(vm),
        );
  visibleCache = { vms: state.vms, hostId, filter: state.filter, sort, stateFilter, tagFilter, result };
  return result;
}

const tagsCache = new WeakMap<Record<VmKey, VmSummary>, string[]>();
/** Every tag in use, sorted (for the tag filter). */
export function selectAllTags(state: Pick<VmsState, 'vms'>): string[] {
  let tags = tagsCache.get(state.vms);
  if (!tags) {
    const set = new Set<string>();
    for (const vm of Object.values(state.vms)) for (const tag of vm.tags ?? []) set.add(tag);
    tags = [...set].sort(collator.compare);
    tagsCache.set(state.vms, tags);
  }
  return tags;
}

/** The checked VMs' keys that still exist, in a stable order. */
export function selectCheckedKeys(state: Pick<VmsState, 'checked' | 'vms'>): VmKey[] {
  return Object.keys(state.checked).filter((key) => key in state.vms).sort();
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

VM_STATE_ORDER.forEach((state, index) => STATE_RANK.set(state, index));

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
