/**
 * Tandem as a user runs it in browser mode: `main/server/cli.ts` as a child process with its own data
 * folder, and Debian's Chromium driven by playwright-core (Playwright's own browser downloads are not
 * possible here, and not needed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export interface BrowserModeApp {
  url: string;
  browser: Browser;
  /** The server's data folder (deleted by stop()). */
  dataDir: string;
  /** Everything the server printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

export async function startBrowserModeApp(extraArgs: string[] = []): Promise<BrowserModeApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-e2e-'));
  const urlFile = join(dataDir, 'url');
  const server: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'main', 'server', 'cli.ts'), '--data-dir', dataDir, '--url-file', urlFile, '--no-local', ...extraArgs],
    { cwd: ROOT, env: { ...process.env, TANDEM_LOG_LEVEL: process.env.TANDEM_LOG_LEVEL ?? 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout?.on('data', (d) => (output += String(d)));
  // Kept (for tests that check what was logged) and still shown.
  server.stderr?.on('data', (d) => {
    output += String(d);
    process.stderr.write(d as Buffer);
  });
  const stopServer = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  };
  let url = '';
  let browser: Browser;
  try {
    const deadline = Date.now() + 30_000;
    while (!url) {
      if (server.exitCode !== null) throw new Error(`tandem serve exited with ${server.exitCode}: ${output}`);
      if (Date.now() > deadline) throw new Error(`tandem serve printed no URL in 30 s: ${output}`);
      url = (await readFile(urlFile, 'utf8').catch(() => '')).trim();
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    // Playwright gives each launch a fresh temporary profile of its own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (error) {
    // Nothing half-started survives a failed start: the server child would keep the test runner alive.
    await stopServer();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    browser,
    dataDir,
    output: () => output,
    async stop() {
      await browser.close();
      await stopServer();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the app in a new page of `viewport`; an uncaught error in the page fails the test. `prepare` runs on
 * the page before the app loads (to watch its console, say).
 */
export async function openAppPage(app: BrowserModeApp, viewport = { width: 1280, height: 800 }, prepare?: (page: Page) => void): Promise<Page> {
  const page = await app.browser.newPage({ viewport });
  prepare?.(page);
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(app.url);
  return page;
}

export interface DemoHostApp {
  app: BrowserModeApp;
  page: Page;
  /** The page's uncaught errors, collected (not thrown) for the test to check at its end. */
  pageErrors: Error[];
}

/**
 * Tandem in browser mode with its app open in a 1280x900 page, once the demo host shows as connected. The app
 * is stopped again when the page does not get there.
 */
export async function startOnDemoHost(): Promise<DemoHostApp> {
  const app = await startBrowserModeApp();
  try {
    const page = await app.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: Error[] = [];
    page.on('pageerror', (error) => pageErrors.push(error));
    await page.goto(app.url);
    await page.waitForSelector('[data-testid="host-item-demo"][data-status="connected"]', { timeout: 15_000 });
    return { app, page, pageErrors };
  } catch (error) {
    await app.stop();
    throw error;
  }
}
