import { describe, expect, it } from 'vitest';
import type { Alert, HostSummary, VmState, VmSummary } from '../../../preload/contract';
import { buildTrayMenu, TRAY_ALERT_ITEMS, trayBadge, type TrayMenuItem } from './buildTrayMenu';

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
const vmSubmenus = (items: TrayMenuItem[]) => submenus(items).filter((i) => i.id.startsWith('vm:'));
const enabledLabels = (menu: Submenu) => menu.items.filter((i): i is Item => i.type === 'item' && i.enabled).map((i) => i.label);

describe('buildTrayMenu', () => {
  const hosts = [host('alpha', 'connected'), host('beta', 'unreachable', { statusReason: 'connection refused' })];
  const vms = [
    vm('alpha', UUID_A, 'web', 'running'),
    vm('alpha', UUID_B, 'db', 'shutoff'),
    vm('beta', UUID_C, 'build', 'paused'),
  ];

  it('lists recent VMs in the order given (newest first) and skips ones no longer in the inventory', () => {
    const menu = buildTrayMenu({
      hosts,
      vms,
      recent: [
        { hostId: 'beta', uuid: UUID_C },
        { hostId: 'alpha', uuid: '44444444-4444-4444-8444-444444444444' }, // gone
        { hostId: 'alpha', uuid: UUID_A },
      ],
    });
    expect(vmSubmenus(menu).map((m) => m.label)).toEqual(['build (paused) on Host beta', 'web (running) on Host alpha']);
    expect(menu.some((i) => i.type === 'item' && i.id === 'recent-none')).toBe(false);
  });

  it('matches recent VMs by host and uuid together', () => {
    const menu = buildTrayMenu({ hosts, vms, recent: [{ hostId: 'beta', uuid: UUID_A }] });
    expect(vmSubmenus(menu)).toEqual([]);
  });

  it('says so, disabled, when there is no recent VM', () => {
    const menu = buildTrayMenu({ hosts, vms, recent: [] });
    expect(vmSubmenus(menu)).toEqual([]);
    expect(menu).toContainEqual({ type: 'item', id: 'recent-none', label: 'No recent VMs', enabled: false });
  });

  it('enables only the actions that make sense in the VM state', () => {
    const menu = buildTrayMenu({
      hosts,
      vms,
      recent: [
        { hostId: 'alpha', uuid: UUID_A },
        { hostId: 'alpha', uuid: UUID_B },
        { hostId: 'beta', uuid: UUID_C },
      ],
    });
    const [running, off, paused] = vmSubmenus(menu);
    expect(enabledLabels(running!)).toEqual(['Pause', 'Shut down', 'Reboot', 'Force off']);
    expect(enabledLabels(off!)).toEqual(['Start']);
    expect(enabledLabels(paused!)).toEqual(['Resume', 'Force off']);
  });

  it('makes each action a contract call on that VM', () => {
    const menu = buildTrayMenu({ hosts, vms, recent: [{ hostId: 'alpha', uuid: UUID_B }] });
    const start = vmSubmenus(menu)[0]!.items.find((i): i is Item => i.type === 'item' && i.label === 'Start');
    expect(start?.action).toEqual({ kind: 'call', method: 'vms.start', args: { hostId: 'alpha', uuid: UUID_B } });
  });

  it('summarizes hosts and lists each status, with the reason when there is one', () => {
    const menu = buildTrayMenu({ hosts, vms, recent: [] });
    const hostMenu = submenus(menu).find((m) => m.id === 'hosts');
    expect(hostMenu?.label).toBe('Hosts: 1 of 2 connected');
    expect(hostMenu?.items).toEqual([
      { type: 'item', id: 'host:alpha', label: 'Host alpha: connected', enabled: false },
      { type: 'item', id: 'host:beta', label: 'Host beta: unreachable (connection refused)', enabled: false },
    ]);
  });

  it('starts with Show Tandem and ends with Quit Tandem', () => {
    const menu = buildTrayMenu({ hosts: [], vms: [], recent: [] });
    expect(menu[0]).toEqual({ type: 'item', id: 'show', label: 'Show Tandem', enabled: true, action: { kind: 'show-window' } });
    expect(menu.at(-1)).toEqual({ type: 'item', id: 'quit', label: 'Quit Tandem', enabled: true, action: { kind: 'quit' } });
    expect(submenus(menu).find((m) => m.id === 'hosts')?.label).toBe('Hosts: 0 of 0 connected');
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
    const menu = buildTrayMenu({ hosts: [], vms: [], recent: [], alerts: [] });
    expect(menu.some((i) => i.type === 'submenu' && i.id === 'alerts')).toBe(false);
    expect(trayBadge([])).toEqual({ tooltip: 'Tandem', count: 0 });
  });

  it('shows the count and one item per alert, each opening the window, right after "Show Tandem"', () => {
    const menu = buildTrayMenu({ hosts: [], vms: [], recent: [], alerts: [alert(1), alert(2)] });
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
    const menu = buildTrayMenu({ hosts: [], vms: [], recent: [], alerts: many });
    const items = (menu.find((i) => i.type === 'submenu' && i.id === 'alerts') as Extract<TrayMenuItem, { type: 'submenu' }>).items;
    expect(items).toHaveLength(TRAY_ALERT_ITEMS + 1);
    expect(items.at(-1)).toMatchObject({ label: '3 more in Tandem…' });
  });
});
