import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../errors';
import { flush, ManualClock } from '../testing/scripted';
import { ConsoleHub, type ConsoleClosed } from './ConsoleHub';
import type { ConsolePort } from './ConsolePort';

const VM = { hostId: 'h1', uuid: '00000000-0000-0000-0000-000000000001' };

/** A port whose streams are in-memory pairs; records how each serial console was asked for. */
class ScriptedConsolePort implements ConsolePort {
  readonly streams: PassThrough[] = [];
  readonly serialForce: boolean[] = [];
  active = true;
  busy = false;
  async openSerial(_hostId: string, _uuid: string, options: { force: boolean }): Promise<Duplex> {
    this.serialForce.push(options.force);
    if (this.busy && !options.force) throw new ConflictError('console.busy', 'held elsewhere');
    return this.make();
  }
  async openGraphics(): Promise<Duplex> {
    return this.make();
  }
  async isVmActive(): Promise<boolean> {
    return this.active;
  }
  private make(): PassThrough {
    const stream = new PassThrough();
    this.streams.push(stream);
    return stream;
  }
}

function setup(options: { maxConsoles?: number } = {}) {
  const port = new ScriptedConsolePort();
  const clock = new ManualClock();
  const hub = new ConsoleHub(port, { clock, ticketTtlMs: 1000, stopGraceMs: 500, ...options });
  const closed: ConsoleClosed[] = [];
  hub.closed.on((c) => closed.push(c));
  return { port, clock, hub, closed };
}

describe('ConsoleHub', () => {
  it('hands a console to the first client that redeems its ticket, once', async () => {
    const { hub } = setup();
    const opened = await hub.open({ ...VM, kind: 'serial' });
    expect(hub.attach('not-a-ticket')).toBeUndefined();
    const attached = hub.attach(opened.ticket);
    expect(attached).toMatchObject({ consoleId: opened.consoleId, kind: 'serial' });
    expect(hub.attach(opened.ticket)).toBeUndefined();
  });

  it('closes a console whose ticket was not redeemed in time', async () => {
    const { hub, clock, closed, port } = setup();
    const opened = await hub.open({ ...VM, kind: 'vnc' });
    await clock.advance(1000);
    await flush();
    expect(closed).toEqual([expect.objectContaining({ consoleId: opened.consoleId, reason: 'ticket-expired' })]);
    expect(port.streams[0]!.destroyed).toBe(true);
    expect(hub.attach(opened.ticket)).toBeUndefined();
    expect(hub.openCount).toBe(0);
  });

  it('a second serial viewer takes the console over with FORCE; the first ends as taken over', async () => {
    const { hub, port, closed } = setup();
    const first = await hub.open({ ...VM, kind: 'serial' });
    const firstClosed = new Promise<ConsoleClosed>((resolve) => hub.attach(first.ticket)!.onClosed(resolve));
    await hub.open({ ...VM, kind: 'serial' });
    expect(port.serialForce).toEqual([false, true]);
    await expect(firstClosed).resolves.toMatchObject({ reason: 'taken-over', message: 'Another viewer took this console over.' });
    expect(closed.map((c) => c.reason)).toEqual(['taken-over']);
    expect(hub.openCount).toBe(1);
  });

  it('refuses a console held outside Tandem unless forced, and keeps nothing', async () => {
    const { hub, port } = setup();
    port.busy = true;
    await expect(hub.open({ ...VM, kind: 'serial' })).rejects.toMatchObject({ code: 'console.busy' });
    expect(hub.openCount).toBe(0);
    await hub.open({ ...VM, kind: 'serial', force: true });
    expect(port.serialForce).toEqual([false, true]);
  });

  it('VNC viewers are independent', async () => {
    const { hub, closed } = setup();
    await hub.open({ ...VM, kind: 'vnc' });
    await hub.open({ ...VM, kind: 'vnc' });
    expect(hub.openCount).toBe(2);
    expect(closed).toEqual([]);
  });

  it('a stream that ends while the VM is inactive closes as vm-stopped', async () => {
    const { hub, port, closed } = setup();
    await hub.open({ ...VM, kind: 'serial' });
    port.active = false;
    port.streams[0]!.destroy();
    await flush();
    expect(closed).toEqual([expect.objectContaining({ reason: 'vm-stopped', message: 'The VM stopped.' })]);
  });

  it('a stream that ends while libvirt still reports the VM active waits a grace period: the inventory\'s stop settles it', async () => {
    const { hub, port, closed, clock } = setup();
    await hub.open({ ...VM, kind: 'serial' });
    port.streams[0]!.destroy();
    await flush();
    expect(closed).toEqual([]);
    hub.vmStopped(VM.hostId, VM.uuid);
    await clock.advance(500);
    await flush();
    expect(closed.map((c) => c.reason)).toEqual(['vm-stopped']);
  });

  it('a stream that ends while the VM keeps running closes as stream-ended', async () => {
    const { hub, port, closed, clock } = setup();
    await hub.open({ ...VM, kind: 'serial' });
    port.streams[0]!.destroy();
    await flush();
    await clock.advance(500);
    await flush();
    expect(closed.map((c) => c.reason)).toEqual(['stream-ended']);
  });

  it('vmStopped closes every console of that VM and no other', async () => {
    const { hub, closed } = setup();
    await hub.open({ ...VM, kind: 'serial' });
    await hub.open({ ...VM, kind: 'vnc' });
    const other = await hub.open({ hostId: 'h2', uuid: VM.uuid, kind: 'vnc' });
    hub.vmStopped(VM.hostId, VM.uuid);
    await flush();
    expect(closed.map((c) => c.reason)).toEqual(['vm-stopped', 'vm-stopped']);
    expect(hub.attach(other.ticket)).toBeDefined();
  });

  it('closeConsole: client-closed; an unknown id is NotFound', async () => {
    const { hub, closed } = setup();
    const opened = await hub.open({ ...VM, kind: 'vnc' });
    hub.closeConsole(opened.consoleId);
    await flush();
    expect(closed.map((c) => c.reason)).toEqual(['client-closed']);
    expect(() => hub.closeConsole(opened.consoleId)).toThrow(NotFoundError);
  });

  it('caps the number of open consoles', async () => {
    const { hub } = setup({ maxConsoles: 2 });
    await hub.open({ ...VM, kind: 'vnc' });
    await hub.open({ ...VM, kind: 'vnc' });
    await expect(hub.open({ ...VM, kind: 'vnc' })).rejects.toMatchObject({ code: 'console.too-many' });
  });

  it('caps the number of open consoles when the opens arrive together (each awaits its host)', async () => {
    const { hub, port } = setup({ maxConsoles: 2 });
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => hub.open({ ...VM, kind: 'vnc' })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(outcomes[2]).toMatchObject({ reason: { code: 'console.too-many' } });
    expect(hub.openCount).toBe(2);
    expect(port.streams).toHaveLength(2); // the refused one never asked the host for a stream
  });

  it('dispose closes everything and refuses new consoles', async () => {
    const { hub, closed, port } = setup();
    await hub.open({ ...VM, kind: 'serial' });
    await hub.open({ ...VM, kind: 'vnc' });
    await hub.dispose();
    await flush();
    expect(closed.map((c) => c.reason)).toEqual(['shutdown', 'shutdown']);
    expect(port.streams.every((s) => s.destroyed)).toBe(true);
    await expect(hub.open({ ...VM, kind: 'vnc' })).rejects.toMatchObject({ code: 'console.shutting-down' });
  });
});
