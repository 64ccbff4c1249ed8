/**
 * The topology view in Chromium, against Tandem in browser mode on its embedded demo host (libvirt's test
 * driver): its two networks and six VMs, each VM linked to the network its interface is on.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';

describe('the topology view on the demo host', () => {
  let app: BrowserModeApp;
  let page: Page;

  beforeAll(async () => {
    app = await startBrowserModeApp();
    page = await openAppPage(app);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('draws the demo host, its networks and VMs, and the links between them', async () => {
    await page.waitForSelector('[data-testid="host-item-demo"][data-status="connected"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid^="vm-row-"]');
    await page.click('[data-testid="topology-open"]');
    await page.waitForSelector('[data-testid="topology-node-network:demo:lab-net"]', { timeout: 15_000 });
    const nodes = await page.$$eval('[data-testid^="topology-node-"]', (els) => els.map((e) => e.getAttribute('data-testid')!.replace('topology-node-', '')));
    expect(nodes.filter((n) => !n.startsWith('vm:')).sort()).toEqual(['host:demo', 'network:demo:default', 'network:demo:lab-net']);
    const vmLabels = await page.$$eval('[data-testid^="topology-node-vm:"] .topology-label', (els) => els.map((e) => e.textContent).sort());
    expect(vmLabels).toEqual(['build-runner', 'db-primary', 'db-replica', 'router-lab', 'web-frontend', 'windows-11']);
    const links = await page.$$eval('[data-testid^="topology-link-"]', (els) =>
      els.map((e) => e.getAttribute('data-testid')!.replace('topology-link-', '')),
    );
    const vmOf = Object.fromEntries(
      await page.$$eval('[data-testid^="topology-node-vm:"]', (els) =>
        els.map((e) => [e.getAttribute('data-testid')!.replace('topology-node-', ''), e.querySelector('.topology-label')!.textContent]),
      ),
    ) as Record<string, string>;
    const vmsOn = (network: string) =>
      links
        .filter((l) => l.startsWith(`network:demo:${network}->`))
        .map((l) => vmOf[l.split('->')[1]!])
        .sort();
    expect(vmsOn('lab-net')).toEqual(['db-primary', 'db-replica', 'router-lab', 'web-frontend']);
    expect(vmsOn('default')).toEqual(['build-runner', 'windows-11']);
    expect(links).toEqual(expect.arrayContaining(['host:demo->network:demo:default', 'host:demo->network:demo:lab-net']));
    const svgText = await page.locator('[data-testid="topology-view"] svg').textContent();
    expect(svgText).toContain('nat · 192.168.122.0/24');
    expect(svgText).toContain('isolated · 10.77.0.0/24');
  });

  it('closes back to the VM table', async () => {
    await page.click('[data-testid="topology-close"]');
    await page.waitForSelector('[data-testid="topology-view"]', { state: 'detached' });
    await page.waitForSelector('[data-testid^="vm-row-"]');
  });
});
