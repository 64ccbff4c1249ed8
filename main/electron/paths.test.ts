import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopPaths } from './paths';

describe('desktopPaths', () => {
  it('uses the repository in development and leaves the addon to native-helpers', () => {
    expect(desktopPaths({ isPackaged: false, appPath: '/repo', resourcesPath: '/ignored' })).toEqual({
      assetsDir: join('/repo', 'assets'),
      rendererDir: join('/repo', 'dist', 'renderer'),
      preload: join('/repo', '.vite', 'build', 'preload.cjs'),
      libvirtAddon: undefined,
      deltaAddon: undefined,
    });
  });

  it('uses the extra resources beside app.asar when packaged', () => {
    const resources = '/opt/Tandem/resources';
    expect(desktopPaths({ isPackaged: true, appPath: join(resources, 'app.asar'), resourcesPath: resources })).toEqual({
      assetsDir: join(resources, 'assets'),
      rendererDir: join(resources, 'renderer'),
      preload: join(resources, 'app.asar', '.vite', 'build', 'preload.cjs'),
      libvirtAddon: join(resources, 'tandem_libvirt.node'),
      deltaAddon: join(resources, 'tandem_delta.node'),
    });
  });
});
