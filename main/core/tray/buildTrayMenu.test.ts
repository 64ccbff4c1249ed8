import { describe, expect, it, vi } from 'vitest';
import type { Alert, CallResult, HostSummary, VmState, VmSummary } from '../../../preload/contract';
import { Emitter } from '../Emitter';
import { ManualClock } from '../testing/scripted';
import { affectsTrayMenu, buildTrayMenu, TRAY_ALERT_ITEMS, TRAY_CHECKPOINT_ELSEWHERE, trayBadge, type TrayMenuItem } from './buildTrayMenu';
import { runTrayAction, type TrayActionPorts } from './runTrayAction';
import { TRAY_DEBOUNCE_MS, TRAY_MAX_WAIT_MS, TrayMenuRefresher } from './TrayMenuRefresher';

const UUID_A = '11111111-1111-4111-8111-111111111111';
const UUID_B = '22222222-2222-4222-8222-222222222222';
const UUID_C = '33333333-3333-4333-8333-333333333333';

function host(id: string, status: HostSummary['status'], extra: Partial<HostSummary> = {}): HostSummary {
  return { id, name: `Host ${id}`, uri: `test:///${id}`, kind: 'libvirt', status, ...extra };
}

function vm(hostId: string, uuid: string, name: string, state: VmState): VmSummary {
  return { hostId, uuid, name, state, stateReason: 'unknown', vcpus: 1, memoryKiB: 524288, persistent: true };
}

type Submenu = Extract<TrayMenuItem, { type: 'submenu' }>;
type Item = Extract<TrayMenuItem, { type: 'item' }>;

const submenus = (items: TrayMenuItem[]) => items.filter((i): i is Submenu => i.type === 'submenu');
const enabledLabels = (menu: Submenu) => menu.items.filter((i): i is Item => i.type === 'item' && i.enabled).map((i) => i.label);
const item = (menu: Submenu, label: string) => menu.items.find((i): i is Item => i.type === 'item' && i.label === label);

