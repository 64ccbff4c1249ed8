/**
 * Live series for the charts that are open. A chart `watch`es its series (a VM's or a host's): the store
 * loads its history once (`monitoring.vmHistory` / `monitoring.hostHistory`) and appends every
 * `monitoring.tick` for it; ticks that arrive while the history loads are kept and merged after it, so no
 * point is lost or doubled. Series nobody watches are not kept (main holds the full history).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient, MonitoringHistory, MonitoringTick } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

/** Points kept per watched series: an hour at the default 2 s interval, as main keeps. */
export const MAX_POINTS = 1800;

export interface Series {
  /** Epoch ms. */
  t: number[];
  /** values[field][i]: fields in VM_SAMPLE_FIELDS or HOST_SAMPLE_FIELDS order. */
  values: Array<Array<number | null>>;
  loading: boolean;
}

export type SeriesKey = `vm:${string}/${string}` | `host:${string}`;
export const vmSeriesKey = (hostId: string, uuid: string): SeriesKey => `vm:${hostId}/${uuid}`;
export const hostSeriesKey = (hostId: string): SeriesKey => `host:${hostId}`;

export interface MonitoringState {
  series: Partial<Record<SeriesKey, Series>>;
  intervalSeconds: number | null;
  /** Starts following a series (loading its history); returns the function that stops. */
  watch(key: SeriesKey): () => void;
  loadSettings(): Promise<void>;
  setIntervalSeconds(seconds: number): Promise<void>;
}

export type MonitoringStore = StoreApi<MonitoringState> & { dispose(): void };

function append(series: Series, t: number, row: Array<number | null>): Series {
  if (series.t.length > 0 && t <= series.t[series.t.length - 1]!) return series;
  const drop = Math.max(0, series.t.length + 1 - MAX_POINTS);
  return {
    ...series,
    t: [...series.t.slice(drop), t],
    values: series.values.map((column, f) => [...column.slice(drop), row[f] ?? null]),
  };
}

export function createMonitoringStore(client: ContractClient, toasts: ToastStore): MonitoringStore {
  const watchers = new Map<SeriesKey, number>();
  /** Ticks that arrived while a series' history was loading. */
  const pending = new Map<SeriesKey, Array<{ t: number; row: Array<number | null> }>>();

  const store = createStore<MonitoringState>()((set) => {
    const load = async (key: SeriesKey) => {
      pending.set(key, []);
      set((state) => ({ series: { ...state.series, [key]: { t: [], values: [], loading: true } } }));
      let history: MonitoringHistory;
      try {
        const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
        if (kind === 'vm') {
          const [hostId, uuid] = rest.split('/') as [string, string];
          history = await client.call('monitoring.vmHistory', { hostId, uuid });
        } else {
          history = await client.call('monitoring.hostHistory', { hostId: rest });
        }
      } catch (error) {
        toasts.getState().reportError('Could not load the monitoring history', error);
        history = { intervalSeconds: 0, t: [], values: [] };
      }
      const queued = pending.get(key) ?? [];
      pending.delete(key);
      if (!watchers.has(key)) return;
      let series: Series = { t: history.t.slice(-MAX_POINTS), values: history.values.map((c) => c.slice(-MAX_POINTS)), loading: false };
      for (const { t, row } of queued) {
        if (series.values.length === 0) series = { ...series, values: row.map(() => []) };
        series = append(series, t, row);
      }
      set((state) => ({ series: { ...state.series, [key]: series } }));
    };

    return {
      series: {},
      intervalSeconds: null,
      watch(key) {
        const count = watchers.get(key) ?? 0;
        watchers.set(key, count + 1);
        if (count === 0) void load(key);
        let stopped = false;
        return () => {
          if (stopped) return;
          stopped = true;
          const left = (watchers.get(key) ?? 1) - 1;
          if (left > 0) {
            watchers.set(key, left);
            return;
          }
          watchers.delete(key);
          pending.delete(key);
          set((state) => {
            const series = { ...state.series };
            delete series[key];
            return { series };
          });
        };
      },
      async loadSettings() {
        try {
          set({ intervalSeconds: (await client.call('monitoring.getSettings', {})).intervalSeconds });
        } catch (error) {
          toasts.getState().reportError('Could not load the monitoring settings', error);
        }
      },
      async setIntervalSeconds(seconds) {
        try {
          set({ intervalSeconds: (await client.call('monitoring.setSettings', { intervalSeconds: seconds })).intervalSeconds });
        } catch (error) {
          toasts.getState().reportError('Could not change the sampling interval', error);
        }
      },
    };
  });

  const push = (key: SeriesKey, t: number, row: Array<number | null>) => {
      if (!watchers.has(key)) return;
      const queue = pending.get(key);
      if (queue) {
        queue.push({ t, row });
        return;
      }
      const series = store.getState().series[key];
      if (!series) return;
      const values = series.values.length === 0 ? row.map(() => []) : series.values;
      store.setState((state) => ({ series: { ...state.series, [key]: append({ ...series, values }, t, row) } }));
  };
  const onTick = (tick: MonitoringTick) => {
    push(hostSeriesKey(tick.hostId), tick.t, tick.host);
    for (const vm of tick.vms) push(vmSeriesKey(tick.hostId, vm.uuid), tick.t, vm.values);
  };
  const subscriptions = [
    client.on('monitoring.tick', onTick),
    client.on('monitoring.settingsChanged', (settings) => store.setState({ intervalSeconds: settings.intervalSeconds })),
  ];
  return Object.assign(store, {
    dispose() {
      for (const off of subscriptions) off();
    },
  });
}
