/**
 * The migration dialog in Chromium, on the test bed: the user adds the two TCP hosts by URI, opens a running
 * tiny guest on host1, reads the check's warning, allows the unsafe shared-storage migration, caps the
 * bandwidth low so the progress can be watched, starts, watches data processed / remaining move, and reads
 * the final report (total time, downtime); the VM's row moves to host2. The guest's serial console, open
 * before, then says the VM moved to host2 and reopens there. Then "Evacuate" on host2's item brings it back
 * to host1.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, type Connection } from '../../native-helpers/libvirt/lib/index';
import { startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';
import { testbedOrFail } from '../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../testbed/tinyGuest';

const env = testbedOrFail();

async function addHost(page: Page, uri: string, name: string): Promise<void> {
  await page.fill('[data-testid="add-host-uri"]', uri);
  await page.fill('[data-testid="add-host-name"]', name);
  await page.click('[data-testid="add-host-submit"]');
  await page.waitForSelector(`[data-testid^="host-item-"][data-status="connected"]:has-text("${name}")`, { timeout: 30_000 });
}

describe.skipIf(!env)('the migration dialog, in Chromium, on the test bed', () => {
  let app: BrowserModeApp;
  let page: Page;
  let guest: TinyGuest;
  let host1: Connection;
  const errors: Error[] = [];

  beforeAll(async () => {
    guest = await createTinyGuest(env!, { name: `e2e-mig-${process.pid}`, serial: 'pty' });
    host1 = await openConnection(env!.host1Uri);
    const dom = await host1.defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
    app = await startBrowserModeApp(['--demo', 'never']);
    page = await app.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => errors.push(error));
    await page.goto(app.url);
  });

  afterAll(async () => {
    await app?.stop();
    for (const uri of [env!.host1Uri, env!.host2Uri]) {
      const conn = await openConnection(uri);
      const dom = await conn.lookupDomainByName(guest.name).catch(() => undefined);
      await dom?.destroy().catch(() => undefined);
      await dom?.undefine().catch(() => undefined);
      await conn.close();
    }
    await host1?.close();
    if (guest) await removeTinyGuest(guest);
  });

  it('migrates a running guest from the dialog and shows progress to the final report', async () => {
    await addHost(page, env!.host1Uri, 'bed host1');
    await addHost(page, env!.host2Uri, 'bed host2');
    const row = page.locator(`[data-testid="vm-row-${guest.name}"]`);
    await row.waitFor({ timeout: 30_000 });
    const sourceHost = await row.getAttribute('data-host');
    await row.click();
    // Its serial console, open while it migrates (checked in the next test).
    await page.click('[data-testid="open-serial-console"]');
    await page.waitForSelector('[data-testid="console-tab"][data-status="open"]');
    await page.click('button:has-text("Virtual machines")');
    await page.click('[data-testid="vm-migrate"]');
    const dialog = page.locator('[data-testid="migration-dialog"]');
    await dialog.waitFor();

    // The shared test-bed folder is a plain directory: the check warns until unsafe is allowed.
    await dialog.locator('[data-testid="warning-storage.cache-unsafe"]').waitFor({ timeout: 20_000 });
    await dialog.locator('[data-testid="migration-unsafe"]').check();
    await dialog.locator('[data-testid="migration-bandwidth"]').fill('8');
    await dialog.locator('text=Ready to migrate to bed host2').waitFor({ timeout: 20_000 });
    await dialog.locator('[data-testid="migration-start"]').click();

    // Progress: processed / remaining move while it runs, and Cancel is offered.
    const processed = dialog.locator('[data-testid="figure-dataProcessed"]');
    await processed.waitFor({ timeout: 30_000 });
    await dialog.locator('[data-testid="figure-dataRemaining"]').waitFor();
    await dialog.locator('button:has-text("Cancel")').waitFor();
    const first = await processed.innerText();
    await expect.poll(() => processed.innerText().catch(() => first), { timeout: 30_000 }).not.toBe(first);

    const report = dialog.locator('[data-testid="migration-report"]');
    await report.waitFor({ timeout: 120_000 });
    expect(await dialog.locator('[data-testid="report-downtime"]').innerText()).toMatch(/^\d+ ms$|^\d+\.\d+ s$/);
    expect(await dialog.locator('[data-testid="report-total"]').innerText()).toMatch(/s$/);
    await expect.poll(() => row.getAttribute('data-host'), { timeout: 30_000 }).not.toBe(sourceHost);
    await dialog.locator('[data-testid="migration-close"]').click();
    await dialog.waitFor({ state: 'detached' });
    // The jobs panel lists the finished job once opened.
    await page.click('[data-testid="jobs-panel"] .jobs-toggle');
    await page.locator('[data-testid="jobs-panel"] [data-state="succeeded"]').waitFor();
    expect(errors).toEqual([]);
  });

  it('the serial console open during the migration says the VM moved to host2, and reopens it there', async () => {
    await page.click('[data-testid="nav-consoles"]');
    const note = page.locator('[data-testid="console-closed"]');
    await expect.poll(() => note.innerText(), { timeout: 30_000 }).toContain('The VM moved to bed host2.');
    await page.click('[data-testid="console-open-moved"]');
    await page.waitForSelector('[data-testid="console-tab"][data-status="open"]');
    const terminal = () =>
      page.$eval('[data-testid="console-panel"]:not([hidden]) [data-testid="serial-terminal"] .xterm-rows', (el) => (el as HTMLElement).innerText);
    const last = () => terminal().then((text) => Number(text.match(/tandem-counter (\d+)(?![\s\S]*tandem-counter)/)?.[1] ?? 0));
    const before = await last();
    await expect.poll(last, { timeout: 30_000 }).toBeGreaterThan(before);
    await page.click('button:has-text("Virtual machines")');
    expect(errors).toEqual([]);
  });

  it('evacuates host2 from its host item: the guest comes back to host1', async () => {
    const row = page.locator(`[data-testid="vm-row-${guest.name}"]`);
    const host2Id = (await row.getAttribute('data-host'))!;
    await page.hover(`[data-testid="host-item-${host2Id}"]`); // a host's actions show on hover or selection
    await page.click(`[data-testid="evacuate-${host2Id}"]`);
    await page.locator('.evacuate-confirm input[type="checkbox"]').check();
    await page.click(`[data-testid="evacuate-confirm-${host2Id}"]`);
    const job = page.locator('[data-testid="jobs-panel"] .job').filter({ hasText: 'Evacuate bed host2' });
    await job.waitFor({ timeout: 20_000 });
    await expect.poll(() => row.getAttribute('data-host'), { timeout: 120_000 }).not.toBe(host2Id);
    await page.locator('[data-testid="jobs-panel"] [data-state="succeeded"]').filter({ hasText: 'Evacuate bed host2' }).waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-state')).toBe('running');
    expect(errors).toEqual([]);
  });
});
