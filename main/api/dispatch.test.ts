/** The boundary's guarantees: unknown methods, invalid payloads, typed errors, bugs and bad results. */
import { describe, expect, it } from 'vitest';
import { methodNames } from '../../preload/contract';
import { ConflictError } from '../core/errors';
import { createDispatcher } from './dispatch';
import type { ServiceHandlers } from './TandemService';

const VM = {
  hostId: 'demo',
  uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001',
  name: 'web',
  state: 'running' as const,
  stateReason: 'booted',
  vcpus: 2,
  memoryKiB: 1024,
  persistent: true,
};

function handlers(overrides: Partial<ServiceHandlers>): ServiceHandlers {
  const unused = async () => {
    throw new Error('not expected in this test');
  };
  return Object.fromEntries(methodNames.map((m) => [m, overrides[m] ?? unused])) as ServiceHandlers;
}

describe('createDispatcher', () => {
  it('passes validated arguments and returns the validated value', async () => {
    const seen: unknown[] = [];
    const dispatch = createDispatcher(
      handlers({
        'vms.start': async (args) => {
          seen.push(args);
          return VM;
        },
      }),
    );
    expect(await dispatch('vms.start', { hostId: 'demo', uuid: VM.uuid })).toEqual({ ok: true, value: VM });
    expect(seen).toEqual([{ hostId: 'demo', uuid: VM.uuid }]);
  });

  it('refuses unknown methods, including prototype keys', async () => {
    const dispatch = createDispatcher(handlers({}));
    for (const method of ['nope', '__proto__', 'constructor', 42, null]) {
      const result = await dispatch(method, {});
      expect(result).toMatchObject({ ok: false, error: { name: 'NotFound', code: 'method.unknown' } });
    }
  });

  it('refuses invalid payloads with the failing fields, without calling the handler', async () => {
    const dispatch = createDispatcher(handlers({}));
    const cases: unknown[] = [
      { hostId: 'demo' },
      { hostId: 'demo', uuid: 'not-a-uuid' },
      { hostId: 'Demo Host!', uuid: VM.uuid },
      { hostId: 'demo', uuid: VM.uuid, extra: true },
      'a string',
      [1, 2],
    ];
    for (const args of cases) {
      const result = await dispatch('vms.start', args);
      expect(result).toMatchObject({ ok: false, error: { name: 'InvalidInput', code: 'payload.invalid' } });
    }
    const r = await dispatch('vms.start', { hostId: 'demo', uuid: 'x' });
    expect(r.ok === false && r.error.details?.issues).toEqual([{ path: ['uuid'], message: expect.any(String) }]);
  });

  it('sends typed errors as data and hides bugs behind Internal', async () => {
    const dispatch = createDispatcher(
      handlers({
        'vms.start': async () => {
          throw new ConflictError('libvirt.VIR_ERR_OPERATION_INVALID', 'domain is already running', {
            libvirt: { code: 55, codeName: 'VIR_ERR_OPERATION_INVALID', domain: 10, domainName: 'VIR_FROM_QEMU', level: 2 },
          });
        },
        'vms.destroy': async () => {
          throw new TypeError('cannot read properties of undefined');
        },
        'vms.reboot': async () => ({ ...VM, state: 'exploded' }) as never,
      }),
    );
    const ref = { hostId: 'demo', uuid: VM.uuid };
    expect(await dispatch('vms.start', ref)).toEqual({
      ok: false,
      error: {
        name: 'Conflict',
        code: 'libvirt.VIR_ERR_OPERATION_INVALID',
        message: 'domain is already running',
        libvirt: { code: 55, codeName: 'VIR_ERR_OPERATION_INVALID', domain: 10, domainName: 'VIR_FROM_QEMU', level: 2 },
      },
    });
    const bug = await dispatch('vms.destroy', ref);
    expect(bug).toMatchObject({ ok: false, error: { name: 'Internal', code: 'internal.unexpected' } });
    expect(JSON.stringify(bug)).not.toMatch(/at .*\.ts:\d+/); // no stack traces across the boundary
    expect(await dispatch('vms.reboot', ref)).toMatchObject({ ok: false, error: { name: 'Internal', code: 'internal.bad-result' } });
  });
});
