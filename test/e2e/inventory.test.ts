/**
 * The inventory and VM editing in Chromium against browser mode: two hosts (the demo host and libvirt's
 * stock test:///default), filter by host and state, search, sort, multi-select two demo VMs and pause
 * them (a result per VM), star a VM, tag one and filter by the tag, and edit a VM's vCPUs (the result says
 * where it took effect; bad input shows a field error).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';

const rowNames = (page: Page) =>
  page.$$eval('tr[data-key]', (rows) => rows.map((row) => row.getAttribute('data-testid')!.replace(/^vm-row-/, '')));

describe('the inventory table and VM editing, in the browser', () => {
  let app: BrowserModeApp;
  let page: Page;

  beforeAll(async () => {
    app = await startBrowserModeApp(['--demo', 'always']);
    page = await openAppPage(app, { width: 1400, height: 900 });
    await page.waitForSelector('[data-testid="vm-row-web-frontend"]');
    // A second host: libvirt's built-in test host with its one VM, "test".
    await page.fill('[data-testid="add-host-uri"]', 'test:///default');
    await page.click('[data-testid="add-host-submit"]');
    await page.waitForSelector('[data-testid="vm-row-test"]');
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('filters by host and by state, and searches', async () => {
    await expect.poll(() => rowNames(page)).toHaveLength(7);
    const hostValue = await page.$eval('[data-testid="vm-filter-host"]', (el) =>
      [...(el as HTMLSelectElement).options].find((o) => o.text !== 'All hosts' && o.text !== 'Demo host')!.value,
    );
    await page.selectOption('[data-testid="vm-filter-host"]', hostValue);
    await expect.poll(() => rowNames(page)).toEqual(['test']);
    await page.selectOption('[data-testid="vm-filter-host"]', 'demo');
    await expect.poll(() => rowNames(page)).toHaveLength(6);
    await page.selectOption('[data-testid="vm-filter-state"]', 'shutoff');
    await expect.poll(() => rowNames(page)).toEqual(['db-replica', 'windows-11']);
    await page.selectOption('[data-testid="vm-filter-state"]', '');
    await page.fill('[data-testid="vm-filter"]', 'db');
    await expect.poll(() => rowNames(page)).toEqual(['db-primary', 'db-replica']);
    await page.fill('[data-testid="vm-filter"]', '');
    await page.selectOption('[data-testid="vm-filter-host"]', '');
    await expect.poll(() => rowNames(page)).toHaveLength(7);
  });

  it('sorts by a column, and the other way on a second click', async () => {
    await page.selectOption('[data-testid="vm-filter-host"]', 'demo');
    await page.click('[data-testid="vm-sort-memory"]');
    await expect.poll(async () => (await rowNames(page))[0]).toBe('router-lab'); // 512 MiB, the smallest
    await page.click('[data-testid="vm-sort-memory"]');
    await expect.poll(async () => (await rowNames(page))[0]).toBe('build-runner'); // 16 GiB
    await page.click('[data-testid="vm-sort-name"]');
    await expect.poll(() => rowNames(page)).toEqual(['build-runner', 'db-primary', 'db-replica', 'router-lab', 'web-frontend', 'windows-11']);
  });

  it('multi-selects two running VMs and pauses them, reporting each', async () => {
    await page.click('[data-testid="vm-check-web-frontend"]');
    await page.click('[data-testid="vm-check-db-primary"]');
    expect(await page.locator('[data-testid="vm-bulk-count"]').innerText()).toBe('2 selected');
    await page.click('[data-testid="vm-bulk-suspend"]');
    await page.waitForSelector('[data-testid="vm-bulk-result-web-frontend"][data-outcome="done"]');
    await page.waitForSelector('[data-testid="vm-bulk-result-db-primary"][data-outcome="done"]');
    await page.waitForSelector('[data-testid="vm-row-web-frontend"][data-state="paused"]');
    await page.waitForSelector('[data-testid="vm-row-db-primary"][data-state="paused"]');
    // Pausing again: nothing to do, each VM says why.
    await page.click('[data-testid="vm-bulk-suspend"]');
    await page.waitForSelector('[data-testid="vm-bulk-result-web-frontend"][data-outcome="skipped"]');
    await page.click('[data-testid="vm-bulk-resume"]');
    await page.waitForSelector('[data-testid="vm-row-db-primary"][data-state="running"]');
    await page.click('[data-testid="vm-bulk-clear"]');
  });

  it('stars a VM (saved in main) and tags one, then filters by the tag', async () => {
    await page.click('[data-testid="vm-star-db-replica"]');
    await page.waitForSelector('[data-testid="vm-star-db-replica"][aria-pressed="true"]');
    await page.click('[data-testid="vm-row-db-replica"]');
    await page.fill('[data-testid="vm-tag-input"]', 'prod');
    await page.press('[data-testid="vm-tag-input"]', 'Enter');
    await expect.poll(() => page.locator('[data-testid="vm-row-db-replica"] .tag-chip').allInnerTexts()).toEqual(['prod']);
    await page.selectOption('[data-testid="vm-filter-tag"]', 'prod');
    await expect.poll(() => rowNames(page)).toEqual(['db-replica']);
    await page.selectOption('[data-testid="vm-filter-tag"]', '');
  });

  it('edits the vCPUs of a running VM and says the change is live and saved; refuses 0 at the field', async () => {
    await page.click('[data-testid="vm-row-web-frontend"]');
    const vcpus = page.locator('[data-testid="hw-vcpus"]');
    await expect.poll(() => vcpus.inputValue()).toBe('2');
    await vcpus.fill('0');
    await page.click('[data-testid="hw-apply"]');
    await expect.poll(() => page.locator('[data-testid="hw-error-vcpus.current"]').innerText()).toMatch(/at least 1 vCPU/);
    await vcpus.fill('1');
    await page.click('[data-testid="hw-apply"]');
    await page.waitForSelector('[data-testid="hw-result-vcpus.current"][data-applied="both"]');
    expect(await page.locator('[data-testid="hw-result-vcpus.current"]').innerText()).toMatch(/applied now and saved/);
    await expect.poll(() => page.locator('[data-testid="vm-row-web-frontend"] td.col-num').first().innerText()).toBe('1');
  });
});
