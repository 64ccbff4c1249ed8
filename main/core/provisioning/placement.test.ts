import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors';
import { loadFixtureDb, host, image, isoVolume, request } from './fixtures/offers';
import type { OsDatabase } from './osinfo/OsDatabase';
import { placeVm, type PlacementCandidate } from './placement';
import { GiB } from './units';

let db: OsDatabase;
beforeAll(async () => {
  db = await loadFixtureDb();
});

const connected = (...offers: ReturnType<typeof host>[]): PlacementCandidate[] => offers.map((offer) => ({ state: 'connected', offer }));
const away = (hostId: string, reason = 'not connected (unreachable: connection refused)'): PlacementCandidate => ({
  state: 'unavailable',
  hostId,
  hostName: hostId,
  reason,
});

describe('placeVm', () => {
  it('picks the exact fit, and says why and what comes next', () => {
    const outcome = placeVm(
      request({ memoryMiB: 8192 }),
      connected(host('laptop', { totalMemoryBytes: 8 * GiB, freeMemoryBytes: 6 * GiB }), host('server')),
      db,
    );
    expect(outcome.placed?.chosen.hostId).toBe('server');
    expect(outcome.placed?.overridden).toBe(false);
    expect(outcome.placed?.alternatives.map((a) => a.hostId)).toEqual(['laptop']);
    expect(outcome.placed?.explanation).toBe(
      'server: takes the VM exactly as asked, 22 GiB of memory left after it. Next best: laptop (it would need 1 change).',
    );
  });

  it('between equal matches, picks the host with the most memory left', () => {
    const outcome = placeVm(
      request(),
      connected(host('busy', { freeMemoryBytes: 12 * GiB }), host('idle', { freeMemoryBytes: 28 * GiB })),
      db,
    );
    expect(outcome.placed?.chosen.hostId).toBe('idle');
    expect(outcome.placed?.explanation).toBe(
      'idle: takes the VM exactly as asked, 24 GiB of memory left after it. Next best: busy (an equal match, with 8 GiB of memory left).',
    );
  });

  it('considers only connected hosts, and lists the others as refused', () => {
    const outcome = placeVm(request(), [...connected(host('on')), away('off')], db);
    expect(outcome.placed?.chosen.hostId).toBe('on');
    expect(outcome.placed?.refusals).toEqual([
      { hostId: 'off', hostName: 'off', reasons: ['not connected (unreachable: connection refused)'] },
    ]);
    expect(outcome.placed?.explanation).toContain("1 host can't run it: off.");
  });

  it('explains a closest match with its changes', () => {
    const outcome = placeVm(
      request({ memoryMiB: 32 * 1024 }),
      connected(host('h1', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 14 * GiB })),
      db,
    );
    expect(outcome.placed?.explanation).toBe(
      'h1: the closest match, with 1 change (memory 32 GiB -> 12 GiB: host has 14 GiB free (2 GiB kept as headroom)), 2 GiB of memory left after it.',
    );
  });

  it('says why no host can take the VM', () => {
    const outcome = placeVm(
      request(),
      [
        ...connected(
          host('arm', { guestArches: ['aarch64'], kvmArches: ['aarch64'] }),
          host('tiny', { totalMemoryBytes: 4 * GiB, freeMemoryBytes: 3 * GiB }),
        ),
        away('off'),
      ],
      db,
    );
    expect(outcome.placed).toBeUndefined();
    expect(outcome).toMatchObject({
      explanation:
        'No connected host can run this VM. arm: runs aarch64 guests, not x86_64. tiny: Ubuntu 24.04 LTS needs at least 2 GiB of memory; host has 3 GiB free (2 GiB kept as headroom). off: not connected (unreachable: connection refused).',
    });
  });

  it('says so when there is no host at all', () => {
    expect(placeVm(request(), [], db)).toEqual({ placed: undefined, refusals: [], explanation: 'No host is known: add a host first.' });
  });
});

