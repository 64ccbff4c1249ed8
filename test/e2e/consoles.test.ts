/**
 * Consoles in the real UI (Chromium, browser mode) on the QEMU test bed: a tiny guest started paused on
 * host0, its serial console opened from the VM panel before it runs, so the xterm shows the guest's marker
 * and counter from the first line; a VNC tab beside it whose noVNC canvas gets the guest's framebuffer
 * size and whose Ctrl+Alt+Del reboots the guest; switching tabs keeps both; copying from the terminal; a
 * console held by another client offered and taken over; the VM destroyed: the tabs say it stopped.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import {
  openConnection,
  openConsoleStream,
  virDomainConsoleFlags,
  virDomainCreateFlags,
  type Connection,
  type Domain,
} from '../../native-helpers/libvirt/lib/index';
import { MAX_CONSOLE_CLIENT_FRAME_BYTES } from '../../preload/api/consoles';
import { startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';
import { testbedOrFail } from '../support/requireTestbed';
import { createTinyGuest, removeTinyGuest, type TinyGuest } from '../testbed/tinyGuest';

const env = testbedOrFail();
const name = `e2e-console-${process.pid}`;

/** The terminal's text as xterm's DOM renderer shows it. */
const terminalText = (page: Page) =>
  page.$eval('[data-testid="console-panel"]:not([hidden]) [data-testid="serial-terminal"] .xterm-rows', (el) => (el as HTMLElement).innerText);

