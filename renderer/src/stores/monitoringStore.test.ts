import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { Alert, MonitoringTick } from '../../../preload/contract';
import { createMemoryTransport, settle, type MemoryTransport } from '../testing/memoryTransport';
import { createAlertsStore, type AlertsStore } from './alertsStore';
import { createMonitoringStore, hostSeriesKey, MAX_POINTS, vmSeriesKey, type MonitoringStore } from './monitoringStore';
import { createToastStore, type ToastStore } from './toastStore';

const UUID = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';
const tick = (t: number, cpu: number | null): MonitoringTick => ({
  hostId: 'demo',
  t,
  host: [cpu, 1000, 500, 500],
  vms: [{ uuid: UUID, values: [cpu, 1, 2, 3, 4, 5, 6, 7, 8, 9] }],
});

describe('monitoringStore', () => {
  let memory: MemoryTransport;
  let toasts: ToastStore;
  let store: MonitoringStore;

  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    memory = createMemoryTransport();
    toasts = createToastStore({ autoDismissMs: 0 });
    store = createMonitoringStore(createContractClient(memory.transport), toasts);
  });
  afterEach(() => {
    store.dispose();
    vi.restoreAllMocks();
  });

  it('loads the history of a watched VM, then appends ticks; ticks during the load are merged once', async () => {
    const held = memory.hold('monitoring.vmHistory');
    const stop = store.getState().watch(vmSeriesKey('demo', UUID));
    await settle();
    memory.emit('monitoring.tick', tick(2000, 20)); // already in the history below
    memory.emit('monitoring.tick', tick(4000, 40)); // newer than the history
    held[0]!.resolve({ intervalSeconds: 2, t: [0, 2000], values: [[null, 20], ...Array.from({ length: 9 }, () => [0, 0])] });
    await settle();
    memory.emit('monitoring.tick', tick(6000, 60));
    const series = store.getState().series[vmSeriesKey('demo', UUID)]!;
    expect(series.t).toEqual([0, 2000, 4000, 6000]);
    expect(series.values[0]).toEqual([null, 20, 40, 60]);
    expect(series.loading).toBe(false);
    stop();
    expect(store.getState().series[vmSeriesKey('demo', UUID)]).toBeUndefined();
  });

  it('keeps nothing for series nobody watches, and caps a watched series at MAX_POINTS', async () => {
    memory.reply('monitoring.hostHistory', () => ({ intervalSeconds: 2, t: [], values: [[], [], [], []] }));
    memory.emit('monitoring.tick', tick(1, 1));
    expect(store.getState().series).toEqual({});
    store.getState().watch(hostSeriesKey('demo'));
    await settle();
    for (let i = 1; i <= MAX_POINTS + 5; i++) memory.emit('monitoring.tick', tick(i, i));
    const series = store.getState().series[hostSeriesKey('demo')]!;
    expect(series.t).toHaveLength(MAX_POINTS);
    expect(series.t[0]).toBe(6);
    expect(series.values[1]).toHaveLength(MAX_POINTS);
  });

  it('two watchers share a series; it is dropped when the last one stops', async () => {
    memory.reply('monitoring.hostHistory', () => ({ intervalSeconds: 2, t: [], values: [[], [], [], []] }));
    const a = store.getState().watch(hostSeriesKey('demo'));
    const b = store.getState().watch(hostSeriesKey('demo'));
    await settle();
    expect(memory.calls.filter((c) => c.method === 'monitoring.hostHistory')).toHaveLength(1);
    a();
    a();
    expect(store.getState().series[hostSeriesKey('demo')]).toBeDefined();
    b();
    expect(store.getState().series[hostSeriesKey('demo')]).toBeUndefined();
  });

  it('reports a failed history load as a toast and still follows the live ticks', async () => {
    memory.fail('monitoring.vmHistory', { name: 'NotFound', code: 'host.not-found', message: 'No host with id "demo"' });
    store.getState().watch(vmSeriesKey('demo', UUID));
    await settle();
    expect(toasts.getState().toasts[0]).toMatchObject({ code: 'host.not-found' });
    memory.emit('monitoring.tick', tick(2000, 5));
    expect(store.getState().series[vmSeriesKey('demo', UUID)]!.values[0]).toEqual([5]);
  });

  it('follows the interval setting from its event', () => {
    memory.emit('monitoring.settingsChanged', { intervalSeconds: 5 });
    expect(store.getState().intervalSeconds).toBe(5);
  });
});

describe('alertsStore', () => {
  let memory: MemoryTransport;
  let alerts: AlertsStore;
  const alert: Alert = { id: 'vm-crashed:demo/x', kind: 'vm-crashed', severity: 'critical', hostId: 'demo', title: 'x crashed', message: 'm', raisedAt: 1 };

  beforeEach(() => {
    memory = createMemoryTransport();
    alerts = createAlertsStore(createContractClient(memory.transport), createToastStore({ autoDismissMs: 0 }));
  });
  afterEach(() => alerts.dispose());

  it('loads the list, follows alerts.changed and hands newly raised alerts to the notifier', async () => {
    memory.reply('alerts.list', () => []);
    await alerts.getState().load();
    const raised: Alert[][] = [];
    const off = alerts.onRaised((r) => raised.push(r));
    memory.emit('alerts.changed', { alerts: [alert], raised: [alert] });
    memory.emit('alerts.changed', { alerts: [], raised: [] });
    expect(alerts.getState().alerts).toEqual([]);
    expect(raised).toEqual([[alert]]);
    off();
  });

  it('an event that arrives while the list loads wins over the older reply', async () => {
    const held = memory.hold('alerts.list');
    const loading = alerts.getState().load();
    await settle();
    memory.emit('alerts.changed', { alerts: [alert], raised: [alert] });
    held[0]!.resolve([]);
    await loading;
    expect(alerts.getState().alerts).toEqual([alert]);
  });
});
