/**
 * The Electron main process entry (bundled by Forge's vite plugin to .vite/build/main.cjs). Only the
 * lifecycle lives here: one instance, start on ready, dispose Tandem before quitting. The parts are in
 * desktop.ts (window, IPC, tray), appProtocol.ts and paths.ts.
 */
import { app, dialog } from 'electron';
import { createTandem, defaultDataDir, type Tandem } from '../bootstrap/createTandem';
import { createLogger } from '../core/logging';
import { registerAppScheme } from './appProtocol';
import { startDesktop, type Desktop } from './desktop';
import { desktopPaths } from './paths';

const log = createLogger('electron');

// libvirt calls run on libuv's thread pool (4 threads by default) and a dialing or slow host holds one.
// libuv reads this when the pool first starts, so it only helps if nothing used the pool yet; `npm start`
// also sets it in the environment.
process.env.UV_THREADPOOL_SIZE ??= '16';

/** How long quitting waits for hosts to close before giving up on them (a hung connection must not pin the app). */
const DISPOSE_TIMEOUT_MS = 10_000;

// Both must happen before `ready`: privileged schemes cannot be registered later, and enableSandbox
// sandboxes every renderer, including any we did not create ourselves.
registerAppScheme();
app.enableSandbox();

let tandem: Promise<Tandem> | undefined;
let desktop: Desktop | undefined;

async function start(): Promise<void> {
  const paths = desktopPaths({ isPackaged: app.isPackaged, appPath: app.getAppPath(), resourcesPath: process.resourcesPath });
  // Read by native-helpers/libvirt when the addon is first loaded, so it must be set before createTandem.
  // Packaged, it is set unconditionally: with the NODE_OPTIONS fuse off, an inherited environment variable
  // must not be able to point the app at a different native library either.
  if (paths.libvirtAddon) process.env.TANDEM_LIBVIRT_ADDON = paths.libvirtAddon;
  if (paths.deltaAddon) process.env.TANDEM_DELTA_ADDON = paths.deltaAddon;

  // The same folder as browser mode, so both see the same hosts (Electron's own userData, named after
  // productName, would be a second, separate list).
  tandem = createTandem({ mode: 'electron', dataDir: defaultDataDir(), assetsDir: paths.assetsDir });
  desktop = startDesktop(await tandem, paths);
}

async function disposeAll(): Promise<void> {
  desktop?.dispose();
  desktop = undefined;
  const created = await tandem?.catch(() => undefined); // a failed start has nothing to dispose
  if (!created) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), DISPOSE_TIMEOUT_MS)));
  const outcome = await Promise.race([created.dispose().then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') log.warn(`hosts did not close within ${DISPOSE_TIMEOUT_MS} ms; quitting anyway`);
}

if (!app.requestSingleInstanceLock()) {
  // Another Tandem is running; it received 'second-instance' and brings its window forward.
  app.quit();
} else {
  app.on('second-instance', () => desktop?.showWindow());
  // macOS: clicking the dock icon with no window open.
  app.on('activate', () => desktop?.showWindow());
  // Without a listener Electron quits when the last window closes; Tandem stays in the tray instead.
  app.on('window-all-closed', () => undefined);

  let quitState: 'running' | 'disposing' | 'disposed' = 'running';
  app.on('before-quit', (event) => {
    if (quitState === 'disposed') return;
    // Hold the quit once, release the hosts (libvirt connections, event callbacks), then quit for real.
    event.preventDefault();
    if (quitState === 'disposing') return;
    quitState = 'disposing';
    disposeAll()
      .catch((error: unknown) => log.error('shutdown failed', error))
      .finally(() => {
        quitState = 'disposed';
        app.quit();
      });
  });
  // Ctrl-C under `electron-forge start`, or a service manager stopping us: go through the same shutdown.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log.error('Tandem failed to start', error);
      dialog.showErrorBox('Tandem failed to start', error instanceof Error ? error.message : String(error));
      app.exit(1);
    });
}
