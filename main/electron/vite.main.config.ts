/**
 * Vite config for the Electron main bundle, merged by Forge's vite plugin over its own defaults (CommonJS
 * library build to .vite/build/main.cjs, 'electron' and Node built-ins external, `node` resolve condition).
 *
 * The libvirt addon is not bundled and cannot be: native-helpers/libvirt loads it at run time through
 * createRequire(...)(path) with a path computed from TANDEM_LIBVIRT_ADDON or its own build folder, which the
 * bundler does not follow. Packaged builds ship native-helpers/libvirt/build/Release/tandem_libvirt.node as
 * an extra resource (forge.config.ts) and main.ts points TANDEM_LIBVIRT_ADDON at it, because a .node file
 * inside app.asar cannot be dlopen()ed. Marking `*.node` external below keeps any static import of an addon
 * from being inlined as an asset should one appear.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    // Electron 45 runs Node 22: no need to down-level the syntax our sources use.
    target: 'node22',
    sourcemap: true,
    rollupOptions: {
      external: [/\.node$/],
      // Vite builds this as a browser-platform library by default, and rolldown then replaces
      // `import.meta` with `{}` in CommonJS output. Our Node modules compute paths from import.meta.url
      // (createTandem's default assets, the libvirt addon loader), so the bundle must target Node, where
      // rolldown polyfills import.meta.url/dirname/filename from __filename.
      platform: 'node',
    },
  },
});
