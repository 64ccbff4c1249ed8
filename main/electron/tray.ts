/**
 * The system tray: quick actions on favorite and recent VMs, active alerts (their count also in the tooltip
 * and badge), the hosts' status, show and quit. The menu is
 * rebuilt from core state when a contract event or a change of the recent list arrives (debounced by
 * core/tray/TrayMenuRefresher), never on a timer. What an item does is core/tray/runTrayAction; this file
 * only supplies Electron's parts (the menu, a confirmation dialog, notifications).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, dialog, Menu, nativeImage, Notification, Tray } from 'electron';
import type { Tandem } from '../bootstrap/createTandem';
import { systemClock } from '../core/Clock';
import { createLogger } from '../core/logging';
import { affectsTrayMenu, buildTrayMenu, trayBadge, type TrayAction, type TrayConfirmation } from '../core/tray/buildTrayMenu';
import { runTrayAction } from '../core/tray/runTrayAction';
import { TrayMenuRefresher } from '../core/tray/TrayMenuRefresher';
import { isThisMachine } from '../drivers/libvirt/hostLocality';
import { toElectronMenuTemplate } from './trayTemplate';

const log = createLogger('tray');

export const TRAY_ICON_FILE = 'tray-icon.png';

export interface TrayCommands {
  showWindow(): void;
  quit(): void;
}

type TrayTandem = Pick<Tandem, 'dispatch' | 'onEvent' | 'hosts' | 'inventory' | 'recentVms' | 'favorites' | 'requestOpenConsole' | 'alerts'>;

function trayIcon(assetsDir: string) {
  const file = join(assetsDir, TRAY_ICON_FILE);
  const icon = existsSync(file) ? nativeImage.createFromPath(file) : nativeImage.createEmpty();
  if (icon.isEmpty()) log.warn(`no tray icon at ${file}; the tray entry will have no image`);
  return icon;
}

function notifyFailure(title: string, message: string): void {
  log.warn(`${title}: ${message}`);
  notify(title, message);
}

function notify(title: string, message: string): void {
  if (Notification.isSupported()) new Notification({ title, body: message }).show();
}

async function confirmInDialog(confirmation: TrayConfirmation): Promise<boolean> {
  const { response } = await dialog.showMessageBox({
    type: 'warning',
    title: confirmation.title,
    message: confirmation.title,
    detail: confirmation.message,
    buttons: [confirmation.confirmLabel, 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  });
  return response === 0;
}

export function createTray(tandem: TrayTandem, assetsDir: string, commands: TrayCommands): { dispose(): void } {
  const tray = new Tray(trayIcon(assetsDir));
  tray.setToolTip('Tandem');

  const run = (action: TrayAction, label: string) => {
    runTrayAction(action, label, {
      dispatch: tandem.dispatch,
      confirm: confirmInDialog,
      showWindow: commands.showWindow,
      openConsole: (vm) => tandem.requestOpenConsole(vm),
      quit: commands.quit,
      notifyFailure,
      notify,
      now: () => new Date(),
    }).catch((error: unknown) => notifyFailure(`Tandem: ${label} failed`, error instanceof Error ? error.message : String(error)));
  };

  const rebuild = () => {
    if (tray.isDestroyed()) return;
    const items = buildTrayMenu({
      hosts: tandem.hosts.list(),
      vms: tandem.inventory.list(),
      favorites: tandem.favorites.list(),
      recent: tandem.recentVms.list(),
      alerts: tandem.alerts.list(),
      // The rule the checkpoint engine applies (from the connection's URI), on the URI the host was added with.
      isOtherMachine: (host) => !isThisMachine(host.uri),
    });
    tray.setContextMenu(Menu.buildFromTemplate(toElectronMenuTemplate(items, run)));
    // The badge: the tooltip everywhere, the count on the dock/launcher where the desktop shows one.
    const badge = trayBadge(tandem.alerts.list());
    tray.setToolTip(badge.tooltip);
    app.setBadgeCount(badge.count);
  };

  // Contract events cover hosts, VMs, favorites and alerts; the recent list changes without one.
  const refresher = new TrayMenuRefresher(
    systemClock,
    [
      (l) =>
        tandem.onEvent(({ event }) => {
          if (affectsTrayMenu(event)) l();
        }),
      (l) => tandem.recentVms.changed.on(l),
    ],
    rebuild,
  );
  rebuild();

  return {
    dispose() {
      refresher.dispose();
      tray.destroy();
    },
  };
}