describe.skipIf(!env)('consoles in the browser, on the test bed', () => {
  let app: BrowserModeApp;
  let context: BrowserContext;
  let page: Page;
  let conn: Connection;
  let guest: TinyGuest;
  let domain: Domain | undefined;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    conn = await openConnection(env!.host0Uri);
    guest = await createTinyGuest(env!, { name, id: name, serial: 'pty' });
    app = await startBrowserModeApp(['--demo', 'never']);
    context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
    page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    page.on('console', (message) => {
      if (/^Refused to/.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(app.url);
    await page.fill('[data-testid="add-host-uri"]', env!.host0Uri);
    await page.click('[data-testid="add-host-submit"]');
    // Started paused: the console is open before the guest prints its first line.
    domain = await conn.createDomainXML(guest.xml, virDomainCreateFlags.VIR_DOMAIN_START_PAUSED);
    await page.waitForSelector(`[data-testid="vm-state-${name}"]`, { timeout: 30_000 });
  });

  afterAll(async () => {
    await domain?.destroy().catch(() => undefined); // transient: gone once destroyed
    await conn?.close();
    if (guest) await removeTinyGuest(guest);
    await app?.stop();
  });

  it('opens the serial console from the VM panel and shows the guest\'s marker and counter in xterm', async () => {
    await page.click(`[data-testid="vm-row-${name}"]`);
    await page.click('[data-testid="open-serial-console"]');
    await page.waitForSelector('[data-testid="console-tab"][data-status="open"]');
    await page.waitForSelector('[data-testid="serial-terminal"] .xterm-rows');
    await page.click('button:has-text("Virtual machines")');
    await page.click('[data-testid="vm-action-resume"]');
    await page.click('[data-testid="nav-consoles"]');
    await expect.poll(() => terminalText(page), { timeout: 60_000, interval: 250 }).toContain(`TANDEM-GUEST-READY id=${name}`);
    await expect.poll(() => terminalText(page), { timeout: 30_000, interval: 250 }).toMatch(/tandem-counter 2/);
  });

  it('opens a VNC tab beside it: noVNC gets the guest\'s framebuffer size; Ctrl+Alt+Del reboots the guest', async () => {
    await page.click('button:has-text("Virtual machines")');
    await page.click('[data-testid="open-vnc-console"]');
    await expect.poll(() => page.$$eval('[data-testid="console-tab"]', (tabs) => tabs.length)).toBe(2);
    const canvas = '[data-testid="console-panel"][data-kind="vnc"] [data-testid="vnc-screen"] canvas';
    await page.waitForSelector(canvas, { timeout: 30_000 });
    await expect
      .poll(() => page.$eval(canvas, (c) => (c as HTMLCanvasElement).width * (c as HTMLCanvasElement).height), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => page.innerText('[data-testid="vnc-status"]')).toMatch(/Connected.*\d+×\d+/);
    if (process.env.TANDEM_E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.TANDEM_E2E_SCREENSHOTS}/consoles-vnc.png` });
    await page.click('[data-testid="vnc-ctrl-alt-del"]');
    // The guest kernel takes the key combination as a reboot request; the serial tab sees it boot again.
    await page.click('[data-testid="console-tab"]:has-text("serial")');
    await expect.poll(() => terminalText(page), { timeout: 60_000, interval: 250 }).toMatch(/reboot: Restarting system[\s\S]*TANDEM-GUEST-READY/);
  });

  it('the serial tab keeps reading while another is shown, and copies its text', async () => {
    await page.click('[data-testid="console-tab"]:has-text("VNC")');
    await page.click('[data-testid="console-tab"]:has-text("serial")');
    const before = Number((await terminalText(page)).match(/tandem-counter (\d+)(?![\s\S]*tandem-counter)/)?.[1] ?? 0);
    await expect
      .poll(async () => Number((await terminalText(page)).match(/tandem-counter (\d+)(?![\s\S]*tandem-counter)/)?.[1] ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(before);
    if (process.env.TANDEM_E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.TANDEM_E2E_SCREENSHOTS}/consoles-serial.png` });
    await page.click('button:has-text("Select all")');
    await page.click('[data-testid="serial-copy"]');
    await expect.poll(() => page.innerText('[data-testid="serial-copy-status"]')).toBe('Copied the selection');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(`TANDEM-GUEST-READY id=${name}`);
    // Ctrl+Shift+V pastes into the guest (its tty echoes it); Ctrl+Shift+C copies as the button does.
    const pasted = `tandem-pasted-${process.pid}`;
    await page.evaluate((text) => navigator.clipboard.writeText(text), pasted);
    await page.click('[data-testid="console-panel"]:not([hidden]) [data-testid="serial-terminal"]');
    await page.keyboard.press('Control+Shift+V');
    await expect.poll(() => terminalText(page), { timeout: 30_000, interval: 250 }).toContain(pasted);
    await page.click('button:has-text("Select all")');
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.keyboard.press('Control+Shift+C');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain(pasted);
  });

  it('a paste larger than one console frame goes out in several: the console stays open and keeps reading', async () => {
    // One Ctrl+Shift+V is one xterm onData call: sent as one frame it would exceed the byte channel's cap,
    // and the server closes a channel whose client sends an oversized frame (1009), the console with it.
    const line = `# ${'x'.repeat(60)}\n`;
    await page.evaluate((text) => navigator.clipboard.writeText(text), line.repeat(Math.ceil((MAX_CONSOLE_CLIENT_FRAME_BYTES + 1024) / line.length)));
    await page.click('[data-testid="console-panel"]:not([hidden]) [data-testid="serial-terminal"]');
    const last = async () => Number((await terminalText(page)).match(/tandem-counter (\d+)(?![\s\S]*tandem-counter)/)?.[1] ?? 0);
    const before = await last();
    await page.keyboard.press('Control+Shift+V');
    await expect.poll(last, { timeout: 30_000, interval: 250 }).toBeGreaterThan(before + 1);
    expect(await page.$$('[data-testid="console-tab"][data-status="open"]:has-text("serial")')).toHaveLength(1);
    expect(await page.$$('[data-testid="console-closed"]')).toHaveLength(0);
  });

  it('offers to take over a serial console another program holds, and takes it over when asked', async () => {
    await page.click('[data-testid="console-tab"]:has-text("serial") ~ [data-testid="console-tab-close"]');
    await expect.poll(() => page.$$eval('[data-testid="console-tab"]', (tabs) => tabs.length)).toBe(1);
    // Another client (as `virsh console` would) holds the console once Tandem has let it go: the tab's close
    // reaches libvirtd through the server and its stream abort, which can take more than expect.poll's default
    // second on a loaded machine.
    let outside: Duplex | undefined;
    await expect
      .poll(async () => (outside ??= await openConsoleStream(domain!, null, virDomainConsoleFlags.VIR_DOMAIN_CONSOLE_SAFE).catch(() => undefined)) !== undefined, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(true);
    const outsideClosed = new Promise<void>((resolve) => outside!.once('close', () => resolve()));
    outside!.on('error', () => undefined); // libvirt cuts it with an RPC error when Tandem forces
    outside!.resume(); // a reader, as a real client has: the cut is seen when the stream is read
    await page.click('button:has-text("Virtual machines")');
    await page.click('[data-testid="open-serial-console"]');
    const busy = page.locator('[data-testid="console-busy"]');
    await busy.waitFor();
    expect(await busy.innerText()).toMatch(/Another client .* holds this serial console/);
    await busy.locator('button:has-text("Take over")').click();
    await page.waitForSelector('[data-testid="console-tab"][data-status="open"]:has-text("serial")');
    await outsideClosed;
    await expect.poll(() => terminalText(page), { timeout: 30_000, interval: 250 }).toMatch(/tandem-counter \d+/);
  });

  it('says so in the tabs when the VM stops', async () => {
    await domain!.destroy();
    domain = undefined;
    await expect
      .poll(() => page.$$eval('[data-testid="console-tab"]', (tabs) => tabs.map((t) => t.getAttribute('data-status'))), { timeout: 30_000 })
      .toEqual(['closed', 'closed']);
    expect(await page.innerText('[data-testid="console-panel"]:not([hidden]) [data-testid="console-closed"]')).toContain('The VM stopped.');
  });

  it('needs no CSP exception: only xterm\'s <style> elements are refused, and their rules apply through the CSSOM mirror', async () => {
    expect(cspViolations.filter((v) => !/^Refused to apply inline style/.test(v))).toEqual([]);
    await page.click('[data-testid="console-tab"]:has-text("serial")');
    // xterm's theme (white on black) lives in one of those <style> elements: without the mirror the rows
    // would inherit the page's dark text.
    const color = await page.$eval('[data-testid="serial-terminal"] .xterm-rows', (el) => getComputedStyle(el).color);
    expect(color).toBe('rgb(255, 255, 255)');
  });
});
