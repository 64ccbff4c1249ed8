/** Favorites through the contract: starred over the WebSocket, announced as an event, kept in the data folder. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
