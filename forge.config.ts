/**
 * Electron Forge: `electron-forge start` (development) and `electron-forge make` (deb, rpm, zip).
 *
 * The vite plugin builds only the main process and the preload. The renderer is built on its own by
 * `npm run build:renderer` into dist/renderer (the same build browser mode serves) and shipped beside
 * app.asar as an extra resource, where main/electron/appProtocol.ts serves it over app://.
 */
import { MakerDeb } from '@electron-forge/maker-deb';
import type { MakerRpmConfig } from '@electron-forge/maker-rpm';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

const config: ForgeConfig = {
  packagerConfig: {
    // Native addons cannot be loaded from inside an asar archive; any .node file that ends up in the
    // archive is unpacked next to it.
    asar: { unpack: '**/*.node' },
    executableName: 'tandem',
    // Copied into the packaged app's resources folder (process.resourcesPath), each under its basename:
    // resources/assets, resources/renderer, resources/tandem_libvirt.node, resources/tandem_delta.node
    // (see main/electron/paths.ts).
    // The addons must be built first (npm run build:native); main.ts sets TANDEM_LIBVIRT_ADDON/TANDEM_DELTA_ADDON.
    extraResource: [
      'assets',
      'dist/renderer',
      'native-helpers/libvirt/build/Release/tandem_libvirt.node',
      'native-helpers/delta/build/Release/tandem_delta.node',
    ],
  },
  rebuildConfig: {},
  makers: [
    new MakerDeb({ options: { name: 'tandem', productName: 'Tandem', categories: ['System', 'Utility'] } }),
    // maker-rpm is still on Forge 7, whose class types do not match Forge 8's ForgeConfig (its platforms are
    // plain strings). Named by package, Forge 8 instantiates it itself; its config stays type-checked.
    {
      name: '@electron-forge/maker-rpm',
      config: { options: { name: 'tandem', productName: 'Tandem', categories: ['System', 'Utility'] } } satisfies MakerRpmConfig,
    },
    new MakerZIP({}, ['linux', 'darwin']),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'main/electron/main.ts', config: 'main/electron/vite.main.config.ts', target: 'main' },
        { entry: 'preload/index.ts', config: 'main/electron/vite.preload.config.ts', target: 'preload' },
      ],
      // No renderer entry: see the header comment.
      renderer: [],
    }),
    // Fuses are flipped in the Electron binary at package time (Electron's security checklist).
    new FusesPlugin({
      version: FuseVersion.V1,
      // The packaged app is not a Node runtime: ELECTRON_RUN_AS_NODE, NODE_OPTIONS and --inspect are off.
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      // Only our own, unmodified app.asar may be loaded.
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    }),
  ],
};

export default config;
