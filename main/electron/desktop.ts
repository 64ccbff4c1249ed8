/**
 * The desktop front end once the app is ready: the hardened session, the app:// protocol, the window with
 * its IPC, and the tray. Closing the window does not quit: Tandem stays in the tray (VMs keep running in
 * libvirt either way) until the user picks Quit; "Show Tandem" opens a fresh window.
 */
import { app, session, type BrowserWindow } from 'electron';
import type { Tandem } from '../bootstrap/createTandem';
import { notifyAlerts } from './alertNotifications';
import { handleAppProtocol } from './appProtocol';
import { registerConsoleIpc } from './consoleIpc';
import { registerContractIpc } from './ipc';
import type { DesktopPaths } from './paths';
import { hardenSession } from './session';
import { createTray } from './tray';
import { createMainWindow, loadRenderer, revealWindow } from './window';

export interface Desktop {
  showWindow(): void;
  dispose(): void;
}

export function startDesktop(tandem: Tandem, paths: DesktopPaths): Desktop {
  hardenSession(session.defaultSession);
  const unhandleProtocol = handleAppProtocol(paths.rendererDir);

  let window: BrowserWindow | undefined;
  const showWindow = () => {
    if (window && !window.isDestroyed()) {
      revealWindow(window);
      return;
    }
    const created = createMainWindow(paths.preload);
    // IPC is wired before the page loads so the renderer's first call finds a handler; it unregisters
    // itself when this window closes.
    registerContractIpc(tandem, created);
    registerConsoleIpc(tandem, created);
    created.on('closed', () => {
      if (window === created) window = undefined;
    });
    window = created;
    loadRenderer(created);
  };

  const tray = createTray(tandem, paths.assetsDir, { showWindow, quit: () => app.quit() });
  const alertNotifications = notifyAlerts(tandem, showWindow);
  showWindow();

  return {
    showWindow,
    dispose() {
      alertNotifications.dispose();
      tray.dispose();
      if (window && !window.isDestroyed()) window.destroy();
      unhandleProtocol();
    },
  };
}
