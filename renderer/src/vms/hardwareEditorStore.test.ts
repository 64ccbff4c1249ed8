import { describe, expect, it } from 'vitest';
import { createContractClient } from '../../../preload/client';
import type { VmHardware } from '../../../preload/contract';
import { createMemoryTransport, settle } from '../testing/memoryTransport';
import { createHardwareEditorStore } from './hardwareEditorStore';

const A = { hostId: 'demo', uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001' };
const B = { hostId: 'demo', uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100002' };

function hw(ref: { hostId: string; uuid: string }, vcpus: number): VmHardware {
  return {
    ...ref,
    active: true,
    persistent: true,
    vcpus: { current: vcpus, max: 8 },
    memory: { currentKiB: 1024 * 1024, maxKiB: 2 * 1024 * 1024 },
    disks: [],
    nics: [],
    bootOrder: ['hd'],
    autostart: false,
    limits: { hostCpus: 16, hostMemoryKiB: 64 * 1024 * 1024 },
    pendingNextBoot: [],
  };
}

function setup() {
  const memory = createMemoryTransport();
  const store = createHardwareEditorStore(createContractClient(memory.transport));
  return { memory, store };
}

describe('the hardware editor store', () => {
  it('keeps the VM now shown when an older read of the previous VM answers last, and edits only that VM', async () => {
    const { memory, store } = setup();
    const reads = memory.hold('vms.hardware');
    void store.getState().show(A);
    void store.getState().show(B);
    await settle();
    expect(reads.map((r) => r.args.uuid)).toEqual([A.uuid, B.uuid]);
    reads[1]!.resolve(hw(B, 2));
    await settle();
    reads[0]!.resolve(hw(A, 6)); // the slow answer for the VM no longer shown
    await settle();
    expect(store.getState().hardware).toMatchObject({ uuid: B.uuid, vcpus: { current: 2 } });
    expect(store.getState().form?.vcpuCurrent).toBe('2');

    const edits = memory.hold('vms.editHardware');
    store.getState().update({ vcpuCurrent: '3' });
    void store.getState().apply();
    await settle();
    expect(edits).toHaveLength(1);
    expect(edits[0]!.args).toEqual({ ...B, changes: { vcpus: { current: 3 } } });
  });

  it('uses the latest read of the same VM, not an older one that answers after it', async () => {
    const { memory, store } = setup();
    const reads = memory.hold('vms.hardware');
    void store.getState().show(A);
    void store.getState().load(); // the VM changed (e.g. its state): read again
    await settle();
    reads[1]!.resolve(hw(A, 4));
    await settle();
    reads[0]!.resolve(hw(A, 1));
    await settle();
    expect(store.getState().form?.vcpuCurrent).toBe('4');
  });

  it('drops a read that started before an edit and answers after it', async () => {
    const { memory, store } = setup();
    memory.reply('vms.hardware', () => hw(A, 2));
    await store.getState().show(A);
    const reads = memory.hold('vms.hardware');
    const edits = memory.hold('vms.editHardware');
    store.getState().update({ vcpuCurrent: '3' });
    void store.getState().apply();
    void store.getState().load(); // a vms.changed during the edit
    await settle();
    edits[0]!.resolve({ results: [{ field: 'vcpus.current', applied: 'both' }], hardware: hw(A, 3) });
    await settle();
    reads[0]!.resolve(hw(A, 2)); // read before the edit took effect
    await settle();
    expect(store.getState().form?.vcpuCurrent).toBe('3');
    reads[1]!.resolve(hw(A, 3)); // the read after the edit
    await settle();
    expect(store.getState().form?.vcpuCurrent).toBe('3');
    expect(store.getState().status).toEqual({ kind: 'saved', results: [{ field: 'vcpus.current', applied: 'both' }] });
  });

  it('reads the hardware again after an edit that failed part-way, and shows what is in effect', async () => {
    const { memory, store } = setup();
    memory.reply('vms.hardware', () => hw(A, 2));
    await store.getState().show(A);
    store.getState().update({ vcpuCurrent: '3', autostart: true });
    memory.fail('vms.editHardware', {
      name: 'OperationFailed',
      code: 'vm.autostart-failed',
      message: 'autostart failed: denied. Already in effect: vcpus.current (next-boot)',
      details: { failedField: 'autostart', applied: [{ field: 'vcpus.current', applied: 'next-boot' }] },
    });
    memory.reply('vms.hardware', () => hw(A, 3)); // the saved part
    const before = memory.calls.filter((c) => c.method === 'vms.hardware').length;
    await store.getState().apply();
    expect(memory.calls.filter((c) => c.method === 'vms.hardware').length).toBe(before + 1);
    expect(store.getState().form).toMatchObject({ vcpuCurrent: '3', autostart: false });
    expect(store.getState().status).toMatchObject({ kind: 'failed', message: expect.stringContaining('Already in effect') });
  });

  it('keeps the input and shows field errors when main refuses the edit as invalid (nothing changed, no read)', async () => {
    const { memory, store } = setup();
    memory.reply('vms.hardware', () => hw(A, 2));
    await store.getState().show(A);
    store.getState().update({ vcpuCurrent: '7' });
    memory.fail('vms.editHardware', {
      name: 'InvalidInput',
      code: 'vm.hardware-invalid',
      message: 'Nothing was changed: vcpus.current: too many',
      details: { fieldErrors: { 'vcpus.current': 'too many' } },
    });
    const before = memory.calls.length;
    await store.getState().apply();
    expect(memory.calls.slice(before).map((c) => c.method)).toEqual(['vms.editHardware']);
    expect(store.getState().form?.vcpuCurrent).toBe('7');
    expect(store.getState().errors).toEqual({ 'vcpus.current': 'too many' });
  });

  it('reads the hardware again after a successful edit', async () => {
    const { memory, store } = setup();
    memory.reply('vms.hardware', () => hw(A, 2));
    await store.getState().show(A);
    store.getState().update({ vcpuCurrent: '3' });
    memory.reply('vms.editHardware', () => ({ results: [{ field: 'vcpus.current', applied: 'both' }], hardware: hw(A, 3) }));
    const before = memory.calls.length;
    await store.getState().apply();
    expect(memory.calls.slice(before).map((c) => c.method)).toEqual(['vms.editHardware', 'vms.hardware']);
  });
});
