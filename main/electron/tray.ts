/**
 * The system tray: quick actions on the recent VMs, active alerts (their count in the tooltip and badge), the
 * hosts' status, show and quit. The menu is rebuilt from core state whenever a contract event or a change of
 * the recent list arrives, never on a timer (monitoring ticks, which are one, change nothing in it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, Menu, nativeImage, Notification, Tray } from 'electron';
import type { Tandem } from '../bootstrap/createTandem';
import { createLogger } from '../core/logging';
import { buildTrayMenu, trayBadge, type TrayAction } from '../core/tray/buildTrayMenu';
import { toElectronMenuTemplate } from './trayTemplate';

const log = createLogger('tray');

export const TRAY_ICON_FILE = 'tray-icon.png';

export interface TrayCommands {
  showWindow(): void;
  quit(): void;
}

type TrayTandem = Pick<Tandem, 'dispatch' | 'onEvent' | 'hosts' | 'inventory' | 'recentVms' | 'alerts'>;

function trayIcon(assetsDir: string) {
  const file = join(assetsDir, TRAY_ICON_FILE);
  const icon = existsSync(file) ? nativeImage.createFromPath(file) : nativeImage.createEmpty();
  if (icon.isEmpty()) log.warn(`no tray icon at ${file}; the tray entry will have no image`);
  return icon;
}

function notifyFailure(title: string, message: string): void {
  log.warn(`${title}: ${message}`);
  if (Notification.isSupported()) new Notification({ title, body: message }).show();
}

export function createTray(tandem: TrayTandem, assetsDir: string, commands: TrayCommands): { dispose(): void } {
  const tray = new Tray(trayIcon(assetsDir));
  tray.setToolTip('Tandem');

  const run = (action: TrayAction, label: string) => {
    switch (action.kind) {
      case 'show-window':
        commands.showWindow();
        return;
      case 'quit':
        commands.quit();
        return;
      case 'call':
        // The dispatcher never rejects; a failure comes back as data and is shown, not swallowed.
        void tandem.dispatch(action.method, action.args).then((result) => {
          if (!result.ok) notifyFailure(`Tandem: ${label} failed`, result.error.message);
        });
        return;
    }
  };

  const rebuild = () => {
    const items = buildTrayMenu({
      hosts: tandem.hosts.list(),
      vms: tandem.inventory.list(),
      recent: tandem.recentVms.list(),
      alerts: tandem.alerts.list(),
    });
    tray.setContextMenu(Menu.buildFromTemplate(toElectronMenuTemplate(items, run)));
    // The badge: the tooltip everywhere, the count on the dock/launcher where the desktop shows one.
    const badge = trayBadge(tandem.alerts.list());
    tray.setToolTip(badge.tooltip);
    app.setBadgeCount(badge.count);
  };

  // A host connecting reports every VM at once; coalesce a burst of events into one rebuild per turn of
  // the event loop instead of rebuilding the native menu for each.
  let scheduled = false;
  const scheduleRebuild = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!tray.isDestroyed()) rebuild();
    });
  };

  const subscriptions = [
    tandem.onEvent(({ event }) => {
      if (event !== 'monitoring.tick') scheduleRebuild();
    }),
    tandem.recentVms.changed.on(scheduleRebuild),
  ];
  rebuild();

  return {
    dispose() {
      for (const sub of subscriptions) sub.dispose();
      tray.destroy();
    },
  };
}
