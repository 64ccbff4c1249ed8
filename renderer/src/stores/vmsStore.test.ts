import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { VmSummary } from '../../../preload/contract';
import { host, vm, vmDetail } from '../testing/fixtures';
import { createMemoryTransport, settle, type MemoryTransport } from '../testing/memoryTransport';
import { createToastStore, type ToastStore } from './toastStore';
import {
  ALL_HOSTS,
  canRunAction,
  countByState,
  createVmsStore,
  parseVmKey,
  selectSelectedVm,
  selectVisibleVms,
  selectVmCountsByHost,
  vmKey,
  vmMatchesFilter,
  type VmsStore,
} from './vmsStore';

describe('vmsStore', () => {
  let memory: MemoryTransport;
  let toasts: ToastStore;
  let vms: VmsStore;

  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    memory = createMemoryTransport();
    toasts = createToastStore({ autoDismissMs: 0 });
    vms = createVmsStore(createContractClient(memory.transport), toasts);
  });
  afterEach(() => {
    vms.dispose();
    vi.restoreAllMocks();
  });

  const stateOf = (summary: VmSummary) => vms.getState().vms[vmKey(summary)]?.state;

  describe('loading', () => {
    it('loads every VM keyed by host and uuid', async () => {
      const a = vm({ name: 'a' });
      const b = vm({ name: 'b', hostId: 'lab' });
      memory.reply('vms.list', () => [a, b]);
      await vms.getState().load();
      expect(Object.keys(vms.getState().vms).sort()).toEqual([vmKey(a), vmKey(b)].sort());
      expect(vms.getState().loaded).toBe(true);
    });

    it('keeps events that arrived while the list was in flight', async () => {
      const a = vm({ name: 'a', state: 'shutoff' });
      const created = vm({ name: 'new' });
      const gone = vm({ name: 'gone' });
      const held = memory.hold('vms.list');
      const loading = vms.getState().load();
      await settle();
      memory.emit('vms.changed', { ...a, state: 'running' });
      memory.emit('vms.changed', created);
      memory.emit('vms.removed', { hostId: gone.hostId, uuid: gone.uuid });
      held[0]!.resolve([a, gone]); // a snapshot taken before those events
      await loading;
      expect(stateOf(a)).toBe('running');
      expect(vms.getState().vms[vmKey(created)]).toBeDefined();
      expect(vms.getState().vms[vmKey(gone)]).toBeUndefined();
    });

    it('reloading one host replaces only that host’s VMs', async () => {
      const demo = vm({ name: 'd' });
      const lab1 = vm({ name: 'l1', hostId: 'lab' });
      const lab2 = vm({ name: 'l2', hostId: 'lab' });
      memory.emit('vms.changed', demo);
      memory.emit('vms.changed', lab1);
      memory.reply('vms.list', (args) => (args.hostId === 'lab' ? [lab2] : []));
      await vms.getState().load('lab');
      expect(memory.calls.at(-1)).toEqual({ method: 'vms.list', args: { hostId: 'lab' } });
      expect(Object.values(vms.getState().vms).map((v) => v.name).sort()).toEqual(['d', 'l2']);
    });

    it('keeps unchanged summaries’ identity across a reload', async () => {
      const a = vm({ name: 'a' });
      memory.reply('vms.list', () => [{ ...a }]);
      await vms.getState().load();
      const before = vms.getState().vms;
      await vms.getState().load();
      expect(vms.getState().vms).toBe(before);
    });

    it('reloads a host’s VMs when it (re)connects', async () => {
      memory.reply('vms.list', () => []);
      memory.emit('hosts.changed', host({ status: 'connecting' }));
      expect(memory.calls).toEqual([]);
      memory.emit('hosts.changed', host({ status: 'connected' }));
      memory.emit('hosts.changed', host({ status: 'connected', hypervisor: 'Test 1.0' }));
      await settle();
      expect(memory.calls).toEqual([{ method: 'vms.list', args: { hostId: 'demo' } }]);
    });

    it('reports a failed list as a toast', async () => {
      memory.fail('vms.list', { name: 'HostUnreachable', code: 'host.unreachable', message: 'lab is down' });
      await vms.getState().load();
      expect(vms.getState().loadError).toBe('lab is down');
      expect(toasts.getState().toasts).toMatchObject([{ title: 'Could not list VMs', code: 'host.unreachable' }]);
    });
  });

  describe('events', () => {
    it('applies vms.changed and vms.removed', () => {
      const a = vm({ name: 'a' });
      memory.emit('vms.changed', a);
      memory.emit('vms.changed', { ...a, state: 'running', stateReason: 'booted' });
      expect(stateOf(a)).toBe('running');
      memory.emit('vms.removed', { hostId: a.hostId, uuid: a.uuid });
      expect(vms.getState().vms).toEqual({});
    });

    it('only replaces the summary object that changed', () => {
      const a = vm({ name: 'a' });
      const b = vm({ name: 'b' });
      memory.emit('vms.changed', a);
      memory.emit('vms.changed', b);
      const objectB = vms.getState().vms[vmKey(b)];
      memory.emit('vms.changed', { ...a, state: 'running' });
      expect(vms.getState().vms[vmKey(b)]).toBe(objectB);
      const map = vms.getState().vms;
      memory.emit('vms.changed', { ...a, state: 'running' });
      expect(vms.getState().vms).toBe(map);
    });

    it('drops the VMs of a removed host, and the selection with them', async () => {
      memory.reply('vms.get', (ref) => vmDetail(vm({ ...ref })));
      const a = vm({ name: 'a', hostId: 'lab' });
      const b = vm({ name: 'b' });
      memory.emit('vms.changed', a);
      memory.emit('vms.changed', b);
      vms.getState().select(vmKey(a));
      await settle();
      memory.emit('hosts.removed', { hostId: 'lab' });
      expect(Object.keys(vms.getState().vms)).toEqual([vmKey(b)]);
      expect(vms.getState().selectedKey).toBeNull();
      expect(vms.getState().detail).toBeNull();
    });
  });

  describe('lifecycle actions', () => {
    it('calls vms.<action> and shows the VM busy until the call settles', async () => {
      const a = vm({ name: 'a' });
      memory.emit('vms.changed', a);
      const held = memory.hold('vms.start');
      const starting = vms.getState().start({ hostId: a.hostId, uuid: a.uuid });
      await settle();
      expect(memory.calls.at(-1)).toEqual({ method: 'vms.start', args: { hostId: a.hostId, uuid: a.uuid } });
      expect(vms.getState().busy).toEqual({ [vmKey(a)]: 'start' });
      held[0]!.resolve({ ...a, state: 'running' });
      await starting;
      expect(vms.getState().busy).toEqual({});
    });

    it('final state is the event’s when the event arrives before the reply', async () => {
      const a = vm({ name: 'a', state: 'running' });
      memory.emit('vms.changed', a);
      const held = memory.hold('vms.shutdown');
      const stopping = vms.getState().shutdown(a);
      await settle();
      // The guest shut down quickly: the event overtakes the reply, which was read while still running.
      memory.emit('vms.changed', { ...a, state: 'shutoff', stateReason: 'shutdown' });
      held[0]!.resolve({ ...a, state: 'running' });
      await stopping;
      expect(stateOf(a)).toBe('shutoff');
    });

    it('final state is the event’s when the event arrives after the reply', async () => {
      const a = vm({ name: 'a', state: 'running' });
      memory.emit('vms.changed', a);
      const held = memory.hold('vms.suspend');
      const pausing = vms.getState().suspend(a);
      await settle();
      held[0]!.resolve({ ...a, state: 'paused', stateReason: 'user' });
      await pausing;
      expect(stateOf(a)).toBe('paused'); // the reply fills in until the event comes
      memory.emit('vms.changed', { ...a, state: 'paused', stateReason: 'user' });
      expect(stateOf(a)).toBe('paused');
    });

    it('turns a failed action into a toast and leaves the state alone', async () => {
      const a = vm({ name: 'web', state: 'running' });
      memory.emit('vms.changed', a);
      memory.fail('vms.start', {
        name: 'Conflict',
        code: 'libvirt.VIR_ERR_OPERATION_INVALID',
        message: 'Requested operation is not valid: domain is already running',
      });
      await vms.getState().runAction(a, 'start');
      expect(stateOf(a)).toBe('running');
      expect(vms.getState().busy).toEqual({});
      expect(toasts.getState().toasts).toMatchObject([
        {
          title: 'Could not start web',
          message: 'Requested operation is not valid: domain is already running',
          code: 'libvirt.VIR_ERR_OPERATION_INVALID',
        },
      ]);
    });

    it.each([
      ['shutdown', 'vms.shutdown'],
      ['destroy', 'vms.destroy'],
      ['reboot', 'vms.reboot'],
      ['suspend', 'vms.suspend'],
      ['resume', 'vms.resume'],
    ] as const)('%s calls %s', async (action, method) => {
      const a = vm({ name: 'a' });
      memory.reply(method, () => a);
      await vms.getState()[action](a);
      expect(memory.calls.at(-1)?.method).toBe(method);
    });

    it('enables actions according to the state', () => {
      expect(canRunAction('start', 'shutoff')).toBe(true);
      expect(canRunAction('start', 'crashed')).toBe(true);
      expect(canRunAction('start', 'running')).toBe(false);
      expect(canRunAction('suspend', 'running')).toBe(true);
      expect(canRunAction('suspend', 'paused')).toBe(false);
      expect(canRunAction('resume', 'paused')).toBe(true);
      expect(canRunAction('resume', 'running')).toBe(false);
      expect(canRunAction('shutdown', 'running')).toBe(true);
      expect(canRunAction('shutdown', 'shutoff')).toBe(false);
      expect(canRunAction('reboot', 'running')).toBe(true);
      expect(canRunAction('destroy', 'paused')).toBe(true);
      expect(canRunAction('destroy', 'shutoff')).toBe(false);
    });
  });

  describe('selection and detail', () => {
    it('loads the detail of the selected VM', async () => {
      const a = vm({ name: 'a' });
      memory.emit('vms.changed', a);
      memory.reply('vms.get', () => vmDetail(a, { autostart: true }));
      vms.getState().select(vmKey(a));
      expect(vms.getState().detail).toMatchObject({ key: vmKey(a), loading: true, data: null });
      await settle();
      expect(vms.getState().detail).toMatchObject({ loading: false, data: { autostart: true } });
      expect(selectSelectedVm(vms.getState())).toBe(vms.getState().vms[vmKey(a)]);
    });

    it('drops a detail reply for a VM no longer selected', async () => {
      const a = vm({ name: 'a' });
      const b = vm({ name: 'b' });
      memory.emit('vms.changed', a);
      memory.emit('vms.changed', b);
      const held = memory.hold('vms.get');
      vms.getState().select(vmKey(a));
      vms.getState().select(vmKey(b));
      await settle();
      held[1]!.resolve(vmDetail(b));
      held[0]!.resolve(vmDetail(a));
      await settle();
      expect(vms.getState().detail?.data?.name).toBe('b');
    });

    it('refreshes the detail when the selected VM changes', async () => {
      const a = vm({ name: 'a' });
      memory.emit('vms.changed', a);
      let xml = '<domain>1</domain>';
      memory.reply('vms.get', () => vmDetail(a, { xml }));
      vms.getState().select(vmKey(a));
      await settle();
      xml = '<domain>2</domain>';
      memory.emit('vms.changed', { ...a, state: 'running' });
      await settle();
      expect(vms.getState().detail?.data?.xml).toBe('<domain>2</domain>');
      expect(memory.calls.filter((c) => c.method === 'vms.get')).toHaveLength(2);
    });

    it('clears the selection when the VM is removed', () => {
      const a = vm({ name: 'a' });
      memory.emit('vms.changed', a);
      memory.reply('vms.get', () => vmDetail(a));
      vms.getState().select(vmKey(a));
      memory.emit('vms.removed', { hostId: a.hostId, uuid: a.uuid });
      expect(vms.getState().selectedKey).toBeNull();
    });

    it('reports a failed detail load', async () => {
      const a = vm({ name: 'a' });
      memory.emit('vms.changed', a);
      memory.fail('vms.get', { name: 'NotFound', code: 'vm.not-found', message: 'gone' });
      vms.getState().select(vmKey(a));
      await settle();
      expect(vms.getState().detail).toMatchObject({ loading: false, error: 'gone' });
      expect(toasts.getState().toasts).toMatchObject([{ code: 'vm.not-found' }]);
    });
  });
});

