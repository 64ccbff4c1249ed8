import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors';
import { VmOperationLocks } from './VmOperationLocks';

const VM = { hostId: 'h1', uuid: 'u1' };

describe('VmOperationLocks', () => {
  it('gives the second caller a Conflict naming what runs, and frees the VM after the first ends', async () => {
    const locks = new VmOperationLocks();
    let finish!: () => void;
    const first = locks.run(VM, 'checkpoint take', () => new Promise<void>((resolve) => (finish = resolve)));
    const refused = await locks.run(VM, 'migration to h2', async () => 'ran').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ code: 'vm.busy', message: expect.stringMatching(/migration to h2 .* a checkpoint take is running/) });
    finish();
    await first;
    expect(locks.holder(VM)).toBeUndefined();
    await expect(locks.run(VM, 'migration to h2', async () => 'ran')).resolves.toBe('ran');
  });

  it('keys by host and VM, releases on failure, and a lease released twice frees nothing else', async () => {
    const locks = new VmOperationLocks();
    const a = locks.acquire(VM, 'one')!;
    expect(locks.tryAcquire({ hostId: 'h2', uuid: 'u1' }, 'other host')).toBeDefined();
    expect(locks.tryAcquire(VM, 'two')).toBeUndefined();
    a.release();
    const b = locks.acquire(VM, 'three');
    a.release();
    expect(locks.holder(VM)).toBe('three');
    b.release();
    await expect(locks.run(VM, 'failing', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(locks.holder(VM)).toBeUndefined();
  });
});
