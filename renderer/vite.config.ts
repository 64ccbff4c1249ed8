// Builds the renderer (this folder) into dist/renderer at the repo root, served by main/server in browser
// mode and loaded by the Electron window. Relative asset URLs (base './') work from any mount point.
// Vite emits CSS as files and scripts as modules, so the strict CSP in index.html needs no exceptions.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Inline nothing: data: URLs for scripts or styles would be blocked by the CSP.
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: true,
  },
});
