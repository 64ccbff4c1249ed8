/** The address watch against a scripted port and a manual clock: polls, ends, joins, and says failures once. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostUnreachableError, NotFoundError } from '../errors';
import { ManualClock, flush } from '../testing/scripted';
import type { GuestAddressPort } from './GuestAddressPort';
import type { GuestAddress } from './guestAddressSchemas';
import { GuestAddressWatcher } from './GuestAddressWatcher';

const LEASE: GuestAddress = { address: '10.1.0.7', prefix: 24, family: 'ipv4', mac: '52:54:00:aa:bb:cc', interface: 'vnet0', source: 'lease' };

/** Answers each read with the next scripted answer (the last one repeats). */
function scriptedPort(...answers: Array<GuestAddress[] | Error>): GuestAddressPort & { reads: number } {
  const port = {
    reads: 0,
    async addresses() {
      const answer = answers[Math.min(port.reads, answers.length - 1)]!;
      port.reads++;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return port;
}

function setup(port: GuestAddressPort) {
  const clock = new ManualClock();
  const watcher = new GuestAddressWatcher({ port, clock, pollMs: 1_000, watchMs: 10_000 });
  const found: unknown[] = [];
  watcher.found.on((change) => found.push(change));
  return { clock, watcher, found };
}

afterEach(() => vi.restoreAllMocks());

describe('GuestAddressWatcher', () => {
  it('reads at once, then every pollMs until the first addresses, announces them once and stops', async () => {
    const port = scriptedPort([], [], [LEASE]);
    const { clock, watcher, found } = setup(port);
    const watch = watcher.watch('h', 'u1');
    await flush();
    expect(port.reads).toBe(1);
    await clock.advance(1_000);
    expect(found).toEqual([]);
    await clock.advance(1_000);
    expect(await watch.first).toEqual([LEASE]);
    expect(found).toEqual([{ hostId: 'h', uuid: 'u1', addresses: [LEASE] }]);
    expect(watcher.watching()).toEqual([]);
    await clock.advance(5_000);
    expect(port.reads).toBe(3);
  });

  it('ends with none at its deadline, announcing nothing', async () => {
    const port = scriptedPort([]);
    const { clock, watcher, found } = setup(port);
    const watch = watcher.watch('h', 'u1');
    await flush();
    for (let t = 0; t < 12; t++) await clock.advance(1_000);
    expect(await watch.first).toEqual([]);
    expect(port.reads).toBe(11); // at 0 s, then each second up to the 10 s deadline
    expect(found).toEqual([]);
    expect(watcher.watching()).toEqual([]);
  });

  it('ends at its deadline even while a read hangs (a host that stopped answering)', async () => {
    const port: GuestAddressPort = { addresses: () => new Promise<GuestAddress[]>(() => undefined) };
    const { clock, watcher, found } = setup(port);
    const watch = watcher.watch('h', 'u1');
    let first: GuestAddress[] | undefined;
    void watch.first.then((addresses) => (first = addresses));
    await clock.advance(10_000);
    await flush();
    expect(first).toEqual([]);
    expect(watcher.watching()).toEqual([]);
    expect(found).toEqual([]);
  });

  it('ends when the VM no longer exists', async () => {
    const { watcher, found } = setup(scriptedPort(new NotFoundError('libvirt.VIR_ERR_NO_DOMAIN', 'Domain not found')));
    expect(await watcher.watch('h', 'gone').first).toEqual([]);
    expect(found).toEqual([]);
  });

  it('goes on through other failures (a host that dropped), saying each new one once', async () => {
    const warn = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const dropped = new HostUnreachableError('host.unreachable', 'host h dropped');
    const port = scriptedPort(dropped, dropped, dropped, [LEASE]);
    const { clock, watcher } = setup(port);
    const watch = watcher.watch('h', 'u1');
    await flush();
    for (let t = 0; t < 3; t++) await clock.advance(1_000);
    expect(await watch.first).toEqual([LEASE]);
    expect(warn.mock.calls.filter((c) => String(c[0]).includes('host h dropped'))).toHaveLength(1);
  });

  it('a second watch of the same VM joins the first; stop() and dispose() end watches with none', async () => {
    const port = scriptedPort([]);
    const { clock, watcher } = setup(port);
    const a = watcher.watch('h', 'u1');
    expect(watcher.watch('h', 'u1')).toBe(a);
    const b = watcher.watch('h', 'u2');
    expect(watcher.watching().sort()).toEqual(['h/u1', 'h/u2']);
    a.stop();
    expect(await a.first).toEqual([]);
    watcher.dispose();
    expect(await b.first).toEqual([]);
    const reads = port.reads;
    await clock.advance(5_000);
    expect(port.reads).toBe(reads);
  });

  it('reads on demand without watching', async () => {
    const { watcher } = setup(scriptedPort([LEASE]));
    expect(await watcher.read('h', 'u1')).toEqual([LEASE]);
    expect(watcher.watching()).toEqual([]);
  });
});
