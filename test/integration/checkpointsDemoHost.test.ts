/**
 * checkpoints.* on the demo host (libvirt's test driver, no disks on this machine): listed empty, and a take
 * is refused with a typed error before anything touches the file system.
 */
import { access } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError, startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

const WEB_FRONTEND = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';

describe('checkpoints on the demo host', () => {
  let t: InProcessTandem;

  beforeAll(async () => {
    t = await startInProcessTandem();
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('lists no checkpoints and refuses a take with Unsupported, creating no folder', async () => {
    const ref = { hostId: 'demo', uuid: WEB_FRONTEND };
    expect(await t.client.call('checkpoints.list', ref)).toEqual({ vm: ref, currentId: null, checkpoints: [], unavailableReason: null });
    const error = await callError(t.client.call('checkpoints.take', { ...ref, name: 'nope' }));
    expect(error).toMatchObject({ errorName: 'Unsupported', code: 'checkpoint.unsupported-host' });
    await expect(access('/var/lib/libvirt/images/.tandem-checkpoints')).rejects.toThrow();
    expect((await callError(t.client.call('checkpoints.take', { ...ref, name: 'x'.repeat(101) }))).errorName).toBe('InvalidInput');
  });
});
