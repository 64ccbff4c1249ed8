/**
 * The real UI (Chromium, browser mode) on a VM whose host is another machine's: the checkpoint panel says
 * why checkpoints are not available, and take / revert / delete / commit are disabled with that reason as
 * their title; the VM row's context menu disables "Take checkpoint…" with it too. The VM already has a
 * checkpoint in Tandem's records (as one taken before its host was moved), listed with its size unknown:
 * nothing on disk is read for another machine's host.
 *
 * How the host becomes "remote": every test bed daemon runs on this machine, on loopback, so the app is
 * started with the test-only TANDEM_TEST_OTHER_MACHINE_URIS naming host1's URI (main/server/cli.ts), which
 * can only make Tandem refuse more. The guest, its host and the app are otherwise the real thing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostIdForUri } from '../../main/core/hosts/hostUri';
import type { VmCheckpointTree } from '../../main/core/checkpoints/model';
import { openConnection, type Connection, type Domain } from '../../native-helpers/libvirt/lib/index';
import { openAppPage, startBrowserModeApp, type BrowserModeApp } from '../support/browserModeApp';
import { testbedOrFail } from '../support/requireTestbed';
import { createTinyGuest, removeTinyGuest, type TinyGuest } from '../testbed/tinyGuest';

const env = testbedOrFail();
const CHECKPOINT_ID = '5b0c8c1e-2f7a-4d3b-9e61-0a4b2c3d4e5f';

describe.skipIf(!env)("checkpoints in the UI for a VM on another machine's host", () => {
  let app: BrowserModeApp;
  let page: Page;
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;

  beforeAll(async () => {
    conn = await openConnection(env!.host1Uri);
    // Shut off: no guest to run under TCG, and a state in which a checkpoint would otherwise be offered.
    guest = await createTinyGuest(env!, { name: `ck-${process.pid}-remote-ui` });
    dom = await conn.defineDomainXML(guest.xml);
    process.env.TANDEM_TEST_OTHER_MACHINE_URIS = env!.host1Uri;
    try {
      app = await startBrowserModeApp(['--demo', 'never']);
    } finally {
      delete process.env.TANDEM_TEST_OTHER_MACHINE_URIS;
    }
    // Its tree as Tandem keeps it (<data>/checkpoints/trees/<host>/<uuid>.json): the paths are the other machine's.
    const hostId = hostIdForUri(env!.host1Uri, new Set());
    const folder = '/var/lib/libvirt/images/.tandem-checkpoints/' + guest.uuid;
    const tree: VmCheckpointTree = {
      version: 1,
      hostId,
      uuid: guest.uuid,
      folder,
      baseDisks: [{ target: 'vda', image: guest.diskPath, format: 'qcow2' }],
      active: [{ target: 'vda', image: `${folder}/layer-0000.vda.qcow2`, format: 'qcow2' }],
      currentId: CHECKPOINT_ID,
      checkpoints: [
        {
          id: CHECKPOINT_ID,
          name: 'before-move',
          description: '',
          createdAt: '2026-11-26T06:00:00.000Z',
          parentId: null,
          kind: 'disk-only',
          quiesced: false,
          disks: [{ target: 'vda', image: guest.diskPath, format: 'qcow2' }],
          memoryFile: null,
          tpmStateFile: null,
          domainXml: guest.xml,
          stunMs: null,
          wallMs: 40,
        },
      ],
    };
    await mkdir(join(app.dataDir, 'checkpoints', 'trees', hostId), { recursive: true });
    await writeFile(join(app.dataDir, 'checkpoints', 'trees', hostId, `${guest.uuid}.json`), JSON.stringify(tree));
    page = await openAppPage(app, { width: 1280, height: 900 });
  });

  afterAll(async () => {
    await app?.stop();
    await dom?.undefine().catch(() => undefined);
    await conn?.close().catch(() => undefined);
    if (guest) await removeTinyGuest(guest);
  });

  it('shows why, and disables take / revert / delete / commit with the reason as their title', async () => {
    await page.fill('[data-testid="add-host-uri"]', env!.host1Uri);
    await page.click('[data-testid="add-host-submit"]');
    const row = page.locator(`[data-testid="vm-row-${guest.name}"]`);
    await page.waitForSelector(`[data-testid="vm-row-${guest.name}"][data-state="shutoff"]`, { timeout: 30_000 });

    // The context menu first (the VM's tree not loaded yet: the menu loads it).
    await row.click({ button: 'right' });
    const item = page.locator('[data-testid="vm-menu-take-checkpoint"][aria-disabled="true"]');
    await item.waitFor({ timeout: 10_000 });
    expect(await item.getAttribute('title')).toMatch(/^Checkpoints are not available for VMs on another machine/);
    await page.keyboard.press('Escape');

    await row.click();
    const reason = page.locator('[data-testid="checkpoint-unavailable"]');
    await reason.waitFor({ timeout: 10_000 });
    const why = await reason.innerText();
    expect(why).toMatch(/not available for VMs on another machine.*this machine's hosts/);
    for (const id of ['checkpoint-take', 'checkpoint-revert-before-move', 'checkpoint-delete-before-move', 'checkpoint-commit-fold', 'checkpoint-commit-copy']) {
      const button = page.locator(`[data-testid="${id}"]`);
      expect(await button.isDisabled(), id).toBe(true);
      expect(await button.getAttribute('title'), id).toBe(why);
    }
    // Listed from Tandem's records, its size not read from the other machine's paths.
    const node = await page.locator('[data-testid="checkpoint-before-move"]').innerText();
    expect(node).toContain('size unknown');
    expect(node).toContain('you are here');
  });
});
