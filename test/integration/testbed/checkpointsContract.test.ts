/**
 * checkpoints.* through the contract, over the browser-mode server's WebSocket, against a real guest on the
 * test bed's host1: take (with its changed event), list, revert, commit; typed errors for a bad name and an
 * unknown checkpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError, type InProcessTandem } from '../../support/inProcessTandem';
import { testbedOrFail } from '../../support/requireTestbed';
import { lastCounter, SERIAL, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { removeCheckpointAppGuest, startCheckpointAppGuest, type CheckpointAppGuest } from './checkpointAppGuest';

const env = testbedOrFail();

describe.skipIf(!env)('checkpoints through the contract', () => {
  let app: CheckpointAppGuest | undefined;
  let t: InProcessTandem;
  let guest: TinyGuest;
  let hostId: string;
  const ref = () => ({ hostId, uuid: guest.uuid });

  beforeAll(async () => {
    app = await startCheckpointAppGuest(env!, 'contract');
    ({ t, guest, hostId } = app);
  });

  afterAll(() => removeCheckpointAppGuest(env!, app));

  it('takes, lists, reverts and commits, with events and typed errors', async () => {
    expect(await t.client.call('checkpoints.list', ref())).toEqual({ vm: ref(), currentId: null, checkpoints: [], unavailableReason: null });
    expect((await callError(t.client.call('checkpoints.take', { ...ref(), name: '   ' }))).errorName).toBe('InvalidInput');

    const changed = t.nextEvent('checkpoints.changed', (tree) => tree.vm.uuid === guest.uuid && tree.checkpoints.length === 1, 30_000);
    const offset = await serialLogSize(guest.serialLogPath);
    const takeJob = t.nextEvent('jobs.changed', (j) => j.kind === 'checkpoint.take' && j.state === 'succeeded', 30_000);
    const cp = await t.client.call('checkpoints.take', { ...ref(), name: 'contract', description: 'through the WebSocket' });
    // The memory state is from some instant in the call, which can last seconds on a loaded machine: it lies
    // between the last counter printed before the call and the last printed by the time it returned.
    const atTakeEnd = await lastCounter(guest);
    // The take ran as a job: the jobs panel shows it, with the stun time in its result.
    expect((await takeJob).result).toMatchObject({ checkpointId: cp.id, stunMs: cp.stunMs, kind: 'memory' });
    const atTake = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]) - 1;
    console.log(`contract checkpoint: stun ${cp.stunMs} ms, ${cp.sizeBytes} bytes on disk`);
    expect(cp).toMatchObject({ name: 'contract', description: 'through the WebSocket', kind: 'memory', current: true, parentId: null });
    expect((await changed).currentId).toBe(cp.id);
    // Sealed through the app's keychain key; the first memory state of a VM is stored whole.
    expect(cp.memoryBaseId).toBeNull();
    expect(cp.memoryFullBytes).toBeGreaterThan(0);

    const unknown = await callError(t.client.call('checkpoints.revert', { ...ref(), checkpointId: '00000000-0000-4000-8000-000000000000' }));
    expect(unknown).toMatchObject({ errorName: 'NotFound', code: 'checkpoint.not-found' });

    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${atTakeEnd + 4}$`, 'm'), 30_000, { fromOffset: offset });
    const revertOffset = await serialLogSize(guest.serialLogPath);
    const revertJob = t.nextEvent('jobs.changed', (j) => j.kind === 'checkpoint.revert' && j.state === 'succeeded', 60_000);
    const tree = await t.client.call('checkpoints.revert', { ...ref(), checkpointId: cp.id });
    expect((await revertJob).result).toMatchObject({ checkpointId: cp.id });
    expect(tree.currentId).toBe(cp.id);
    const resumed = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: revertOffset }))[1]);
    expect(resumed).toBeGreaterThanOrEqual(atTake);
    expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);

    const committed = await t.client.call('checkpoints.commit', { ...ref(), mode: 'fold' });
    expect(committed.checkpoints).toEqual([]);
    expect((await t.client.call('vms.get', ref())).state).toBe('running');
  });
});