describe('buildTrayMenu', () => {
  const hosts = [host('alpha', 'connected'), host('beta', 'unreachable', { statusReason: 'connection refused' })];
  const vms = [vm('alpha', UUID_A, 'web', 'running'), vm('alpha', UUID_B, 'db', 'shutoff'), vm('beta', UUID_C, 'build', 'paused')];
  const none = { favorites: [], recent: [] };

  it('lists favorites first, then recent VMs (without the favorites), skipping VMs not in the inventory', () => {
    const menu = buildTrayMenu({
      hosts,
      vms,
      favorites: [{ hostId: 'alpha', uuid: UUID_B }, { hostId: 'alpha', uuid: '44444444-4444-4444-8444-444444444444' }],
      recent: [{ hostId: 'beta', uuid: UUID_C }, { hostId: 'alpha', uuid: UUID_B }, { hostId: 'alpha', uuid: UUID_A }],
    });
    expect(submenus(menu).map((m) => [m.id.split(':')[0], m.label])).toEqual([
      ['fav', 'db (off) on Host alpha'],
      ['recent', 'build (paused) on Host beta'],
      ['recent', 'web (running) on Host alpha'],
    ]);
    const labels = menu.map((i) => (i.type === 'separator' ? '—' : i.label));
    expect(labels.indexOf('Favorites')).toBeLessThan(labels.indexOf('Recent'));
  });

  it('matches VMs by host and uuid together, and says so when there is no recent VM', () => {
    const menu = buildTrayMenu({ hosts, vms, favorites: [], recent: [{ hostId: 'beta', uuid: UUID_A }] });
    expect(submenus(menu)).toEqual([]);
    expect(menu).toContainEqual({ type: 'item', id: 'recent-none', label: 'No recent VMs', enabled: false });
    expect(menu.some((i) => i.type === 'item' && i.label === 'Favorites')).toBe(false);
  });

  it('enables only the actions that make sense in the VM state; console only for a VM that runs; checkpoint when running or off', () => {
    const menu = buildTrayMenu({ hosts, vms, favorites: [], recent: vms.map((v) => ({ hostId: v.hostId, uuid: v.uuid })) });
    const [running, off, paused] = submenus(menu);
    expect(enabledLabels(running!)).toEqual(['Pause', 'Shut down', 'Reboot', 'Force off…', 'Open console', 'Take checkpoint']);
    expect(enabledLabels(off!)).toEqual(['Start', 'Take checkpoint']);
    expect(enabledLabels(paused!)).toEqual(['Resume', 'Force off…', 'Open console']);
    expect(item(paused!, 'Take checkpoint')).toMatchObject({ enabled: false });
  });

  it("disables Take checkpoint for a VM on another machine's host, saying so in its label", () => {
    const menu = buildTrayMenu({ hosts, vms, favorites: [], recent: vms.map((v) => ({ hostId: v.hostId, uuid: v.uuid })), isOtherMachine: (h) => h.id === 'alpha' });
    const [running, off] = submenus(menu);
    expect(item(running!, TRAY_CHECKPOINT_ELSEWHERE)).toMatchObject({ enabled: false });
    expect(item(off!, TRAY_CHECKPOINT_ELSEWHERE)).toMatchObject({ enabled: false });
    expect(enabledLabels(running!)).toEqual(['Pause', 'Shut down', 'Reboot', 'Force off…', 'Open console']);
  });

  it('makes each action a contract call on that VM; force off carries a confirmation; console an open request', () => {
    const ref = { hostId: 'alpha', uuid: UUID_A };
    const [web] = submenus(buildTrayMenu({ hosts, vms, favorites: [ref], recent: [] }));
    expect(item(web!, 'Shut down')?.action).toEqual({ kind: 'call', method: 'vms.shutdown', args: ref });
    expect(item(web!, 'Force off…')?.action).toEqual({
      kind: 'call',
      method: 'vms.destroy',
      args: ref,
      confirm: { title: 'Force off web?', message: expect.stringMatching(/not written to disk is lost/), confirmLabel: 'Force off' },
    });
    expect(item(web!, 'Open console')?.action).toEqual({ kind: 'open-console', vm: ref });
    expect(item(web!, 'Take checkpoint')?.action).toEqual({ kind: 'take-checkpoint', vm: ref, vmName: 'web' });
  });

  it('shows one status line per host, with the reason when there is one', () => {
    const menu = buildTrayMenu({ hosts, vms, ...none });
    const lines = menu.filter((i): i is Item => i.type === 'item' && i.id.startsWith('host'));
    expect(lines).toEqual([
      { type: 'item', id: 'hosts-title', label: 'Hosts: 1 of 2 connected', enabled: false },
      { type: 'item', id: 'host:alpha', label: 'Host alpha: connected', enabled: false },
      { type: 'item', id: 'host:beta', label: 'Host beta: unreachable (connection refused)', enabled: false },
    ]);
  });

  it('starts with Show Tandem and ends with Quit Tandem', () => {
    const menu = buildTrayMenu({ hosts: [], vms: [], ...none });
    expect(menu[0]).toEqual({ type: 'item', id: 'show', label: 'Show Tandem', enabled: true, action: { kind: 'show-window' } });
    expect(menu.at(-1)).toEqual({ type: 'item', id: 'quit', label: 'Quit Tandem', enabled: true, action: { kind: 'quit' } });
  });
});

