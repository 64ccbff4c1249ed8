/**
 * The system tray's menu as plain data, built by a pure function from the current hosts, VMs and recent
 * VMs. main/electron turns it into an Electron Menu; keeping it pure keeps it testable without Electron.
 */
import type { Alert, HostSummary, MethodName, VmRef, VmState, VmSummary } from '../../../preload/contract';

/** What a menu item does: a contract call, or an app-level command. */
export type TrayAction =
  | { kind: 'call'; method: Extract<MethodName, `vms.${string}`>; args: VmRef }
  | { kind: 'show-window' }
  | { kind: 'quit' };

export type TrayMenuItem =
  | { type: 'item'; id: string; label: string; enabled: boolean; action?: TrayAction }
  | { type: 'separator' }
  | { type: 'submenu'; id: string; label: string; items: TrayMenuItem[] };

export interface TrayMenuInput {
  hosts: HostSummary[];
  vms: VmSummary[];
  recent: VmRef[];
  /** Active alerts (monitoring): a count and one item each, opening the window. */
  alerts?: Alert[];
}

/** Items shown in the alerts submenu; the rest are summed up in one line. */
export const TRAY_ALERT_ITEMS = 10;

/** The tray's tooltip and badge text: the alert count when there are alerts. */
export function trayBadge(alerts: Alert[]): { tooltip: string; count: number } {
  const count = alerts.length;
  return { tooltip: count === 0 ? 'Tandem' : `Tandem: ${count} alert${count === 1 ? '' : 's'}`, count };
}

const STATE_LABEL: Record<VmState, string> = {
  nostate: 'no state',
  running: 'running',
  blocked: 'blocked',
  paused: 'paused',
  shutdown: 'shutting down',
  shutoff: 'off',
  crashed: 'crashed',
  pmsuspended: 'suspended',
};

const ACTIONS: Array<{ method: Extract<MethodName, `vms.${string}`>; label: string; when: VmState[] }> = [
  { method: 'vms.start', label: 'Start', when: ['shutoff', 'crashed'] },
  { method: 'vms.resume', label: 'Resume', when: ['paused'] },
  { method: 'vms.suspend', label: 'Pause', when: ['running'] },
  { method: 'vms.shutdown', label: 'Shut down', when: ['running'] },
  { method: 'vms.reboot', label: 'Reboot', when: ['running'] },
  { method: 'vms.destroy', label: 'Force off', when: ['running', 'paused', 'blocked', 'shutdown', 'crashed', 'pmsuspended'] },
];

export function buildTrayMenu({ hosts, vms, recent, alerts = [] }: TrayMenuInput): TrayMenuItem[] {
  const byRef = new Map(vms.map((vm) => [`${vm.hostId}/${vm.uuid}`, vm]));
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));
  const recentVms = recent.map((r) => byRef.get(`${r.hostId}/${r.uuid}`)).filter((vm): vm is VmSummary => !!vm);

  const items: TrayMenuItem[] = [{ type: 'item', id: 'show', label: 'Show Tandem', enabled: true, action: { kind: 'show-window' } }];
  items.push({ type: 'separator' });
  if (alerts.length > 0) {
    const shown: TrayMenuItem[] = alerts.slice(0, TRAY_ALERT_ITEMS).map((alert) => ({
      type: 'item' as const,
      id: `alert:${alert.id}`,
      label: alert.title,
      enabled: true,
      action: { kind: 'show-window' as const },
    }));
    if (alerts.length > TRAY_ALERT_ITEMS) {
      shown.push({ type: 'item', id: 'alerts-more', label: `${alerts.length - TRAY_ALERT_ITEMS} more in Tandem…`, enabled: true, action: { kind: 'show-window' } });
    }
    items.push({ type: 'submenu', id: 'alerts', label: `⚠ Alerts (${alerts.length})`, items: shown });
    items.push({ type: 'separator' });
  }
  if (recentVms.length === 0) {
    items.push({ type: 'item', id: 'recent-none', label: 'No recent VMs', enabled: false });
  }
  for (const vm of recentVms) {
    const ref = { hostId: vm.hostId, uuid: vm.uuid };
    items.push({
      type: 'submenu',
      id: `vm:${vm.hostId}/${vm.uuid}`,
      label: `${vm.name} (${STATE_LABEL[vm.state]}) on ${hostName.get(vm.hostId) ?? vm.hostId}`,
      items: ACTIONS.map((a) => ({
        type: 'item' as const,
        id: `${a.method}:${vm.hostId}/${vm.uuid}`,
        label: a.label,
        enabled: a.when.includes(vm.state),
        action: { kind: 'call' as const, method: a.method, args: ref },
      })),
    });
  }
  items.push({ type: 'separator' });
  const connected = hosts.filter((h) => h.status === 'connected').length;
  items.push({
    type: 'submenu',
    id: 'hosts',
    label: `Hosts: ${connected} of ${hosts.length} connected`,
    items: hosts.map((h) => ({
      type: 'item' as const,
      id: `host:${h.id}`,
      label: `${h.name}: ${h.status}${h.statusReason ? ` (${h.statusReason})` : ''}`,
      enabled: false,
    })),
  });
  items.push({ type: 'separator' });
  items.push({ type: 'item', id: 'quit', label: 'Quit Tandem', enabled: true, action: { kind: 'quit' } });
  return items;
}
