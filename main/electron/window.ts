/**
 * Tandem's one window. Everything the checklist asks of a BrowserWindow is set here: isolated, sandboxed,
 * no Node in the page, web security on, DevTools only in development, no navigation away from app://, no
 * new windows (https links open in the user's browser instead).
 */
import { app, BrowserWindow, shell } from 'electron';
import { createLogger } from '../core/logging';
import { APP_INDEX_URL, isAppUrl } from './appUrl';

const log = createLogger('electron');

export function createMainWindow(preload: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Tandem',
    // Shown on ready-to-show so the user never sees an empty white frame while the renderer loads.
    show: false,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload,
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => window.show());

  const contents = window.webContents;
  // Our renderer is a single page: any navigation that leaves app://tandem is refused (a link or a
  // compromised page could otherwise load remote content with the preload's bridge attached).
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) {
      log.warn(`blocked navigation to ${event.url}`);
      event.preventDefault();
    }
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Only https goes to the system browser: http could be tampered with, other schemes could launch
    // arbitrary local handlers (file:, smb:, custom app schemes).
    if (url.startsWith('https://')) {
      shell.openExternal(url).catch((error: unknown) => log.warn(`could not open ${url}`, error));
    } else {
      log.warn(`blocked window.open of ${url}`);
    }
    return { action: 'deny' };
  });
  return window;
}

export function loadRenderer(window: BrowserWindow): void {
  window.loadURL(APP_INDEX_URL).catch((error: unknown) => log.error(`could not load ${APP_INDEX_URL}`, error));
}

/** Brings the window to the front: restores it when minimized, shows it when hidden. */
export function revealWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