describe('runTrayAction', () => {
  const ref = { hostId: 'alpha', uuid: UUID_A };
  const confirmation = { title: 'Force off web?', message: 'lost', confirmLabel: 'Force off' };
  function ports(confirmed: boolean, ok = true) {
    return {
      dispatch: vi.fn(
        async (_method: string, _args: unknown): Promise<CallResult<unknown>> =>
          ok ? { ok: true, value: null } : { ok: false, error: { name: 'Conflict', code: 'x', message: 'domain is not running' } },
      ),
      confirm: vi.fn(async () => confirmed),
      showWindow: vi.fn(),
      openConsole: vi.fn(),
      quit: vi.fn(),
      notifyFailure: vi.fn(),
      notify: vi.fn(),
      now: () => new Date('2026-11-26T02:30:05.123Z'),
    } satisfies TrayActionPorts;
  }

  it('asks before a confirmed call, and does nothing when the user cancels', async () => {
    const cancelled = ports(false);
    await runTrayAction({ kind: 'call', method: 'vms.destroy', args: ref, confirm: confirmation }, 'Force off…', cancelled);
    expect(cancelled.confirm).toHaveBeenCalledWith(confirmation);
    expect(cancelled.dispatch).not.toHaveBeenCalled();
    const confirmed = ports(true);
    await runTrayAction({ kind: 'call', method: 'vms.destroy', args: ref, confirm: confirmation }, 'Force off…', confirmed);
    expect(confirmed.dispatch).toHaveBeenCalledWith('vms.destroy', ref);
  });

  it('calls without asking when no confirmation is needed, and reports a failure', async () => {
    const p = ports(true, false);
    await runTrayAction({ kind: 'call', method: 'vms.shutdown', args: ref }, 'Shut down', p);
    expect(p.confirm).not.toHaveBeenCalled();
    expect(p.notifyFailure).toHaveBeenCalledWith('Tandem: Shut down failed', 'domain is not running');
  });

  it('takes a checkpoint named after its moment and tells its pause; a refusal is reported with its reason', async () => {
    const p = ports(true);
    p.dispatch.mockImplementationOnce(async () => ({ ok: true as const, value: { stunMs: 43.8, kind: 'memory' } }));
    await runTrayAction({ kind: 'take-checkpoint', vm: ref, vmName: 'web' }, 'Take checkpoint', p);
    expect(p.dispatch).toHaveBeenCalledWith('checkpoints.take', { ...ref, name: 'Tray 2026-11-26 02:30:05' });
    expect(p.notify).toHaveBeenCalledWith('Tandem: checkpoint of web taken', '“Tray 2026-11-26 02:30:05” (memory and disks, paused 44 ms)');
    p.dispatch.mockImplementationOnce(async () => ({ ok: true as const, value: { stunMs: null, kind: 'disk-only' } }));
    await runTrayAction({ kind: 'take-checkpoint', vm: ref, vmName: 'web' }, 'Take checkpoint', p);
    expect(p.notify).toHaveBeenLastCalledWith('Tandem: checkpoint of web taken', '“Tray 2026-11-26 02:30:05” (disks only, the VM was not paused)');

    const refused = ports(true, false);
    await runTrayAction({ kind: 'take-checkpoint', vm: ref, vmName: 'web' }, 'Take checkpoint', refused);
    expect(refused.notifyFailure).toHaveBeenCalledWith('Tandem: checkpoint of web failed', 'domain is not running');
    expect(refused.notify).not.toHaveBeenCalled();
  });

  it('opens a console by showing the window and emitting the request', async () => {
    const p = ports(true);
    await runTrayAction({ kind: 'open-console', vm: ref }, 'Open console', p);
    expect(p.showWindow).toHaveBeenCalled();
    expect(p.openConsole).toHaveBeenCalledWith(ref);
    expect(p.dispatch).not.toHaveBeenCalled();
  });
});

