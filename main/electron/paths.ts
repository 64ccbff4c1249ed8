/**
 * Where things are on disk, packaged or not. Packaged, Forge copies `assets/`, `dist/renderer` and the
 * libvirt addon next to app.asar (packagerConfig.extraResource), i.e. into process.resourcesPath; the main
 * and preload bundles live inside app.asar under .vite/build. In development (`electron-forge start`)
 * app.getAppPath() is the repository root.
 */
import { join } from 'node:path';
import { ADDON_FILE } from '../../native-helpers/libvirt/lib/index';
import { DELTA_ADDON_FILE } from '../../native-helpers/delta/lib/binding';

export interface DesktopPaths {
  assetsDir: string;
  rendererDir: string;
  preload: string;
  /** The libvirt addon when packaged; undefined in development, where native-helpers finds its own build. */
  libvirtAddon: string | undefined;
  /** The delta engine addon when packaged (checkpoint memory states, replication); undefined in development. */
  deltaAddon: string | undefined;
}

export interface AppLocation {
  isPackaged: boolean;
  /** app.getAppPath(): the repository root in development, .../resources/app.asar when packaged. */
  appPath: string;
  /** process.resourcesPath. */
  resourcesPath: string;
}

/** Forge's vite plugin writes both bundles to .vite/build; vite.preload.config.ts names the preload. */
export const BUILD_DIR = join('.vite', 'build');
export const PRELOAD_FILE = 'preload.cjs';

export function desktopPaths({ isPackaged, appPath, resourcesPath }: AppLocation): DesktopPaths {
  const preload = join(appPath, BUILD_DIR, PRELOAD_FILE);
  if (isPackaged) {
    return {
      assetsDir: join(resourcesPath, 'assets'),
      // extraResource copies a folder under its basename: dist/renderer becomes resources/renderer.
      rendererDir: join(resourcesPath, 'renderer'),
      preload,
      // A .node file cannot be dlopen()ed from inside an asar archive, so it ships as an extra resource.
      libvirtAddon: join(resourcesPath, ADDON_FILE),
      deltaAddon: join(resourcesPath, DELTA_ADDON_FILE),
    };
  }
  return {
    assetsDir: join(appPath, 'assets'),
    rendererDir: join(appPath, 'dist', 'renderer'),
    preload,
    libvirtAddon: undefined,
    deltaAddon: undefined,
  };
}
