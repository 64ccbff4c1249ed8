/**
 * Three suites, one runner:
 * - unit: next to the code (`*.test.ts`), plain Node; the libvirt binding's own tests use libvirt's test
 *   driver, which needs no daemon;
 * - integration: test/integration, against the test driver and the real QEMU test bed (scripts/testbed);
 * - e2e: test/e2e, the real UI in Debian's Chromium driven by playwright-core, in browser mode.
 * Timing is never asserted here: speed is measured by `npm run bench`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['main/**/*.test.ts', 'preload/**/*.test.ts', 'renderer/**/*.test.ts', 'native-helpers/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Guests are heavy under TCG (about 200 MB and a core each): one file at a time.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
