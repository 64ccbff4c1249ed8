/**
 * The system tray's menu as plain data, built by a pure function from the current hosts, VMs, favorite and
 * recent VMs, and active alerts. main/electron turns it into an Electron Menu; keeping it pure keeps it testable without
 * Electron.
 */
import type { Alert, EventName, HostSummary, MethodName, VmRef, VmState, VmSummary } from '../../../preload/contract';

type VmMethod = Extract<MethodName, `vms.${string}`>;

/** What a menu item does: a contract call (some confirmed first), or an app-level command. */
export type TrayAction =
  | { kind: 'call'; method: VmMethod; args: VmRef; confirm?: TrayConfirmation }
  | { kind: 'open-console'; vm: VmRef }
  /** A checkpoint named after the moment it is taken (memory + disks when running, disks when shut off). */
  | { kind: 'take-checkpoint'; vm: VmRef; vmName: string }
  | { kind: 'show-window' }
  | { kind: 'quit' };

/** A tray menu cannot ask; main/electron shows this in a dialog before the call. */
export interface TrayConfirmation {
  title: string;
  message: string;
  confirmLabel: string;
}

export type TrayMenuItem =
  | { type: 'item'; id: string; label: string; enabled: boolean; action?: TrayAction }
  | { type: 'separator' }
  | { type: 'submenu'; id: string; label: string; items: TrayMenuItem[] };

export interface TrayMenuInput {
  hosts: HostSummary[];
  vms: VmSummary[];
  favorites: VmRef[];
  recent: VmRef[];
  /** Active alerts (monitoring): a count and one item each, opening the window. */
  alerts?: Alert[];
  /**
   * Whether a host is another machine's, whose VMs the checkpoint engine refuses (checkpoint.remote-host):
   * their "Take checkpoint" is disabled and says why (a tray item has no tooltip). Default: none is.
   */
  isOtherMachine?: (host: HostSummary) => boolean;
}

export const TRAY_CHECKPOINT_ELSEWHERE = 'Take checkpoint (not for VMs on another machine)';

/** Items shown in the alerts submenu; the rest are summed up in one line. */
export const TRAY_ALERT_ITEMS = 10;

/**
 * Whether a contract event can change the menu. Monitoring ticks cannot, and arrive every few seconds per
 * host: rebuilding on them would be a timer in disguise.
 */
export function affectsTrayMenu(event: EventName): boolean {
  return event !== 'monitoring.tick' && event !== 'monitoring.settingsChanged';
}

/** The tray's tooltip and badge text: the alert count when there are alerts. */
export function trayBadge(alerts: Alert[]): { tooltip: string; count: number } {
  const count = alerts.length;
  return { tooltip: count === 0 ? 'Tandem' : `Tandem: ${count} alert${count === 1 ? '' : 's'}`, count };
}

/** Recent VMs shown besides the favorites. */
export const TRAY_RECENT_LIMIT = 5;

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

const ACTIVE: VmState[] = ['running', 'blocked', 'paused', 'shutdown', 'pmsuspended'];
/** The states the checkpoint engine takes a checkpoint in (it refuses the others with a typed error anyway). */
const CHECKPOINTABLE: VmState[] = ['running', 'shutoff'];

const ACTIONS: Array<{ method: VmMethod; label: string; when: VmState[]; confirm?: (name: string) => TrayConfirmation }> = [
  { method: 'vms.start', label: 'Start', when: ['shutoff', 'crashed'] },
  { method: 'vms.resume', label: 'Resume', when: ['paused'] },
  { method: 'vms.suspend', label: 'Pause', when: ['running'] },
  { method: 'vms.shutdown', label: 'Shut down', when: ['running'] },
  { method: 'vms.reboot', label: 'Reboot', when: ['running'] },
  {
    method: 'vms.destroy',
    label: 'Force off…',
    when: ['running', 'paused', 'blocked', 'shutdown', 'crashed', 'pmsuspended'],
    confirm: (name) => ({
      title: `Force off ${name}?`,
      message: `${name} is stopped at once, like pulling the plug; anything the guest has not written to disk is lost.`,
      confirmLabel: 'Force off',
    }),
  },
];

const refKey = (r: VmRef) => `${r.hostId}/${r.uuid}`;

export function buildTrayMenu({ hosts, vms, favorites, recent, alerts = [], isOtherMachine = () => false }: TrayMenuInput): TrayMenuItem[] {
  const byRef = new Map(vms.map((vm) => [refKey(vm), vm]));
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));
  const present = (refs: VmRef[]) => refs.map((r) => byRef.get(refKey(r))).filter((vm): vm is VmSummary => !!vm);
  const favoriteVms = present(favorites);
  const favoriteKeys = new Set(favoriteVms.map(refKey));
  const recentVms = present(recent)
    .filter((vm) => !favoriteKeys.has(refKey(vm)))
    .slice(0, TRAY_RECENT_LIMIT);

  const vmMenu = (vm: VmSummary, section: string): TrayMenuItem => {
    const ref = { hostId: vm.hostId, uuid: vm.uuid };
    const id = refKey(vm);
    const vmHost = hosts.find((h) => h.id === vm.hostId);
    const checkpointsElsewhere = vmHost !== undefined && isOtherMachine(vmHost);
    return {
      type: 'submenu',
      id: `${section}:${id}`,
      label: `${vm.name} (${STATE_LABEL[vm.state]}) on ${hostName.get(vm.hostId) ?? vm.hostId}`,
      items: [
        ...ACTIONS.map(
          (a): TrayMenuItem => ({
            type: 'item',
            id: `${a.method}:${id}`,
            label: a.label,
            enabled: a.when.includes(vm.state),
            action: { kind: 'call', method: a.method, args: ref, ...(a.confirm ? { confirm: a.confirm(vm.name) } : {}) },
          }),
        ),
        { type: 'separator' },
        {
          type: 'item',
          id: `console:${id}`,
          label: 'Open console',
          enabled: ACTIVE.includes(vm.state),
          action: { kind: 'open-console', vm: ref },
        },
        {
          type: 'item',
          id: `checkpoint:${id}`,
          label: checkpointsElsewhere ? TRAY_CHECKPOINT_ELSEWHERE : 'Take checkpoint',
          enabled: CHECKPOINTABLE.includes(vm.state) && !checkpointsElsewhere,
          action: { kind: 'take-checkpoint', vm: ref, vmName: vm.name },
        },
      ],
    };
  };

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
  if (favoriteVms.length > 0) {
    items.push({ type: 'item', id: 'favorites-title', label: 'Favorites', enabled: false });
    for (const vm of favoriteVms) items.push(vmMenu(vm, 'fav'));
  }
  items.push({ type: 'item', id: 'recent-title', label: 'Recent', enabled: false });
  if (recentVms.length === 0) items.push({ type: 'item', id: 'recent-none', label: 'No recent VMs', enabled: false });
  for (const vm of recentVms) items.push(vmMenu(vm, 'recent'));

  items.push({ type: 'separator' });
  const connected = hosts.filter((h) => h.status === 'connected').length;
  items.push({ type: 'item', id: 'hosts-title', label: `Hosts: ${connected} of ${hosts.length} connected`, enabled: false });
  for (const h of hosts) {
    items.push({
      type: 'item',
      id: `host:${h.id}`,
      label: `${h.name}: ${h.status}${h.statusReason ? ` (${h.statusReason})` : ''}`,
      enabled: false,
    });
  }
  items.push({ type: 'separator' });
  items.push({ type: 'item', id: 'quit', label: 'Quit Tandem', enabled: true, action: { kind: 'quit' } });
  return items;
}
