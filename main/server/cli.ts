/**
 * `tandem serve`: Tandem headless, with its UI in a browser. Used by `npm start` when Electron cannot
 * run, by the end-to-end tests, and by anyone who prefers a browser tab.
 *
 *   tsx main/server/cli.ts [--port N] [--host 127.0.0.1] [--data-dir DIR] [--demo auto|always|never]
 *                          [--no-local] [--url-file FILE]
 *
 * Test-only: TANDEM_TEST_OTHER_MACHINE_URIS (comma-separated host URIs) makes the checkpoint engine take
 * those hosts as another machine's (see createTandem's checkpointOtherMachineUris): the end-to-end test of
 * that refusal has only this machine's test bed hosts.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTandem, defaultDataDir } from '../bootstrap/createTandem';
import { createLogger } from '../core/logging';
import { startServer } from './TandemServer';

const log = createLogger('serve');
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.TANDEM_PORT ?? '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      demo: { type: 'string', default: 'auto' },
      'no-local': { type: 'boolean', default: false },
      'url-file': { type: 'string' },
      'static-dir': { type: 'string', default: join(repoRoot, 'dist', 'renderer') },
    },
  });
  const demo = values.demo;
  if (demo !== 'auto' && demo !== 'always' && demo !== 'never') throw new Error('--demo takes auto, always or never');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, not ${values.port}`);
  if (!/^(127\.|::1$|localhost$)/.test(values.host)) {
    log.warn(`binding to ${values.host}: Tandem will be reachable from other machines (token still required)`);
  }

  const tandem = await createTandem({
    mode: 'browser',
    dataDir: values['data-dir'] ?? defaultDataDir(),
    demo,
    localUri: values['no-local'] ? null : undefined,
    checkpointOtherMachineUris: (process.env.TANDEM_TEST_OTHER_MACHINE_URIS ?? '').split(',').filter(Boolean),
  });
  const server = await startServer({ tandem, host: values.host, port, staticDir: values['static-dir'] });
  if (values['url-file']) await writeFile(values['url-file'], server.url + '\n', { mode: 0o600 });
  console.log(`Tandem is running in browser mode. Open: ${server.url}`);

  // Ctrl-C under `npm start` reaches this process twice (the terminal's SIGINT, then start.sh's SIGTERM): one
  // shutdown. A second signal of the same kind finds no listener left and ends the process at once.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    await server.close();
    await tandem.dispose();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`tandem serve: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
