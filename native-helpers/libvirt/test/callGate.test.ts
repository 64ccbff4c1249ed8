/**
 * The call gate (lib/callGate.ts): its queue on its own (ordering, failures, synchronous throws), then a gated
 * connection on libvirt's test driver (calls serialized, objects handed out share the gate, lanes). The crash
 * it prevents needs a hung remote daemon: test/integration/testbed/binding-hung-daemon.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallGate, gateOf, openConnection, type Connection } from '../lib/index';
import { expectLibvirtError } from './helpers';

/** A promise settled from outside, to hold a call "in flight" as long as a test wants. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CallGate', () => {
  it('starts queued calls one at a time, in the order they were issued', async () => {
    const gate = new CallGate();
    const started: number[] = [];
    const calls = [deferred<number>(), deferred<number>(), deferred<number>()];
    const results = calls.map((d, i) =>
      gate.run(() => {
        started.push(i);
        return d.promise;
      }),
    );
    expect(started).toEqual([0]); // the first runs at once, the others wait
    expect(gate.queued).toBe(2);
    calls[0]!.resolve(10);
    await results[0];
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    calls[1]!.resolve(11);
    calls[2]!.resolve(12);
    expect(await Promise.all(results)).toEqual([10, 11, 12]);
    expect(started).toEqual([0, 1, 2]);
    expect(gate.queued).toBe(0);
  });

  it('a rejected call rejects its own promise only and the next call still runs', async () => {
    const gate = new CallGate();
    const first = deferred<string>();
    const failing = gate.run(() => first.promise);
    const next = gate.run(() => Promise.resolve('next ran'));
    first.reject(new Error('daemon said no'));
    await expect(failing).rejects.toThrow('daemon said no');
    await expect(next).resolves.toBe('next ran');
  });

  it('a call that throws synchronously: thrown at once when the gate is free, a rejection when queued; the queue moves on', async () => {
    const gate = new CallGate();
    const bad = () => {
      throw new TypeError('bad argument');
    };
    expect(() => gate.run(bad)).toThrow(TypeError);
    const hold = deferred<void>();
    const running = gate.run(() => hold.promise);
    const queuedBad = gate.run(bad);
    const after = gate.run(() => Promise.resolve('after'));
    hold.resolve();
    await running;
    await expect(queuedBad).rejects.toThrow(TypeError);
    await expect(after).resolves.toBe('after');
  });
});

describe('a gated connection on the test driver', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openConnection('test:///default', { serializeCalls: true });
  });
  afterEach(async () => {
    if (!conn.isClosed()) await conn.close();
  });

  it('queues concurrent calls behind the one in flight and answers each of them', async () => {
    const gate = gateOf(conn)!;
    expect(gate).toBeInstanceOf(CallGate);
    const calls = [conn.getHostname(), conn.getType(), conn.listAllDomains(), conn.getNodeInfo()];
    expect(gate.queued).toBe(3);
    const [hostname, type, domains, node] = await Promise.all(calls);
    expect(hostname).toEqual(expect.any(String));
    expect(type).toBe('TEST');
    expect((domains as unknown[]).length).toBeGreaterThan(0);
    expect(node).toMatchObject({ cpus: expect.any(Number) });
    expect(gate.queued).toBe(0);
  });

  it('gates the objects it hands out with the same gate, and they still work as arguments of native calls', async () => {
    const [domain] = await conn.listAllDomains();
    expect(gateOf(domain!)).toBe(gateOf(conn));
    expect(domain!.getName()).toBe('test'); // local calls stay synchronous
    const pending = [domain!.getInfo(), domain!.isActive(), conn.getDomainStats([domain!], 0)];
    expect(gateOf(conn)!.queued).toBe(2);
    const [, active, stats] = await Promise.all(pending);
    expect(active).toBe(true);
    expect(stats).toHaveLength(1);
    const [pool] = await conn.listAllStoragePools();
    expect(gateOf(pool!)).toBe(gateOf(conn));
    expect(gateOf(conn.newStream())).toBe(gateOf(conn));
  });

  it('a failed call rejects with its LibvirtError and does not stall the calls queued behind it', async () => {
    const missing = conn.lookupDomainByName('no-such-domain');
    const next = conn.lookupDomainByName('test');
    await expectLibvirtError(missing, 'VIR_ERR_NO_DOMAIN');
    expect((await next).getName()).toBe('test');
  });

  it('leaves an ungated connection and its objects alone', async () => {
    const plain = await openConnection('test:///default');
    try {
      expect(gateOf(plain)).toBeUndefined();
      const [domain] = await plain.listAllDomains();
      expect(gateOf(domain!)).toBeUndefined();
      expect(Object.getPrototypeOf(plain)).not.toBe(Object.getPrototypeOf(conn));
    } finally {
      await plain.close();
    }
  });
});
