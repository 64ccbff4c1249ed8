/**
 * The checkpoint tree in the real UI (Chromium, browser mode) on a real guest of the test bed's host1: add
 * the host, open the VM, take a checkpoint (its stun time shows), let the guest count on, revert through
 * the confirmation (which says what is lost): the guest's serial counter goes back.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virDomainUndefineFlagsValues, type Connection, type Domain } from '../../native-helpers/libvirt/lib/index';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';
import { startSecretService, type PrivateSecretService } from '../support/secretService';
import { testbedOrFail } from '../support/requireTestbed';
import { createTinyGuest, removeTinyGuest, SERIAL, serialLogSize, waitForSerial, type TinyGuest } from '../testbed/tinyGuest';

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
    await dom?.destroy().catch(() => undefined);
    await dom?.undefine(virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA).catch(() => undefined);
    await conn?.close().catch(() => undefined);
    if (guest) {
      await removeTinyGuest(guest);
      await rm(join(env!.images, '.tandem-checkpoints', guest.uuid), { recursive: true, force: true });
    }
    await keyring?.stop();
  });

  it('takes a checkpoint and reverts to it from the VM detail panel', async () => {
    await page.fill('[data-testid="add-host-uri"]', env!.host1Uri);
    await page.click('[data-testid="add-host-submit"]');
    await page.click(`[data-testid="vm-row-${guest.name}"]`, { timeout: 30_000 });
    const panel = page.locator('[data-testid="checkpoints"]');
    await panel.waitFor();
    expect(await panel.innerText()).toContain('No checkpoints.');

    await page.fill('[data-testid="checkpoint-name"]', 'ui-one');
    const offset = await serialLogSize(guest.serialLogPath);
    await page.click('[data-testid="checkpoint-take"]');
    const node = page.locator('[data-testid="checkpoint-ui-one"]');
    await node.waitFor({ timeout: 30_000 });
    const atTake = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 30_000, { fromOffset: offset }))[1]) - 1;
    const text = await node.innerText();
    console.log(`UI checkpoint row: ${text.replace(/\s+/g, ' ')}`);
    expect(text).toMatch(/stun \d+ ms/);
    expect(text).toContain('you are here');
    // Its memory state is sealed with the keychain's key; the first one of a VM is stored whole.
    // The take ran as a job: the sidebar's jobs panel lists it once finished, with the guest's pause.
    await page.click('[data-testid="jobs-panel"] .jobs-toggle');
    expect(await page.locator('[data-testid="jobs-panel"] [data-testid="result-stunMs"]').first().innerText()).toMatch(/^\d+ ms$/);
    expect(await page.locator('[data-testid="checkpoint-memory-ui-one"]').innerText()).toMatch(/^memory encrypted, stored whole \(\d+(\.\d+)? MiB\)$/);

    await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter ${atTake + 4}$`, 'm'), 30_000, { fromOffset: offset });
    await page.click('[data-testid="checkpoint-revert-ui-one"]');
    const confirm = page.locator('[data-testid="checkpoint-confirm"]');
    expect(await confirm.innerText()).toMatch(/everything it did since checkpoint “ui-one” is lost/);
    const revertOffset = await serialLogSize(guest.serialLogPath);
    await page.click('[data-testid="checkpoint-confirm-ok"]');
    const resumed = Number((await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000, { fromOffset: revertOffset }))[1]);
    expect(resumed).toBeGreaterThanOrEqual(atTake);
    expect(resumed).toBeLessThanOrEqual(atTake + 2);
    // Once the revert answered, the tree is usable again and still marks the checkpoint as current.
    await page.fill('[data-testid="checkpoint-name"]', 'next');
    await page.waitForSelector('[data-testid="checkpoint-take"]:not([disabled])', { timeout: 30_000 });
    expect(await node.innerText()).toContain('you are here');
  });
});
