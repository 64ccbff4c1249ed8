/**
 * The VM row's context menu from the keyboard, in Chromium on the demo host (libvirt's test driver): focus
 * stays where a keyboard user is. After an item ran, focus is back on the VM's row (not lost to the page);
 * after a dialog the menu opened closes, too: Force off's confirmation here (the demo host has no checkpoints;
 * the take dialog's is in checkpoints.test.ts, on the test bed).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';

const focused = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? document.activeElement?.tagName);

describe('VM context menu focus, on the demo host', () => {
  let app: BrowserModeApp;
  let page: Page;

  beforeAll(async () => {
    app = await startBrowserModeApp();
    page = await openAppPage(app);
    await page.waitForSelector('[data-testid="host-item-demo"][data-status="connected"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="vm-row-db-replica"]');
  });

  afterAll(async () => {
    await app?.stop();
  });

  async function openMenuOn(row: string): Promise<void> {
    await page.focus(`[data-testid="vm-row-${row}"]`);
    await page.keyboard.press('Shift+F10');
    await page.waitForSelector('[data-testid="vm-context-menu"]');
  }

  it('runs an item with Enter and gives focus back to the row', async () => {
    await openMenuOn('db-replica');
    expect(await focused(page)).toBe('vm-menu-start');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="vm-row-db-replica"][data-state="running"]', { timeout: 15_000 });
    expect(await page.locator('[data-testid="vm-context-menu"]').count()).toBe(0);
    expect(await focused(page)).toBe('vm-row-db-replica');
  });

  it("gives focus back to the row when Force off's confirmation is cancelled", async () => {
    await openMenuOn('db-replica');
    await page.focus('[data-testid="vm-menu-destroy"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="vm-menu-confirm"]');
    expect(await focused(page)).toBe('vm-menu-confirm-ok');
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid="vm-menu-confirm"]').count()).toBe(0);
    expect(await focused(page)).toBe('vm-row-db-replica');

  });

  it('closes with Escape and gives focus back to the row', async () => {
    await openMenuOn('db-primary');
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid="vm-context-menu"]').count()).toBe(0);
    expect(await focused(page)).toBe('vm-row-db-primary');
  });
});
