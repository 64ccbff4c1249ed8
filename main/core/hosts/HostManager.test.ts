/**
 * HostManager's own logic (status, backoff, timeouts, add semantics) with a scripted HostDriver. The real
 * libvirt driver is exercised by test/integration against libvirt's test driver and the QEMU test bed.
 */
import { describe, expect, it } from 'vitest';
import type { HostSummary } from '../../../preload/contract';
import { AuthFailedError, ConflictError, HostUnreachableError, InvalidInputError } from '../errors';
import { deferred, flush, ManualClock, ScriptedDriver, ScriptedSession } from '../testing/scripted';
import type { HostCredentialSource } from './HostCredentials';
import type { HostSession } from './HostDriver';
import { HostManager } from './HostManager';

function setup() {
  const driver = new ScriptedDriver();
  const clock = new ManualClock();
  const manager = new HostManager({ drivers: [driver], clock, random: () => 1, firstRetryMs: 1000, maxRetryMs: 8000, connectTimeoutMs: 5000 });
  const changes: HostSummary[] = [];
  manager.hostChanged.on((h) => changes.push(h));
  return { driver, clock, manager, changes };
}

describe('HostManager', () => {
  it('adds a reachable host and reports it connected with its facts', async () => {
    const { driver, manager } = setup();
    driver.outcomes.push(new ScriptedSession());
    const host = await manager.add('qemu+tcp://10.0.0.5/system', 'lab');
    expect(host).toMatchObject({ id: 'qemu-tcp-10-0-0-5-system', name: 'lab', status: 'connected', hypervisor: 'QEMU 7.2.0' });
    expect(manager.session(host.id)).toBeInstanceOf(ScriptedSession);
  });

  it('does not keep a host it could not reach on add, and says why', async () => {
    const { driver, manager } = setup();
    driver.outcomes.push(new HostUnreachableError('libvirt.VIR_ERR_SYSTEM_ERROR', 'Connection refused'));
    await expect(manager.add('qemu+tcp://10.0.0.5/system')).rejects.toThrow(/Connection refused/);
    expect(manager.list()).toEqual([]);
  });

  it('refuses a malformed URI before connecting and a duplicate URI', async () => {
    const { driver, manager } = setup();
    await expect(manager.add('qemu:/nope')).rejects.toBeInstanceOf(InvalidInputError);
    expect(driver.connects).toBe(0);
    driver.outcomes.push(new ScriptedSession());
    await manager.add('qemu+tcp://10.0.0.5/system');
    await expect(manager.add('qemu+tcp://10.0.0.5/system')).rejects.toBeInstanceOf(ConflictError);
  });

  it('retries a registered host with exponential backoff, then connects', async () => {
    const { driver, clock, manager } = setup();
    driver.outcomes.push(new HostUnreachableError('x', 'down'), new HostUnreachableError('x', 'down'), new HostUnreachableError('x', 'down'));
    driver.outcomes.push(new ScriptedSession());
    const { id } = manager.register({ uri: 'qemu+tcp://10.0.0.7/system', kind: 'libvirt', persisted: false });
    await flush();
    expect(manager.get(id)).toMatchObject({ status: 'unreachable', statusReason: 'down' });
    await clock.advance(1000);
    await clock.advance(2000);
    await clock.advance(4000);
    expect(manager.get(id).status).toBe('connected');
    expect(driver.connects).toBe(4);
    // connect timeouts are timers too; the retry delays are 1 s, 2 s, 4 s (jitter at its maximum here)
    expect(clock.delays.filter((d) => d !== 5000)).toEqual([1000, 2000, 4000]);
  });

  it('caps the backoff and jitters it between half and all of the delay', async () => {
    const driver = new ScriptedDriver();
    const clock = new ManualClock();
    const manager = new HostManager({ drivers: [driver], clock, random: () => 0, firstRetryMs: 1000, maxRetryMs: 4000, connectTimeoutMs: 99_999 });
    manager.register({ uri: 'qemu+tcp://10.0.0.8/system', kind: 'libvirt', persisted: false });
    await flush();
    for (const step of [500, 1000, 2000, 2000]) await clock.advance(step);
    expect(clock.delays.filter((d) => d !== 99_999)).toEqual([500, 1000, 2000, 2000, 2000]);
  });

  it('does not retry after an authentication failure', async () => {
    const { driver, clock, manager } = setup();
    driver.outcomes.push(new AuthFailedError('libvirt.VIR_ERR_AUTH_FAILED', 'authentication failed'));
    const { id } = manager.register({ uri: 'qemu+ssh://bob@h/system', kind: 'libvirt', persisted: false });
    await flush();
    expect(manager.get(id).status).toBe('auth-failed');
    await clock.advance(120_000);
    expect(driver.connects).toBe(1);
  });

  it('times out a connection attempt that hangs', async () => {
    const { driver, clock, manager } = setup();
    driver.outcomes.push('hang');
    const { id } = manager.register({ uri: 'qemu+tcp://10.0.0.9/system', kind: 'libvirt', persisted: false });
    await flush();
    expect(manager.get(id).status).toBe('connecting');
    await clock.advance(5000);
    expect(manager.get(id)).toMatchObject({ status: 'unreachable', statusReason: expect.stringMatching(/did not answer within 5 s/) });
  });

  it('never dials a host twice at once: a retry waits for a dial that outlived its timeout', async () => {
    const { driver, clock, manager } = setup();
    const slowDial = deferred<HostSession>();
    driver.outcomes.push(slowDial.promise, new ScriptedSession());
    const { id } = manager.register({ uri: 'qemu+tcp://10.0.0.12/system', kind: 'libvirt', persisted: false });
    await flush();
    await clock.advance(5000); // our timeout: the host is reported unreachable
    expect(manager.get(id).status).toBe('unreachable');
    await clock.advance(1000); // the retry is due, but the first dial is still running
    expect(driver.connects).toBe(1);
    const late = new ScriptedSession();
    slowDial.resolve(late); // the blocked dial finally returns a connection we no longer want
    await flush();
    await flush();
    expect(late.closed).toBe(true);
    expect(driver.connects).toBe(2);
    expect(manager.get(id).status).toBe('connected');
  });

  it('undoes an add whose host list cannot be saved', async () => {
    const driver = new ScriptedDriver();
    const session = new ScriptedSession();
    driver.outcomes.push(session);
    const failingConfig = { save: async () => Promise.reject(new Error('ENOSPC: no space left on device')) };
    const manager = new HostManager({ drivers: [driver], config: failingConfig as never, clock: new ManualClock() });
    await expect(manager.add('qemu+tcp://10.0.0.13/system')).rejects.toMatchObject({ code: 'host.save-failed' });
    expect(manager.list()).toEqual([]);
    expect(session.closed).toBe(true);
  });

  it('notices a dropped connection, reports it, and reconnects by itself', async () => {
    const { driver, clock, manager } = setup();
    const first = new ScriptedSession();
    driver.outcomes.push(first, new ScriptedSession());
    const { id } = manager.register({ uri: 'qemu+tcp://10.0.0.10/system', kind: 'libvirt', persisted: false });
    await flush();
    expect(manager.get(id).status).toBe('connected');
    first.lost.emit('the daemon closed the connection');
    expect(manager.get(id)).toMatchObject({ status: 'unreachable', statusReason: 'the daemon closed the connection' });
    expect(() => manager.session(id)).toThrow(HostUnreachableError);
    await flush();
    expect(first.closed).toBe(true);
    await clock.advance(1000);
    expect(manager.get(id).status).toBe('connected');
  });

  it('removes a host: closes its session and stops retrying', async () => {
    const { driver, clock, manager } = setup();
    const session = new ScriptedSession();
    driver.outcomes.push(session);
    const removed: string[] = [];
    manager.hostRemoved.on((id) => removed.push(id));
    const host = await manager.add('qemu+tcp://10.0.0.11/system');
    await manager.remove(host.id);
    expect(session.closed).toBe(true);
    expect(removed).toEqual([host.id]);
    await clock.advance(120_000);
    expect(driver.connects).toBe(1);
  });
});

