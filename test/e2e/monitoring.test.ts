/**
 * Live charts in the real UI (Chromium, browser mode): a VM's CPU chart gains points as ticks arrive (on
 * the demo host, whose test driver reports no CPU time, the points are there but empty); on the test bed a
 * running tiny guest added through the UI draws real CPU values, and its host's charts too. No CSP
 * violation is reported while uPlot draws.
 */
import { hostIdForUri } from '../../main/core/hosts/hostUri';
import { openConnection } from '../../native-helpers/libvirt/lib/index';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';
import { testbedOrFail } from '../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../testbed/tinyGuest';

const env = testbedOrFail();

const chartNumber = (page: Page, testId: string, attribute: 'data-points' | 'data-values') =>
  page.getAttribute(`[data-testid="${testId}"]`, attribute).then(Number);

function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    // A violation reads "Refused to apply/load/execute ... because it violates the following Content Security Policy".
    if (/Refused to .*Content Security Policy/is.test(message.text())) violations.push(message.text());
  });
  return violations;
}

describe('live charts on the demo host', () => {
  let app: BrowserModeApp;
  let page: Page;
  let csp: string[];

  beforeAll(async () => {
    app = await startBrowserModeApp(['--demo', 'always']);
    page = await openAppPage(app, { width: 1280, height: 900 }, (p) => (csp = watchCsp(p)));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("a VM's CPU chart gets new points as samples arrive", async () => {
    await page.click('[data-testid="vm-row-db-primary"]');
    await page.waitForSelector('[data-testid="vm-chart-cpu"] canvas');
    await expect.poll(() => chartNumber(page, 'vm-chart-cpu', 'data-points'), { timeout: 15_000 }).toBeGreaterThan(0);
    const first = await chartNumber(page, 'vm-chart-cpu', 'data-points');
    await expect.poll(() => chartNumber(page, 'vm-chart-cpu', 'data-points'), { timeout: 15_000 }).toBeGreaterThan(first + 1);
    expect(csp.join('\n')).toBe('');
  });

  it('changes the sampling interval; main keeps it (a reloaded page shows it)', async () => {
    await page.selectOption('[data-testid="monitoring-interval"]', '5');
    await expect.poll(() => page.inputValue('[data-testid="monitoring-interval"]')).toBe('5');
    await page.reload();
    await page.click('[data-testid="vm-row-db-primary"]');
    await expect.poll(() => page.inputValue('[data-testid="monitoring-interval"]'), { timeout: 10_000 }).toBe('5');
  });
});

describe.skipIf(!env)('live charts of a real guest on the test bed', () => {
  let app: BrowserModeApp;
  let page: Page;
  let guest: TinyGuest;
  let csp: string[];
  const uri = env?.host1Uri ?? '';
  const hostId = hostIdForUri(uri, new Set());

  beforeAll(async () => {
    // The guest is defined and started outside Tandem (as `virsh` would), on host1 of the test bed.
    guest = await createTinyGuest(env!, { name: `e2e-monitoring-${process.pid}`, id: `e2e-monitoring-${process.pid}` });
    const conn = await openConnection(uri);
    try {
      const domain = await conn.defineDomainXML(guest.xml);
      await domain.create();
      domain.free();
    } finally {
      await conn.close();
    }
    await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
    app = await startBrowserModeApp(['--demo', 'never']);
    page = await openAppPage(app, { width: 1280, height: 900 }, (p) => (csp = watchCsp(p)));
  });

  afterAll(async () => {
    await app?.stop();
    if (guest) {
      const conn = await openConnection(uri);
      try {
        const domain = await conn.lookupDomainByUUIDString(guest.uuid).catch(() => undefined);
        if (domain) {
          await domain.destroy().catch(() => undefined);
          await domain.undefine().catch(() => undefined);
          domain.free();
        }
      } finally {
        await conn.close();
      }
      await removeTinyGuest(guest);
    }
  });

  it('adds the host in the UI, opens the guest and sees its CPU chart draw real values', async () => {
    await page.fill('[data-testid="add-host-uri"]', uri);
    await page.click('[data-testid="add-host-submit"]');
    await page.waitForSelector(`[data-testid="host-item-${hostId}"][data-status="connected"]`, { timeout: 20_000 });
    await page.click(`[data-testid="vm-row-${guest.name}"]`);
    await page.waitForSelector('[data-testid="vm-chart-cpu"] canvas');
    await expect.poll(() => chartNumber(page, 'vm-chart-cpu', 'data-values'), { timeout: 20_000 }).toBeGreaterThan(0);
    const first = await chartNumber(page, 'vm-chart-cpu', 'data-points');
    await expect.poll(() => chartNumber(page, 'vm-chart-cpu', 'data-points'), { timeout: 15_000 }).toBeGreaterThan(first + 1);
    await expect.poll(() => chartNumber(page, 'vm-chart-memory', 'data-values'), { timeout: 5_000 }).toBeGreaterThan(0);
    expect(await page.innerText('[data-testid="vm-chart-cpu"] figcaption')).toMatch(/CPU \d+(\.\d)? %/);
  });

  it("shows the host's CPU and memory charts on its page", async () => {
    // Selecting the host shows its actions; "Details" opens its page.
    await page.click(`[data-testid="host-item-${hostId}"] .host-select`);
    await page.click(`[data-testid="host-open-${hostId}"]`);
    await page.waitForSelector(`[data-testid="host-charts-${hostId}"]`);
    await expect.poll(() => chartNumber(page, 'host-chart-cpu', 'data-values'), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => chartNumber(page, 'host-chart-memory', 'data-values'), { timeout: 5_000 }).toBeGreaterThan(0);
    expect(csp.join('\n')).toBe('');
  });
});
