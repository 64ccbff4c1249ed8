import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../errors';
import { flush, ManualClock } from '../testing/scripted';
import type { VmSummary } from '../../../preload/contract';
import { ConsoleHub, inventoryLocator, type ConsoleClosed, type VmLocator, type VmWhereabouts } from './ConsoleHub';
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

function setup(options: { maxConsoles?: number; locateVm?: VmLocator } = {}) {
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

  describe('a VM that migrated away', () => {
    const elsewhere = (): { locateVm: VmLocator; arrive(at: VmWhereabouts): void } => {
      let where: VmWhereabouts | undefined;
      return { locateVm: (uuid, notOn) => (uuid === VM.uuid && where?.hostId !== notOn ? where : undefined), arrive: (at) => (where = at) };
    };

    it('closes its consoles as moved, naming the host it runs on now, not as stopped', async () => {
      const destination = elsewhere();
      const { hub, closed } = setup({ locateVm: destination.locateVm });
      await hub.open({ ...VM, kind: 'serial' });
      await hub.open({ ...VM, kind: 'vnc' });
      destination.arrive({ hostId: 'h2', hostName: 'lab-2' });
      hub.vmStopped(VM.hostId, VM.uuid, { migrated: true });
      await flush();
      expect(closed).toEqual([
        expect.objectContaining({ reason: 'vm-moved', message: 'The VM moved to lab-2.', movedTo: { hostId: 'h2', hostName: 'lab-2' }, kind: 'serial' }),
        expect.objectContaining({ reason: 'vm-moved', message: 'The VM moved to lab-2.', movedTo: { hostId: 'h2', hostName: 'lab-2' }, kind: 'vnc' }),
      ]);
    });

    it('waits the grace period for the destination to show up (the hosts report in no set order)', async () => {
      const destination = elsewhere();
      const { hub, closed, clock } = setup({ locateVm: destination.locateVm });
      await hub.open({ ...VM, kind: 'serial' });
      hub.vmStopped(VM.hostId, VM.uuid, { migrated: true });
      await flush();
      expect(closed).toEqual([]);
      destination.arrive({ hostId: 'h2', hostName: 'lab-2' });
      await clock.advance(500);
      expect(closed).toEqual([expect.objectContaining({ reason: 'vm-moved', movedTo: { hostId: 'h2', hostName: 'lab-2' } })]);
    });

    it('says it migrated to another host when the destination is not one Tandem sees', async () => {
      const { hub, closed, clock } = setup();
      await hub.open({ ...VM, kind: 'vnc' });
      hub.vmStopped(VM.hostId, VM.uuid, { migrated: true });
      await flush();
      expect(closed).toEqual([]);
      await clock.advance(500);
      expect(closed).toEqual([expect.objectContaining({ reason: 'vm-moved', message: 'The VM migrated to another host.' })]);
      expect(closed[0]!.movedTo).toBeUndefined();
    });

    it('the stream ending first, then the source reporting the migration: moved', async () => {
      const destination = elsewhere();
      const { hub, port, closed, clock } = setup({ locateVm: destination.locateVm });
      await hub.open({ ...VM, kind: 'serial' });
      port.streams[0]!.destroy();
      await flush();
      destination.arrive({ hostId: 'h2', hostName: 'lab-2' });
      hub.vmStopped(VM.hostId, VM.uuid, { migrated: true });
      await clock.advance(500);
      expect(closed).toEqual([expect.objectContaining({ reason: 'vm-moved', movedTo: { hostId: 'h2', hostName: 'lab-2' } })]);
    });

    it('a VM gone from its host that runs on another moved there (the source undefined it before we read its reason)', async () => {
      const destination = elsewhere();
      const { hub, closed } = setup({ locateVm: destination.locateVm });
      await hub.open({ ...VM, kind: 'serial' });
      destination.arrive({ hostId: 'h2', hostName: 'lab-2' });
      hub.vmStopped(VM.hostId, VM.uuid);
      await flush();
      expect(closed).toEqual([expect.objectContaining({ reason: 'vm-moved', movedTo: { hostId: 'h2', hostName: 'lab-2' } })]);
    });

    it('a plain stop with the VM nowhere else stays "stopped", at once', async () => {
      const { hub, closed } = setup({ locateVm: elsewhere().locateVm });
      await hub.open({ ...VM, kind: 'serial' });
      hub.vmStopped(VM.hostId, VM.uuid);
      await flush();
      expect(closed).toEqual([expect.objectContaining({ reason: 'vm-stopped', message: 'The VM stopped.' })]);
    });

    it('inventoryLocator finds the VM running or paused on another host, by that host\'s name', () => {
      const vm = (hostId: string, state: VmSummary['state']): VmSummary => ({
        hostId,
        uuid: VM.uuid,
        name: 'web',
        state,
        stateReason: 'unknown',
        vcpus: 1,
        memoryKiB: 1024,
        persistent: true,
      });
      const names: Record<string, string> = { h1: 'lab-1', h2: 'lab-2', h3: 'lab-3' };
      const hosts = { get: (id: string) => ({ name: names[id]! }) };
      const locate = (vms: VmSummary[]) => inventoryLocator({ list: () => vms }, hosts)(VM.uuid, 'h1');
      expect(locate([vm('h1', 'running'), vm('h2', 'paused')])).toEqual({ hostId: 'h2', hostName: 'lab-2' });
      expect(locate([vm('h1', 'shutoff'), vm('h3', 'shutoff')])).toBeUndefined();
      expect(locate([vm('h1', 'running')])).toBeUndefined();
    });
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
