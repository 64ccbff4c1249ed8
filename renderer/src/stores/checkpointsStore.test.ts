import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { CheckpointTree } from '../../../preload/api/checkpoints';
import { createMemoryTransport, settle, type MemoryTransport } from '../testing/memoryTransport';
import { createCheckpointsStore, type CheckpointsStore } from './checkpointsStore';
import { createToastStore, type ToastStore } from './toastStore';

const REF = { hostId: 'h1', uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001' };
const CP = '11111111-2222-4333-8444-555555555555';
const tree = (names: string[]): CheckpointTree => ({
  vm: REF,
  currentId: names.length ? CP : null,
  checkpoints: names.map((name) => ({
    id: CP,
    name,
    description: '',
    createdAt: '2026-11-26T00:00:00.000Z',
    parentId: null,
    children: [],
    current: true,
    kind: 'memory',
    quiesced: false,
    disks: [{ target: 'vda', image: '/img/a.qcow2', format: 'qcow2' }],
    memoryFile: '/img/a.mem',
    stunMs: 120,
    wallMs: 300,
    sizeBytes: 1024,
  })),
  unavailableReason: null,
});

describe('checkpointsStore', () => {
  let memory: MemoryTransport;
  let toasts: ToastStore;
  let store: CheckpointsStore;

  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    memory = createMemoryTransport();
    toasts = createToastStore();
    store = createCheckpointsStore(createContractClient(memory.transport), toasts);
  });
  afterEach(() => {
    store.dispose();
    vi.restoreAllMocks();
  });

  it('loads a tree and follows checkpoints.changed events', async () => {
    memory.reply('checkpoints.list', () => tree([]));
    await store.getState().load(REF);
    expect(store.getState().trees[`h1/${REF.uuid}`]!.checkpoints).toEqual([]);
    memory.emit('checkpoints.changed', tree(['one']));
    await settle();
    expect(store.getState().trees[`h1/${REF.uuid}`]!.checkpoints.map((c) => c.name)).toEqual(['one']);
  });

  it('marks the VM busy while a revert runs and ignores a second operation meanwhile', async () => {
    const held = memory.hold('checkpoints.revert');
    const revert = store.getState().revert(REF, CP);
    await settle();
    expect(store.getState().busy[`h1/${REF.uuid}`]).toBe('revert');
    await store.getState().remove(REF, CP);
    expect(memory.calls.map((c) => c.method)).toEqual(['checkpoints.revert']);
    held[0]!.resolve(tree(['one']));
    await revert;
    expect(store.getState().busy).toEqual({});
  });

  it('reports a refused delete as a toast with the engine error', async () => {
    memory.fail('checkpoints.delete', { name: 'Unsupported', code: 'checkpoint.busy-branch', message: 'shut the VM off to delete it' });
    await store.getState().remove(REF, CP);
    expect(toasts.getState().toasts[0]).toMatchObject({ title: 'Could not delete the checkpoint', code: 'checkpoint.busy-branch' });
    expect(store.getState().busy).toEqual({});
  });

  it('opens one take dialog at a time, and takes with the options it was given', async () => {
    store.getState().openTakeDialog({ ...REF, name: 'ignored' } as typeof REF);
    expect(store.getState().takeDialog).toEqual(REF);
    store.getState().closeTakeDialog();
    expect(store.getState().takeDialog).toBeNull();
    memory.reply('checkpoints.take', () => tree(['disks']).checkpoints[0]!);
    memory.reply('checkpoints.list', () => tree(['disks']));
    await store.getState().take(REF, 'disks', { description: 'before the upgrade', diskOnly: true, quiesce: false });
    expect(memory.calls.find((c) => c.method === 'checkpoints.take')?.args).toEqual({ ...REF, name: 'disks', description: 'before the upgrade', diskOnly: true, quiesce: false });
    expect(store.getState().trees[`h1/${REF.uuid}`]!.checkpoints.map((c) => c.name)).toEqual(['disks']);
  });

  it("reloads a host's trees when it connects again: whether checkpoints are refused there (and the sizes) may have changed", async () => {
    const OTHER = { hostId: 'h2', uuid: REF.uuid };
    const host = (id: string, status: 'connected' | 'disconnected') => ({ id, name: id, uri: 'qemu+tcp://box/system', kind: 'libvirt' as const, status });
    let reason: string | null = 'Checkpoints are not available for VMs on another machine';
    memory.reply('checkpoints.list', (args) => ({ ...tree(['one']), vm: { hostId: args.hostId, uuid: args.uuid }, unavailableReason: reason }));
    memory.emit('hosts.changed', host('h1', 'connected'));
    await store.getState().load(REF);
    await store.getState().load(OTHER);
    expect(memory.calls).toHaveLength(2);
    // Still connected (another field changed): nothing to reload.
    memory.emit('hosts.changed', { ...host('h1', 'connected'), hostname: 'box' });
    await settle();
    expect(memory.calls).toHaveLength(2);

    // Its URI edited to this machine's: it disconnects and connects again.
    reason = null;
    memory.emit('hosts.changed', host('h1', 'disconnected'));
    memory.emit('hosts.changed', host('h1', 'connected'));
    await settle();
    expect(memory.calls.slice(2).map((c) => c.args)).toEqual([REF]);
    expect(store.getState().trees[`h1/${REF.uuid}`]!.unavailableReason).toBeNull();
    expect(store.getState().trees[`h2/${REF.uuid}`]!.unavailableReason).not.toBeNull();
  });
});