describe('TrayMenuRefresher', () => {
  function setup() {
    const clock = new ManualClock();
    const events = new Emitter<void>();
    const recent = new Emitter<void>();
    const rebuild = vi.fn();
    const refresher = new TrayMenuRefresher(clock, [(l) => events.on(l), (l) => recent.on(l)], rebuild);
    return { clock, events, recent, rebuild, refresher };
  }

  it('schedules nothing while nothing changes (no timer)', async () => {
    const { clock, rebuild, refresher } = setup();
    expect(refresher.scheduled).toBe(false);
    await clock.advance(60_000);
    expect(rebuild).not.toHaveBeenCalled();
    expect(clock.delays).toEqual([]);
  });

  it('folds a burst of events from any source into one rebuild after the debounce', async () => {
    const { clock, events, recent, rebuild, refresher } = setup();
    for (let i = 0; i < 100; i++) events.emit();
    recent.emit();
    expect(rebuild).not.toHaveBeenCalled();
    await clock.advance(TRAY_DEBOUNCE_MS);
    expect(rebuild).toHaveBeenCalledTimes(1);
    expect(refresher.scheduled).toBe(false);
    recent.emit();
    await clock.advance(TRAY_DEBOUNCE_MS);
    expect(rebuild).toHaveBeenCalledTimes(2);
  });

  it('still rebuilds within the maximum wait under a steady stream of events', async () => {
    const { clock, events, rebuild } = setup();
    for (let t = 0; t < TRAY_MAX_WAIT_MS + TRAY_DEBOUNCE_MS; t += 50) {
      events.emit();
      await clock.advance(50);
    }
    expect(rebuild).toHaveBeenCalled();
  });

  it('stops listening and cancels a pending rebuild when disposed', async () => {
    const { clock, events, rebuild, refresher } = setup();
    events.emit();
    refresher.dispose();
    events.emit();
    await clock.advance(TRAY_MAX_WAIT_MS);
    expect(rebuild).not.toHaveBeenCalled();
  });
});

describe('buildTrayMenu with alerts', () => {
  const alert = (n: number): Alert => ({
    id: `vm-crashed:alpha/${n}`,
    kind: 'vm-crashed',
    severity: 'critical',
    hostId: 'alpha',
    title: `vm${n} crashed`,
    message: 'stopped unexpectedly',
    raisedAt: n,
  });

  it('has no alerts entry when there are none, and a plain tooltip', () => {
    const menu = buildTrayMenu({ hosts: [], vms: [], favorites: [], recent: [], alerts: [] });
    expect(menu.some((i) => i.type === 'submenu' && i.id === 'alerts')).toBe(false);
    expect(trayBadge([])).toEqual({ tooltip: 'Tandem', count: 0 });
  });

  it('shows the count and one item per alert, each opening the window, right after "Show Tandem"', () => {
    const menu = buildTrayMenu({ hosts: [], vms: [], favorites: [], recent: [], alerts: [alert(1), alert(2)] });
    const alerts = menu[2];
    expect(alerts).toMatchObject({ type: 'submenu', id: 'alerts', label: '⚠ Alerts (2)' });
    expect((alerts as Extract<TrayMenuItem, { type: 'submenu' }>).items).toEqual([
      { type: 'item', id: 'alert:vm-crashed:alpha/1', label: 'vm1 crashed', enabled: true, action: { kind: 'show-window' } },
      { type: 'item', id: 'alert:vm-crashed:alpha/2', label: 'vm2 crashed', enabled: true, action: { kind: 'show-window' } },
    ]);
    expect(trayBadge([alert(1), alert(2)])).toEqual({ tooltip: 'Tandem: 2 alerts', count: 2 });
  });

  it('caps the list and sums up the rest', () => {
    const many = Array.from({ length: TRAY_ALERT_ITEMS + 3 }, (_, i) => alert(i));
    const menu = buildTrayMenu({ hosts: [], vms: [], favorites: [], recent: [], alerts: many });
    const items = (menu.find((i) => i.type === 'submenu' && i.id === 'alerts') as Extract<TrayMenuItem, { type: 'submenu' }>).items;
    expect(items).toHaveLength(TRAY_ALERT_ITEMS + 1);
    expect(items.at(-1)).toMatchObject({ label: '3 more in Tandem…' });
  });
});

describe('affectsTrayMenu', () => {
  it('ignores monitoring ticks and settings, follows everything else', () => {
    expect(affectsTrayMenu('monitoring.tick')).toBe(false);
    expect(affectsTrayMenu('monitoring.settingsChanged')).toBe(false);
    expect(affectsTrayMenu('vms.changed')).toBe(true);
    expect(affectsTrayMenu('alerts.changed')).toBe(true);
  });
});