describe('placeVm with an override', () => {
  const hosts = () =>
    connected(host('best'), host('other', { images: [image('ubuntu22.04')] }), host('full', { freeMemoryBytes: 2 * GiB }));

  it('places on the chosen host, and says what Tandem would have picked', () => {
    const outcome = placeVm(request(), hosts(), db, { overrideHostId: 'other' });
    expect(outcome.placed?.chosen.hostId).toBe('other');
    expect(outcome.placed?.overridden).toBe(true);
    expect(outcome.placed?.chosen.config.os.osinfoId).toBe('ubuntu22.04');
    expect(outcome.placed?.explanation).toBe(
      'other, as you chose: the closest match, with 1 change (Ubuntu 24.04 LTS cloud image missing -> Ubuntu 22.04 LTS cloud image available), 26 GiB of memory left after it. Tandem would pick best (takes the VM exactly as asked, 26 GiB of memory left after it).',
    );
    expect(outcome.placed?.alternatives.map((a) => a.hostId)).toEqual(['best']);
  });

  it('accepts the override that equals the automatic choice', () => {
    const outcome = placeVm(request(), hosts(), db, { overrideHostId: 'best' });
    expect(outcome.placed?.explanation).toBe('best, as you chose: takes the VM exactly as asked, 26 GiB of memory left after it.');
  });

  it('refuses an override onto a host that cannot take the VM, with the reasons', () => {
    const attempt = () => placeVm(request(), hosts(), db, { overrideHostId: 'full' });
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(
      "full can't run this VM: Ubuntu 24.04 LTS needs at least 2 GiB of memory; host has 2 GiB free (3.2 GiB kept as headroom)",
    );
    expect(attempt).toThrow(
      expect.objectContaining({ code: 'placement.override-refused', details: expect.objectContaining({ field: 'hostId' }) }),
    );
  });

  it('refuses an override onto a host that is not connected', () => {
    expect(() => placeVm(request(), [...hosts(), away('off', 'not connected (auth failed)')], db, { overrideHostId: 'off' })).toThrow(
      "off can't run this VM: not connected (auth failed)",
    );
  });

  it('refuses an override onto an unknown host', () => {
    expect(() => placeVm(request(), hosts(), db, { overrideHostId: 'nope' })).toThrow(NotFoundError);
  });
});

describe('placeVm with install media (host-local)', () => {
  const fromIso = request({}, { source: 'install-media', installMedia: { kind: 'volume', pool: 'default', volume: 'netinst.iso' } });
  const hosts = () =>
    connected(host('roomy', { totalMemoryBytes: 256 * GiB, freeMemoryBytes: 250 * GiB }), host('stores', { isoVolumes: [isoVolume('netinst.iso')] }));

  it('places on the host that stores the ISO, however roomier another is, and says why the other cannot', () => {
    const outcome = placeVm(fromIso, hosts(), db);
    expect(outcome.placed?.chosen.hostId).toBe('stores');
    expect(outcome.placed?.alternatives).toEqual([]);
    expect(outcome.placed?.explanation).toBe("stores: takes the VM exactly as asked, 26 GiB of memory left after it. 1 host can't run it: roomy.");
    expect(outcome.placed?.refusals).toEqual([
      { hostId: 'roomy', hostName: 'roomy', reasons: ['ISO volume default/netinst.iso is not on this host (install media is used on the host that stores it)'] },
    ]);
  });

  it('refuses an override onto a host without the ISO, naming it', () => {
    expect(() => placeVm(fromIso, hosts(), db, { overrideHostId: 'roomy' })).toThrow(
      "roomy can't run this VM: ISO volume default/netinst.iso is not on this host (install media is used on the host that stores it)",
    );
  });

  it('says no host can run it when none stores the ISO', () => {
    const outcome = placeVm(fromIso, connected(host('a'), host('b')), db);
    expect(outcome.placed).toBeUndefined();
    expect(outcome).toMatchObject({ explanation: expect.stringMatching(/^No connected host can run this VM\. a: ISO volume default\/netinst\.iso is not on this host/) });
  });
});
