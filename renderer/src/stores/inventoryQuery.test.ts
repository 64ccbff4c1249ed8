/** The inventory's query (sort, state and tag filters, tag search), multi-selection actions and favorites. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { VmSummary } from '../../../preload/contract';
import { vm } from '../testing/fixtures';
import { createMemoryTransport, settle, type MemoryTransport } from '../testing/memoryTransport';
import { createToastStore } from './toastStore';
import { createVmsStore, selectAllTags, selectCheckedKeys, selectVisibleVms, vmKey, type VmsStore } from './vmsStore';

const names = (list: VmSummary[]) => list.map((v) => v.name);

describe('inventory query', () => {
  const a = vm({ name: 'alpha', state: 'running', vcpus: 4, memoryKiB: 4096, tags: ['prod', 'web'] });
  const b = vm({ name: 'bravo', state: 'shutoff', vcpus: 1, memoryKiB: 8192, hostId: 'lab' });
  const c = vm({ name: 'charlie', state: 'paused', vcpus: 2, memoryKiB: 1024, tags: ['db'] });
  const vms = Object.fromEntries([a, b, c].map((v) => [vmKey(v), v]));

  it('sorts by each column in both directions, ties by name', () => {
    const by = (column: 'name' | 'state' | 'vcpus' | 'memory' | 'host' | 'tags', direction: 'asc' | 'desc' = 'asc') =>
      names(selectVisibleVms({ vms, filter: '', sort: { column, direction } }, null));
    expect(by('name', 'desc')).toEqual(['charlie', 'bravo', 'alpha']);
    expect(by('vcpus')).toEqual(['bravo', 'charlie', 'alpha']);
    expect(by('memory', 'desc')).toEqual(['bravo', 'alpha', 'charlie']);
    expect(by('state')).toEqual(['alpha', 'charlie', 'bravo']); // running, paused, shut off
    expect(by('host')).toEqual(['alpha', 'charlie', 'bravo']);
    expect(by('tags')).toEqual(['charlie', 'alpha', 'bravo']); // untagged last
    expect(by('tags', 'desc')).toEqual(['alpha', 'charlie', 'bravo']);
  });

  it('filters by state, tag and text (tags included) together with the host', () => {
    expect(names(selectVisibleVms({ vms, filter: '', stateFilter: 'paused' }, null))).toEqual(['charlie']);
    expect(names(selectVisibleVms({ vms, filter: '', tagFilter: 'prod' }, null))).toEqual(['alpha']);
    expect(names(selectVisibleVms({ vms, filter: 'db' }, null))).toEqual(['charlie']);
    expect(names(selectVisibleVms({ vms, filter: '', stateFilter: 'shutoff' }, 'demo'))).toEqual([]);
    expect(selectAllTags({ vms })).toEqual(['db', 'prod', 'web']);
  });

  it('re-sorts when a sorted value changes, and reuses the order when only other fields change', () => {
    const sort = { column: 'memory' as const, direction: 'asc' as const };
    const first = selectVisibleVms({ vms, filter: '', sort }, null);
    const stateOnly = { ...vms, [vmKey(a)]: { ...a, state: 'paused' as const } };
    expect(names(selectVisibleVms({ vms: stateOnly, filter: '', sort }, null))).toEqual(names(first));
    const grown = { ...vms, [vmKey(c)]: { ...c, memoryKiB: 99999 } };
    expect(names(selectVisibleVms({ vms: grown, filter: '', sort }, null))).toEqual(['alpha', 'bravo', 'charlie']);
  });
});

describe('multi-selection, tags and favorites in the store', () => {
  let memory: MemoryTransport;
  let store: VmsStore;
  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    memory = createMemoryTransport();
    store = createVmsStore(createContractClient(memory.transport), createToastStore({ autoDismissMs: 0 }));
  });
  afterEach(() => {
    store.dispose();
    vi.restoreAllMocks();
  });

  it('runs an action on the checked VMs that allow it, and reports done, skipped and failed per VM', async () => {
    const running = vm({ name: 'run', state: 'running' });
    const off = vm({ name: 'off', state: 'shutoff' });
    const broken = vm({ name: 'broken', state: 'running' });
    for (const v of [running, off, broken]) memory.emit('vms.changed', v);
    const held = memory.hold('vms.suspend');
    store.getState().setChecked([running, off, broken].map(vmKey), true);
    expect(selectCheckedKeys(store.getState())).toHaveLength(3);
    const bulk = store.getState().runBulk('suspend', selectCheckedKeys(store.getState()));
    await settle();
    expect(store.getState().bulk).toMatchObject({ action: 'suspend', pending: 2 });
    for (const call of held) {
      if (call.args.uuid === broken.uuid) call.fail({ name: 'OperationFailed', code: 'libvirt.VIR_ERR_INTERNAL_ERROR', message: 'qemu said no' });
      else call.resolve({ ...running, state: 'paused' });
    }
    await bulk;
    const results = Object.fromEntries(store.getState().bulk!.results.map((r) => [r.name, [r.outcome, r.message]]));
    expect(results).toEqual({
      off: ['skipped', 'shut off: nothing to pause'],
      run: ['done', undefined],
      broken: ['failed', 'qemu said no'],
    });
    expect(store.getState().bulk!.pending).toBe(0);
    expect(memory.calls.filter((call) => call.method === 'vms.suspend')).toHaveLength(2);
  });

  it('drops removed VMs from the selection', () => {
    const a = vm({ name: 'a' });
    memory.emit('vms.changed', a);
    store.getState().setChecked([vmKey(a)], true);
    memory.emit('vms.removed', { hostId: a.hostId, uuid: a.uuid });
    expect(store.getState().checked).toEqual({});
  });

  it('keeps favorites from the contract and its events', async () => {
    const a = vm({ name: 'a' });
    memory.reply('favorites.set', () => ({ favorites: [{ hostId: a.hostId, uuid: a.uuid }] }));
    await store.getState().setFavorite({ hostId: a.hostId, uuid: a.uuid }, true);
    expect(store.getState().favorites).toEqual({ [vmKey(a)]: true });
    memory.emit('favorites.changed', { favorites: [] });
    expect(store.getState().favorites).toEqual({});
  });

  it('selects the VM the tray asks a console for, and counts the requests', async () => {
    const a = vm({ name: 'a' });
    memory.emit('vms.changed', a);
    memory.reply('vms.get', () => {
      throw new Error('not needed');
    });
    memory.emit('ui.openConsole', { hostId: a.hostId, uuid: a.uuid });
    memory.emit('ui.openConsole', { hostId: a.hostId, uuid: a.uuid });
    await settle();
    expect(store.getState().selectedKey).toBe(vmKey(a));
    expect(store.getState().consoleRequest).toEqual({ key: vmKey(a), seq: 2 });
  });
});
