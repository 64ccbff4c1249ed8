/**
 * The installer reboot watch's decisions on a scripted port and a manual clock: a reset restarts the VM once
 * (the QEMU reason before or after libvirt's stop), a power-off, a force off, a crash or a stop QEMU gave no
 * reason for leave it off; only marked VMs are touched; a VM found stopped at (re)connect is left off; a new
 * watch (Tandem restarted) picks up a running marked VM. The real libvirt side:
 * test/integration/testbed/installerReboot.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../Emitter';
import { NotFoundError } from '../../errors';
import type { Disposable } from '../../hosts/HostDriver';
import { ManualClock, flush } from '../../testing/scripted';
import { InstallerRebootWatch, type InstallerOutcome, type InstallerRebootPort, type InstallerSignals } from './InstallerRebootWatch';

interface Vm {
  name: string;
  marked: boolean;
  active: boolean;
}

class ScriptedInstallerHost implements InstallerRebootPort {
  readonly vms = new Map<string, Vm>();
  readonly calls: string[] = [];
  signals: InstallerSignals | undefined;
  follows = 0;
  startFails: Error | undefined;

  async follow(_hostId: string, signals: InstallerSignals): Promise<Disposable> {
    this.follows++;
    this.signals = signals;
    return { dispose: () => void (this.signals = undefined) };
  }
  async marked() {
    return [...this.vms].filter(([, vm]) => vm.marked).map(([uuid, vm]) => ({ uuid, name: vm.name, active: vm.active }));
  }
  async isMarked(_hostId: string, uuid: string) {
    return this.vms.get(uuid)?.marked ?? false;
  }
  async unmark(_hostId: string, uuid: string) {
    this.calls.push(`unmark ${uuid}`);
    this.vms.get(uuid)!.marked = false;
  }
  async start(_hostId: string, uuid: string) {
    this.calls.push(`start ${uuid}`);
    if (this.startFails) throw this.startFails;
    this.vms.get(uuid)!.active = true;
  }
  /** The guest stops: QEMU's SHUTDOWN reason (if any) and libvirt's stopped event, in the given order. */
  stop(uuid: string, how: Parameters<InstallerSignals['stopped']>[1], reason?: string, reasonFirst = true) {
    this.vms.get(uuid)!.active = false;
    if (reason && reasonFirst) this.signals!.guestShutdown(uuid, reason);
    this.signals!.stopped(uuid, how);
    if (reason && !reasonFirst) this.signals!.guestShutdown(uuid, reason);
  }
}

function setup(vms: Record<string, Vm>, status = 'connected') {
  const port = new ScriptedInstallerHost();
  for (const [uuid, vm] of Object.entries(vms)) port.vms.set(uuid, vm);
  const clock = new ManualClock();
  const hostChanged = new Emitter<{ id: string; status: string }>();
  const hostRemoved = new Emitter<string>();
  let current = status;
  hostChanged.on((host) => (current = host.status));
  const hosts = { list: () => [{ id: 'h', status: current }], hostChanged, hostRemoved };
  const outcomes: InstallerOutcome[] = [];
  const start = () => {
    const watch = new InstallerRebootWatch({ hosts, port, clock });
    watch.decided.on((o) => outcomes.push(o));
    return watch;
  };
  return { port, clock, hostChanged, hostRemoved, outcomes, watch: start(), start };
}

const installing = (): Vm => ({ name: 'inst', marked: true, active: true });