describe('HostManager: editing hosts and credentials', () => {
  function withCredentials() {
    const base = setup();
    const forgotten: string[] = [];
    const outcomes: string[] = [];
    const answer = deferred<string[] | null>();
    const credentials: HostCredentialSource = {
      forAttempt: () => ({
        prompt: () => answer.promise,
        finish: async (outcome) => void outcomes.push(outcome),
        declined: () => undefined,
      }),
      forgetHost: async (id) => void forgotten.push(id),
    };
    const manager = new HostManager({ drivers: [base.driver], clock: base.clock, random: () => 1, connectTimeoutMs: 5000, credentials });
    return { ...base, manager, forgotten, outcomes, answer };
  }

  it('renames a host in place, and refuses to edit a built-in host', async () => {
    const { driver, manager } = setup();
    driver.outcomes.push(new ScriptedSession());
    const host = await manager.add('qemu+tcp://10.0.0.20/system', 'old');
    expect(await manager.update(host.id, { name: 'new' })).toMatchObject({ name: 'new', status: 'connected' });
    expect(driver.connects).toBe(1);
    const demo = manager.register({ id: 'demo', uri: 'qemu+tcp://10.0.0.21/system', kind: 'demo', persisted: false });
    await expect(manager.update(demo.id, { name: 'x' })).rejects.toMatchObject({ code: 'host.not-editable' });
  });

  it('a new URI reconnects the host and forgets its stored credentials; a bad one changes nothing', async () => {
    const { driver, manager, forgotten, answer } = withCredentials();
    answer.resolve(null);
    driver.outcomes.push(new ScriptedSession());
    const host = await manager.add('qemu+tcp://10.0.0.22/system');
    await expect(manager.update(host.id, { uri: 'qemu+tcp:///system' })).rejects.toBeInstanceOf(InvalidInputError);
    expect(manager.get(host.id).uri).toBe('qemu+tcp://10.0.0.22/system');
    const next = new ScriptedSession();
    driver.outcomes.push(next);
    const updated = await manager.update(host.id, { uri: 'qemu+tcp://10.0.0.23/system' });
    expect(updated).toMatchObject({ id: host.id, uri: 'qemu+tcp://10.0.0.23/system', status: 'connecting' });
    await flush();
    expect(manager.session(host.id)).toBe(next);
    expect(forgotten).toEqual([host.id]);
  });

  it('holds the connect timeout while the user is answering a credential prompt', async () => {
    const { driver, clock, manager, outcomes, answer } = withCredentials();
    driver.outcomes.push(async (prompt) => {
      expect(await prompt?.([{ kind: 'passphrase', prompt: 'pw', defaultValue: '' }])).toEqual(['pw']);
      return new ScriptedSession();
    });
    const adding = manager.add('qemu+tcp://10.0.0.24/system');
    await flush();
    await clock.advance(20_000); // four connect timeouts pass while the prompt is open
    answer.resolve(['pw']);
    await expect(adding).resolves.toMatchObject({ status: 'connected' });
    expect(outcomes).toEqual(['connected']);
  });
});
