/**
 * Hosts in the real UI (Chromium, browser mode): add a host by URI and see its VMs; open its host page
 * (capabilities, pools; on the QEMU test bed also firmware and acceleration); connect to a host that asks
 * for a password through the credential dialog, with a real Secret Service remembering it.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAuthTestNode } from '../support/authTestNode';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';
import { testbedOrFail } from '../support/requireTestbed';
import { startSecretService, type PrivateSecretService } from '../support/secretService';

const testbed = testbedOrFail();

/** The id main derives from a URI (see hostIdForUri). */
const hostIdOf = (uri: string) => uri.toLowerCase().replace(/\?.*$/, '').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 56);

/** Selecting a host in the sidebar shows its actions (Details, Edit, ...). */
async function openHostPage(page: Page, id: string): Promise<void> {
  await page.click(`[data-testid="host-item-${id}"] .host-select`);
  await page.click(`[data-testid="host-open-${id}"]`);
}

async function addHost(page: Page, uri: string, name: string): Promise<void> {
  await page.fill('[data-testid="add-host-uri"]', uri);
  await page.fill('[data-testid="add-host-name"]', name);
  await page.click('[data-testid="add-host-submit"]');
}

describe('hosts in the browser', () => {
  let keyring: PrivateSecretService;
  let work: string;
  let app: BrowserModeApp;
  let page: Page;

  beforeAll(async () => {
    // The server child inherits this environment: its keychain is the private Secret Service.
    keyring = await startSecretService();
    keyring.useInThisProcess();
    process.env.TANDEM_LOG_LEVEL = 'debug'; // the server logs everything it would: still no password in it
    work = await mkdtemp(join(tmpdir(), 'tandem-e2e-hosts-'));
    app = await startBrowserModeApp(['--demo', 'never']);
    page = await openAppPage(app);
  });

  afterAll(async () => {
    await app?.stop();
    await keyring?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses a malformed URI at the field', async () => {
    await addHost(page, 'qemu+tcp:///system', 'bad');
    await expect.poll(() => page.locator('[data-testid="add-host-error"]').innerText()).toMatch(/needs a host/);
  });

  it('adds a host by URI and shows its VMs, then its host page', async () => {
    await addHost(page, 'test:///default', 'Simulated');
    const id = hostIdOf('test:///default');
    await page.waitForSelector(`[data-testid="host-item-${id}"][data-status="connected"]`, { timeout: 15_000 });
    await page.waitForSelector('[data-testid="vm-row-test"]');
    await openHostPage(page, id);
    await page.waitForSelector('[data-testid="host-capabilities"]');
    expect(await page.locator('[data-testid="host-arch"]').innerText()).toBe('i686');
    expect(await page.locator('[data-testid="host-firmware"]').innerText()).toMatch(/not reported/);
    await page.waitForSelector('[data-testid="host-pool-default-pool"]');
    expect(await page.locator('[data-testid="host-running-vms"]').innerText()).toContain('test');
    await page.waitForSelector('[data-testid="host-charts"]', { state: 'attached' });
    await page.click('[data-testid="host-page-close"]');
    await page.waitForSelector('[data-testid="vm-row-test"]');
  });

  it('edits a host: a bad URI is refused at the field, a new name is kept', async () => {
    const id = hostIdOf('test:///default');
    await page.click(`[data-testid="host-item-${id}"] .host-select`);
    await page.click(`[data-testid="host-edit-open-${id}"]`);
    await page.fill('[data-testid="host-edit-uri"]', 'qemu+ssh:///system');
    await page.click('[data-testid="host-edit-save"]');
    await expect.poll(() => page.locator('[data-testid="host-edit-error"]').innerText()).toMatch(/needs a host/);
    await page.fill('[data-testid="host-edit-uri"]', 'test:///default');
    await page.fill('[data-testid="host-edit-name"]', 'Simulated lab');
    await page.click('[data-testid="host-edit-save"]');
    await page.waitForSelector(`[data-testid="host-edit-${id}"]`, { state: 'detached' });
    await expect.poll(() => page.locator(`[data-testid="host-item-${id}"] .host-name`).innerText()).toBe('Simulated lab');
    expect(await page.locator(`[data-testid="host-item-${id}"]`).getAttribute('data-status')).toBe('connected');
  });

  it.skipIf(!testbed)('shows a QEMU host page: acceleration, UEFI firmware, Secure Boot', async () => {
    const uri = testbed!.host2Uri;
    await addHost(page, uri, 'host2');
    const id = hostIdOf(uri);
    await page.waitForSelector(`[data-testid="host-item-${id}"][data-status="connected"]`, { timeout: 30_000 });
    await openHostPage(page, id);
    await page.waitForSelector('[data-testid="host-capabilities"]');
    expect(await page.locator('[data-testid="host-arch"]').innerText()).toBe('x86_64');
    // TCG with libvirt's reason where /dev/kvm is there but cannot start guests (this machine: nested KVM).
    expect(await page.locator('[data-testid="host-acceleration"]').innerText()).toMatch(
      /^(KVM \(hardware accelerated\)|TCG \(emulation, no KVM\)|TCG \(emulation\): KVM listed but unusable: .+)$/,
    );
    expect(await page.locator('[data-testid="host-firmware"]').innerText()).toMatch(/UEFI/);
    expect(await page.locator('[data-testid="host-confidential"]').innerText()).toContain('SEV no');
    await page.click('[data-testid="host-page-close"]');
  });

  it('asks for credentials in a dialog and remembers them in the keychain', async () => {
    const uri = await writeAuthTestNode(work, 'carol', 'e2e-Secret-42');
    const id = hostIdOf(uri);
    await addHost(page, uri, 'Guarded');
    // libvirt's test driver asks for the user name, then the password.
    const dialog = page.locator('[data-testid="credential-dialog"]');
    await page.waitForSelector('[data-testid="credential-field-authname"]');
    expect(await dialog.innerText()).toContain('Guarded');
    await page.fill('[data-testid="credential-field-authname"]', 'carol');
    await page.check('[data-testid="credential-remember"]');
    await page.click('[data-testid="credential-submit"]');
    await page.waitForSelector('[data-testid="credential-field-passphrase"][type="password"]');
    await page.fill('[data-testid="credential-field-passphrase"]', 'e2e-Secret-42');
    await page.check('[data-testid="credential-remember"]');
    await page.click('[data-testid="credential-submit"]');
    await page.waitForSelector(`[data-testid="host-item-${id}"][data-status="connected"]`, { timeout: 15_000 });
    await page.click(`[data-testid="host-item-${id}"] .host-select`);
    await page.waitForSelector('[data-testid="vm-row-guarded-vm"]');
    expect(await page.locator('[data-testid="credential-dialog"]').count()).toBe(0);
    expect(await keyring.lookup({ service: 'tandem', username: `${id}/passphrase` })).toBe('e2e-Secret-42');
    // Nowhere else: not in the server's stdout/stderr, not in any file of its data folder.
    expect(app.output()).toContain(`connected to ${uri}`);
    expect(app.output()).not.toContain('e2e-Secret-42');
    const files = await readdir(app.dataDir, { recursive: true, withFileTypes: true });
    for (const file of files.filter((f) => f.isFile())) {
      expect(await readFile(join(file.parentPath, file.name), 'latin1')).not.toContain('e2e-Secret-42');
    }
  });
});
