import { describe, expect, it } from 'vitest';
import type { VmSummary } from '../../../preload/contract';
import { planEvacuation } from './planEvacuation';

const MiB = 1024 * 1024;
const vm = (name: string, memoryMiB: number): VmSummary => ({
  hostId: 'src',
  uuid: `00000000-0000-0000-0000-${String(memoryMiB).padStart(12, '0')}`,
  name,
  state: 'running',
  stateReason: 'booted',
  vcpus: 1,
  memoryKiB: memoryMiB * 1024,
  persistent: true,
});
const ok = { ok: true, blockers: [], warnings: [] };

describe('planEvacuation', () => {
  it('places the biggest VM first on the host with the most free memory left, then the next', async () => {
    const plan = await planEvacuation(
      [vm('small', 100), vm('big', 400), vm('mid', 300)],
      [
        { hostId: 'a', name: 'A', freeBytes: 600 * MiB },
        { hostId: 'b', name: 'B', freeBytes: 500 * MiB },
      ],
      async () => ok,
    );
    // big -> a (600 free, 200 left); mid -> b (500, 200 left); small -> a (tie 200/200, by id)
    expect(plan.map((p) => [p.name, p.destinationHostId])).toEqual([
      ['big', 'a'],
      ['mid', 'b'],
      ['small', 'a'],
    ]);
  });

  it('skips a host whose check blocks, and says why when no host takes a VM', async () => {
    const plan = await planEvacuation(
      [vm('one', 100), vm('huge', 10_000)],
      [
        { hostId: 'a', name: 'A', freeBytes: 1000 * MiB },
        { hostId: 'b', name: 'B', freeBytes: 900 * MiB },
      ],
      async (_vm, host) => (host === 'a' ? { ok: false, blockers: [{ code: 'cpu.incompatible', message: 'A lacks avx2.' }], warnings: [] } : ok),
    );
    expect(plan[0]).toMatchObject({ name: 'huge', reason: 'A has too little free memory left for it / B has too little free memory left for it' });
    expect(plan[0]!.destinationHostId).toBeUndefined();
    expect(plan[1]).toMatchObject({ name: 'one', destinationHostId: 'b' });
  });
});
