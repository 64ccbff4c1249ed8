/**
 * Vite config for the preload script, merged by Forge's vite plugin over its defaults (one CommonJS file in
 * .vite/build, 'electron' external). A sandboxed preload cannot require anything but a few built-ins, so
 * everything it imports (the contract's channel names) must be inlined: nothing else is made external.
 *
 * The bundle is ~190 kB because preload/contract.ts builds its zod schemas at load time and the bundler
 * must keep that code even though the preload only reads two string constants. It is harmless (zod needs
 * nothing from Node), and goes away if the channel names move to a schema-free module.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    // Electron 45 ships Chromium 140.
    target: 'chrome140',
    rollupOptions: {
      output: {
        // Forge names the output after the entry file (index.cjs); main/electron/paths.ts expects this name.
        entryFileNames: 'preload.cjs',
      },
    },
  },
});
