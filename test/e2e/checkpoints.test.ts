/**
 * The checkpoint tree in the real UI (Chromium, browser mode) on a real guest of the test bed's host1: add
 * the host, open the VM, take a checkpoint (its stun time and method show), let the guest count on, revert through
 * the confirmation (which says what is lost): the guest's serial counter goes back. Then the VM row's
 * context menu (right-click, and Shift+F10 from the keyboard): its lifecycle items follow the VM's state,
 * Force off asks first, and "Take checkpoint…" opens the take dialog whose checkpoint lands in the tree.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virDomainUndefineFlagsValues, type Connection, type Domain } from '../../native-helpers/libvirt/lib/index';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';
import { startSecretService, type PrivateSecretService } from '../support/secretService';
import { testbedOrFail } from '../support/requireTestbed';
import { removeDefinedCheckpointGuest } from '../integration/testbed/checkpointFixture';
import { counterResumedSince, createTinyGuest, lastCounter, SERIAL, serialLogSize, waitForSerial, type TinyGuest } from '../testbed/tinyGuest';

const env = testbedOrFail();

describe.skipIf(!env)('checkpoints in the UI on a real guest', () => {
  let app: BrowserModeApp;
  let page: Page;
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  let keyring: PrivateSecretService | undefined;

  beforeAll(async () => {
    conn = await openConnection(env!.host1Uri);
    guest = await createTinyGuest(env!, { name: `ck-${process.pid}-ui` });
    dom = await conn.defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, /^tandem-counter 2$/m, 60_000);
    // Memory states are sealed with a key from the keychain: the app (a child process) inherits a private, real Secret Service.
    keyring = await startSecretService();
    keyring.useInThisProcess();
    app = await startBrowserModeApp(['--demo', 'never']);
    page = await openAppPage(app, { width: 1280, height: 900 });
  });

  afterAll(async () => {
    await app?.stop();
    await removeDefinedCheckpointGuest(env!, { dom, conn, guest }, virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
    await keyring?.stop();
  });

  it('takes a checkpoint and reverts to it from the VM detail panel', async () => {
    // host1 through its daemon's unix socket, as a local qemu:///system: memory checkpoints are background snapshots.
    await page.fill('[data-testid="add-host-uri"]', env!.host1SocketUri);
    await page.click('[data-testid="add-host-submit"]');
    await page.click(`[data-testid="vm-row-${guest.name}"]`, { timeout: 30_000 });
    const panel = page.locator('[data-testid="checkpoints"]');
    await panel.waitFor();
    expect(await panel.innerText()).toContain('No checkpoints.');

    await page.click('[data-testid="checkpoint-take"]');
    await page.fill('[data-testid="checkpoint-dialog-name"]', 'ui-one');
    const offset = await serialLogSize(guest.serialLogPath);
    await page.click('[data-testid="checkpoint-dialog-take"]');
    const node = page.locator('[data-testid="checkpoint-ui-one"]');
    await node.waitFor({ timeout: 30_000 });
    // The memory state is from some instant in the take, which can last seconds on a loaded machine: it lies
    // between the last counter printed before the click and the last printed once the tree shows the checkpoint.
    const atTakeEnd = await lastCounter(guest);
    const atTake = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]) - 1;
    const text = await node.innerText();
    console.log(`UI checkpoint row: ${text.replace(/\s+/g, ' ')}`);
    expect(text).toMatch(/stun \d+ ms \(background snapshot\)/);
    expect(text).toContain('you are here');
    // Its memory state is sealed with the keychain's key; the first one of a VM is stored whole.
    // The take ran as a job: the sidebar's jobs panel lists it once finished, with the guest's pause.
    await page.click('[data-testid="jobs-panel"] .jobs-toggle');
    expect(await page.locator('[data-testid="jobs-panel"] [data-testid="result-stunMs"]').first().innerText()).toMatch(/^\d+ ms$/);
    expect(await page.locator('[data-testid="checkpoint-memory-ui-one"]').innerText()).toMatch(/^memory encrypted, stored whole \(\d+(\.\d+)? MiB\)$/);

    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${atTakeEnd + 4}$`, 'm'), 30_000, { fromOffset: offset });
    await page.click('[data-testid="checkpoint-revert-ui-one"]');
    const confirm = page.locator('[data-testid="checkpoint-confirm"]');
    expect(await confirm.innerText()).toMatch(/everything it did since checkpoint “ui-one” is lost/);
    const revertOffset = await serialLogSize(guest.serialLogPath);
    await page.click('[data-testid="checkpoint-confirm-ok"]');
    // The view is busy while the revert runs (take disabled), usable again once it answered.
    await page.waitForSelector('[data-testid="checkpoint-take"][disabled]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid="checkpoint-take"]:not([disabled])', { timeout: 60_000 });
    const resumed = await counterResumedSince(guest, revertOffset, 60_000);
    expect(resumed).toBeGreaterThanOrEqual(atTake);
    expect(resumed).toBeLessThanOrEqual(atTakeEnd + 2);
    // The tree still marks the checkpoint as current.
    expect(await node.innerText()).toContain('you are here');
  });

  it('takes a checkpoint from the VM row context menu (right-click and Shift+F10) and shows it in the tree', async () => {
    // From the table alone: the detail panel closed.
    await page.click('[aria-label="Close details"]');
    const row = page.locator(`[data-testid="vm-row-${guest.name}"]`);
    const menu = page.locator('[data-testid="vm-context-menu"]');
    await page.waitForSelector(`[data-testid="vm-row-${guest.name}"][data-state="running"]`, { timeout: 30_000 });

    // Right-click: the menu at the pointer, items for a running VM; Force off asks first (cancelled here).
    await row.click({ button: 'right' });
    await menu.waitFor();
    expect(await menu.getAttribute('role')).toBe('menu');
    const disabled = async (id: string) => (await page.getAttribute(`[data-testid="vm-menu-${id}"]`, 'aria-disabled')) === 'true';
    expect(await disabled('start')).toBe(true);
    expect(await disabled('shutdown')).toBe(false);
    expect(await disabled('take-checkpoint')).toBe(false);
    expect(await page.innerText('[data-testid="vm-menu-destroy"]')).toBe('Force off…');
    await page.click('[data-testid="vm-menu-destroy"]');
    expect(await menu.count()).toBe(0);
    expect(await page.innerText('[data-testid="vm-menu-confirm"]')).toContain(`Force off ${guest.name}?`);
    await page.click('[data-testid="vm-menu-confirm-cancel"]');
    expect(await page.locator('[data-testid="vm-menu-confirm"]').count()).toBe(0);
    expect(await page.getAttribute(`[data-testid="vm-row-${guest.name}"]`, 'data-state')).toBe('running');

    // Escape closes it and gives the focus back to the row.
    await row.click({ button: 'right' });
    await menu.waitFor();
    await page.keyboard.press('Escape');
    expect(await menu.count()).toBe(0);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe(`vm-row-${guest.name}`);

    // The keyboard: Shift+F10 on the focused row, End to the last item ("Take checkpoint…"), Enter.
    await page.keyboard.press('Shift+F10');
    await menu.waitFor();
    await page.keyboard.press('End');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('vm-menu-take-checkpoint');
    await page.keyboard.press('Enter');
    const dialog = page.locator('[data-testid="checkpoint-dialog"]');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain(`Take a checkpoint of ${guest.name}`);
    // Quiesce is an option of disks-only checkpoints.
    expect(await page.isDisabled('[data-testid="checkpoint-dialog-quiesce"]')).toBe(true);
    await page.fill('[data-testid="checkpoint-dialog-name"]', 'from-menu');
    await page.fill('[data-testid="checkpoint-dialog-description"]', 'taken from the context menu');
    await page.click('[data-testid="checkpoint-dialog-take"]');
    expect(await dialog.count()).toBe(0);
    // The dialog gives focus back to the row the menu was opened on.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe(`vm-row-${guest.name}`);

    // In the VM's tree: a child of the current checkpoint, now current, with its description.
    await row.click();
    const node = page.locator('[data-testid="checkpoint-from-menu"]');
    await node.waitFor({ timeout: 60_000 });
    const text = await node.innerText();
    console.log(`checkpoint from the context menu: ${text.replace(/\s+/g, ' ')}`);
    expect(text).toContain('you are here');
    expect(text).toContain('taken from the context menu');
    expect(text).toMatch(/memory \+ disks/);
    expect(await page.locator('[data-testid="checkpoint-ui-one"] [data-testid="checkpoint-from-menu"]').count()).toBe(1);
  });
});