describe('vm selectors', () => {
  const web = vm({ name: 'web-01', state: 'running', hostId: 'demo' });
  const db = vm({ name: 'db-01', state: 'paused', hostId: 'demo' });
  const lab = vm({ name: 'Lab-vm', state: 'shutoff', hostId: 'lab' });
  const web10 = vm({ name: 'web-10', state: 'running', hostId: 'lab' });
  const web2 = vm({ name: 'web-2', state: 'crashed', hostId: 'lab' });
  const all = Object.fromEntries([web, db, lab, web10, web2].map((v) => [vmKey(v), v]));

  it('lists the VMs of a host, or of all, sorted by name', () => {
    expect(selectVisibleVms({ vms: all, filter: '' }, null).map((v) => v.name)).toEqual([
      'db-01',
      'Lab-vm',
      'web-01',
      'web-2',
      'web-10',
    ]);
    expect(selectVisibleVms({ vms: all, filter: '' }, 'demo').map((v) => v.name)).toEqual(['db-01', 'web-01']);
  });

  it('filters by name, state and uuid, case-insensitively', () => {
    expect(selectVisibleVms({ vms: all, filter: 'WEB' }, null).map((v) => v.name)).toEqual(['web-01', 'web-2', 'web-10']);
    expect(selectVisibleVms({ vms: all, filter: 'paused' }, null).map((v) => v.name)).toEqual(['db-01']);
    expect(selectVisibleVms({ vms: all, filter: 'shut off' }, null).map((v) => v.name)).toEqual(['Lab-vm']);
    expect(vmMatchesFilter(lab, lab.uuid.slice(0, 8))).toBe(true);
    expect(selectVisibleVms({ vms: all, filter: 'nothing-like-this' }, null)).toEqual([]);
  });

  it('keeps the order right as VMs change, appear, disappear and get renamed', () => {
    let map = { ...all };
    const names = () => selectVisibleVms({ vms: map, filter: '' }, null).map((v) => v.name);
    expect(names()).toEqual(['db-01', 'Lab-vm', 'web-01', 'web-2', 'web-10']);
    map = { ...map, [vmKey(web)]: { ...web, state: 'paused' } };
    expect(selectVisibleVms({ vms: map, filter: '' }, null)[2]).toMatchObject({ name: 'web-01', state: 'paused' });
    map = { ...map, [vmKey(db)]: { ...db, name: 'zeta' } };
    expect(names()).toEqual(['Lab-vm', 'web-01', 'web-2', 'web-10', 'zeta']);
    const added = vm({ name: 'alpha' });
    map = { ...map, [vmKey(added)]: added };
    expect(names()).toEqual(['alpha', 'Lab-vm', 'web-01', 'web-2', 'web-10', 'zeta']);
    const { [vmKey(lab)]: _removed, ...rest } = map;
    map = rest;
    expect(names()).toEqual(['alpha', 'web-01', 'web-2', 'web-10', 'zeta']);
    // Same count, different members: one removed and one added in the same step.
    const { [vmKey(added)]: _gone, ...rest2 } = map;
    const other = vm({ name: 'omega' });
    map = { ...rest2, [vmKey(other)]: other };
    expect(names()).toEqual(['omega', 'web-01', 'web-2', 'web-10', 'zeta']);
  });

  it('returns the same array while inputs are the same', () => {
    const state = { vms: all, filter: 'web' };
    expect(selectVisibleVms(state, null)).toBe(selectVisibleVms(state, null));
  });

  it('counts running and total VMs per host and overall', () => {
    const counts = selectVmCountsByHost({ vms: all });
    expect(counts.demo).toEqual({ running: 1, total: 2 });
    expect(counts.lab).toEqual({ running: 1, total: 3 });
    expect(counts[ALL_HOSTS]).toEqual({ running: 2, total: 5 });
    expect(selectVmCountsByHost({ vms: all })).toBe(counts);
  });

  it('counts VMs by state', () => {
    expect(countByState(Object.values(all))).toEqual([
      ['running', 2],
      ['paused', 1],
      ['crashed', 1],
      ['shutoff', 1],
    ]);
  });

  it('round-trips VM keys', () => {
    expect(parseVmKey(vmKey(web))).toEqual({ hostId: 'demo', uuid: web.uuid });
  });
});