describe('InstallerRebootWatch', () => {
  it("restarts a marked VM once when its installer reboots (QEMU: guest-reset), after removing the mark", async () => {
    const { port, outcomes } = setup({ u1: installing() });
    await flush();
    port.stop('u1', 'shutdown', 'guest-reset');
    // QEMU's second SHUTDOWN, when libvirt ends the process, does not change the reason.
    port.signals!.guestShutdown('u1', 'host-signal');
    await flush();
    expect(port.calls).toEqual(['unmark u1', 'start u1']);
    expect(outcomes).toEqual([{ hostId: 'h', uuid: 'u1', outcome: 'restarted', why: 'the installer rebooted (QEMU: guest-reset): started on its final configuration' }]);
    // The VM now runs its final configuration: its next reboot or stop is none of the watch's business.
    port.stop('u1', 'shutdown', 'guest-reset');
    await flush();
    expect(port.calls).toEqual(['unmark u1', 'start u1']);
  });

  it('a reset asked of QEMU from the host (virsh reset: host-qmp-system-reset, as measured) is a reboot too', async () => {
    const { port, outcomes } = setup({ u1: installing() });
    await flush();
    port.stop('u1', 'shutdown', 'host-qmp-system-reset');
    await flush();
    expect(port.calls).toEqual(['unmark u1', 'start u1']);
    expect(outcomes.map((o) => o.outcome)).toEqual(['restarted']);
  });

  it('waits for the reason when libvirt reports the stop first (two event streams)', async () => {
    const { port, clock, outcomes } = setup({ u1: installing() });
    await flush();
    port.signals!.stopped('u1', 'shutdown');
    await flush();
    expect(port.calls).toEqual([]);
    port.signals!.guestShutdown('u1', 'guest-reset');
    await clock.advance(0);
    expect(port.calls).toEqual(['unmark u1', 'start u1']);
    expect(outcomes.map((o) => o.outcome)).toEqual(['restarted']);
  });

  it.each([
    ['a power-off by the guest or an ACPI shutdown', 'shutdown', 'guest-shutdown', 'stopped by a shut down (QEMU: guest-shutdown): not an installer reboot, left off'],
    ['a force off', 'destroyed', 'host-signal', 'stopped by a destroyed: not an installer reboot, left off'],
    ['a crash', 'crashed', undefined, 'stopped by a crashed: not an installer reboot, left off'],
  ] as const)('leaves the VM off after %s, and removes the mark', async (_what, how, reason, why) => {
    const { port, outcomes } = setup({ u1: installing() });
    await flush();
    port.stop('u1', how, reason);
    await flush();
    expect(port.calls).toEqual(['unmark u1']);
    expect(outcomes).toEqual([{ hostId: 'h', uuid: 'u1', outcome: 'left-off', why }]);
  });

  it('leaves the VM off when QEMU gave no reason within the grace (a host without QEMU monitor events)', async () => {
    const { port, clock, outcomes } = setup({ u1: installing() });
    await flush();
    port.stop('u1', 'shutdown');
    await flush();
    await clock.advance(1_999);
    expect(port.calls).toEqual([]);
    await clock.advance(1);
    expect(port.calls).toEqual(['unmark u1']);
    expect(outcomes[0]!.why).toBe('stopped by a shut down, and QEMU did not say why: not an installer reboot, left off');
  });

  it('a VM undefined before its stop is decided (a deploy rolling back) is simply gone', async () => {
    const { port, outcomes } = setup({ u1: installing() });
    port.isMarked = async () => {
      throw new NotFoundError('libvirt.VIR_ERR_NO_DOMAIN', 'Domain not found');
    };
    await flush();
    port.stop('u1', 'destroyed', 'host-signal');
    await flush();
    expect(port.calls).toEqual([]);
    expect(outcomes).toEqual([]);
  });

  it('touches no VM without the mark', async () => {
    const { port, outcomes } = setup({ u1: { name: 'plain', marked: false, active: true } });
    await flush();
    port.stop('u1', 'shutdown', 'guest-reset');
    await flush();
    expect(port.calls).toEqual([]);
    expect(outcomes).toEqual([]);
  });

  it('says so when starting it again fails; the mark is gone (no retry loop)', async () => {
    const { port, outcomes } = setup({ u1: installing() });
    port.startFails = new Error('network "lab" is not active');
    await flush();
    port.stop('u1', 'shutdown', 'guest-reset');
    await flush();
    expect(port.vms.get('u1')!.marked).toBe(false);
    expect(outcomes).toEqual([
      { hostId: 'h', uuid: 'u1', outcome: 'restart-failed', why: 'the installer rebooted (QEMU: guest-reset), and starting it again failed: network "lab" is not active' },
    ]);
  });

  it('at (re)connect, a marked VM found shut off stopped unseen: left off once its stop event had time to come', async () => {
    const { port, clock, outcomes } = setup({ off: { name: 'was-installing', marked: true, active: false }, on: installing() });
    await flush();
    expect(port.calls).toEqual([]);
    await clock.advance(2_000);
    expect(port.calls).toEqual(['unmark off']);
    expect(outcomes).toEqual([
      { hostId: 'h', uuid: 'off', outcome: 'left-off', why: 'was-installing stopped while Tandem was not watching: whether its installer rebooted is unknown, left off' },
    ]);
  });

  it("a marked VM's stop event that comes during the reconnect's look is decided by the event", async () => {
    const { port, clock } = setup({ u1: { ...installing(), active: false } });
    await flush();
    port.signals!.guestShutdown('u1', 'guest-reset');
    port.signals!.stopped('u1', 'shutdown');
    await clock.advance(2_000);
    expect(port.calls).toEqual(['unmark u1', 'start u1']);
  });

  it('follows a host only while connected, afresh after a reconnect; a new watch (Tandem restarted) picks up a running marked VM', async () => {
    const { port, hostChanged, start, watch } = setup({ u1: installing() }, 'connecting');
    await flush();
    expect(port.follows).toBe(0);
    hostChanged.emit({ id: 'h', status: 'connected' });
    hostChanged.emit({ id: 'h', status: 'connected' });
    await flush();
    expect(port.follows).toBe(1);
    hostChanged.emit({ id: 'h', status: 'unreachable' });
    expect(port.signals).toBeUndefined();
    hostChanged.emit({ id: 'h', status: 'connected' });
    await flush();
    expect(port.follows).toBe(2);

    watch.dispose();
    expect(port.signals).toBeUndefined();
    const restarted = start();
    await flush();
    port.stop('u1', 'shutdown', 'guest-reset');
    await flush();
    expect(port.calls).toEqual(['unmark u1', 'start u1']);
    restarted.dispose();
  });
});
