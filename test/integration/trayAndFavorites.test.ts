/**
 * Favorites through the contract (starred over the WebSocket, announced as an event, kept in the data
 * folder), and the tray's menu rebuilt from real core events: once per burst, after the change, and not
 * again while nothing happens (no timer).
 */
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/core/testing/scripted';
import { affectsTrayMenu, buildTrayMenu, type TrayMenuItem } from '../../main/core/tray/buildTrayMenu';
import { TRAY_DEBOUNCE_MS, TRAY_MAX_WAIT_MS, TrayMenuRefresher } from '../../main/core/tray/TrayMenuRefresher';
import { startInProcessTandem, type InProcessTandem } from '../support/inProcessTandem';

const WEB_FRONTEND = { hostId: 'demo', uuid: '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001' };

describe('favorite VMs', () => {
  let t: InProcessTandem;
  beforeAll(async () => {
    t = await startInProcessTandem();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('stars a VM, tells every client, saves it, and unstars it', async () => {
    expect(await t.client.call('favorites.list', {})).toEqual({ favorites: [] });
    const event = t.nextEvent('favorites.changed', (p) => p.favorites.length === 1);
    expect(await t.client.call('favorites.set', { ...WEB_FRONTEND, favorite: true })).toEqual({ favorites: [WEB_FRONTEND] });
    await event;
    expect(JSON.parse(await readFile(join(t.dataDir, 'favorites.json'), 'utf8')).favorites).toEqual([WEB_FRONTEND]);
    expect(await t.client.call('favorites.set', { ...WEB_FRONTEND, favorite: false })).toEqual({ favorites: [] });
  });

  it('sends the tray’s open-console request to the window as an event', async () => {
    const request = t.nextEvent('ui.openConsole', (ref) => ref.uuid === WEB_FRONTEND.uuid);
    t.tandem.requestOpenConsole(WEB_FRONTEND);
    await expect(request).resolves.toEqual(WEB_FRONTEND);
  });

  it('rebuilds the tray menu on core events, once per burst, and never while idle', async () => {
    // The refresher's time is driven by hand: whether the calls below take 1 ms or 1 s each on a loaded
    // machine, the debounce sees them as one burst, so the count of rebuilds is exact.
    const clock = new ManualClock();
    const menus: TrayMenuItem[][] = [];
    const { tandem } = t;
    const refresher = new TrayMenuRefresher(
      clock,
      [
        // Monitoring ticks arrive every few seconds and never change the menu (electron/tray.ts filters the same way).
        (l) =>
          tandem.onEvent(({ event }) => {
            if (affectsTrayMenu(event)) l();
          }),
        (l) => tandem.recentVms.changed.on(l),
      ],
      () =>
        menus.push(
          buildTrayMenu({ hosts: tandem.hosts.list(), vms: tandem.inventory.list(), favorites: tandem.favorites.list(), recent: tandem.recentVms.list() }),
        ),
    );
    const seen: string[] = [];
    const counting = tandem.onEvent((e) => seen.push(e.event === 'vms.changed' ? `vms.changed:${e.payload.state}` : e.event));
    try {
      await clock.advance(TRAY_DEBOUNCE_MS * 4);
      expect(menus).toHaveLength(0); // nothing changed, nothing built
      expect(refresher.scheduled).toBe(false);
      // A suspend and a resume: state events, the recent list, a favorite: one burst.
      await t.client.call('vms.suspend', WEB_FRONTEND);
      await t.client.call('vms.resume', WEB_FRONTEND);
      await t.client.call('favorites.set', { ...WEB_FRONTEND, favorite: true });
      await expect.poll(() => seen.includes('vms.changed:paused') && seen.includes('vms.changed:running') && seen.includes('favorites.changed'), { timeout: 5000 }).toBe(true);
      // Several events, no time passed: nothing built yet, one rebuild armed.
      expect(menus).toHaveLength(0);
      expect(refresher.scheduled).toBe(true);
      await clock.advance(TRAY_DEBOUNCE_MS);
      expect(menus).toHaveLength(1);
      const last = menus.at(-1)!;
      expect(last.some((i) => i.type === 'submenu' && i.id === `fav:demo/${WEB_FRONTEND.uuid}` && i.label.startsWith('web-frontend (running)'))).toBe(true);
      expect(refresher.scheduled).toBe(false); // idle: nothing armed
      await clock.advance(TRAY_MAX_WAIT_MS * 2);
      expect(menus).toHaveLength(1); // idle: no rebuild
    } finally {
      counting.dispose();
      refresher.dispose();
      await t.client.call('favorites.set', { ...WEB_FRONTEND, favorite: false });
    }
  });
});

describe('an unreadable favorites file', () => {
  it('does not stop Tandem from starting: moved aside, no favorites, starring works again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tandem-fav-unreadable-'));
    // A directory in the file's place: reading it fails (EISDIR) even for root, as EACCES would for a user.
    await mkdir(join(dataDir, 'favorites.json'));
    const t = await startInProcessTandem({ dataDir });
    try {
      expect(await t.client.call('favorites.list', {})).toEqual({ favorites: [] });
      expect((await readdir(dataDir)).some((f) => f.startsWith('favorites.json.unreadable-'))).toBe(true);
      expect(await t.client.call('favorites.set', { ...WEB_FRONTEND, favorite: true })).toEqual({ favorites: [WEB_FRONTEND] });
      // A failed save answers with a typed error and changes nothing.
      await mkdir(join(dataDir, `favorites.json.${process.pid}.tmp`));
      await expect(t.client.call('favorites.set', { ...WEB_FRONTEND, favorite: false })).rejects.toMatchObject({ errorName: 'OperationFailed', code: 'favorites.save-failed' });
      expect(await t.client.call('favorites.list', {})).toEqual({ favorites: [WEB_FRONTEND] });
    } finally {
      await t.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
