import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../errors';
import { host, loadFixtureDb, request, type HardwareInput } from './fixtures/offers';
import { placeLab, type LabVm } from './labPlacement';
import type { OsDatabase } from './osinfo/OsDatabase';
import type { PlacementCandidate } from './placement';
import { VmRequestSchema } from './schemas';
import { GiB } from './units';

let db: OsDatabase;
beforeAll(async () => {
  db = await loadFixtureDb();
});

const connected = (...offers: ReturnType<typeof host>[]): PlacementCandidate[] => offers.map((offer) => ({ state: 'connected', offer }));
/** `count` VMs named lab-1..N of the same shape, on no network (the lab adds its own). */
const vms = (count: number, hardware: HardwareInput = {}): LabVm[] =>
  Array.from({ length: count }, (_, i) => ({ name: `lab-${i + 1}`, request: VmRequestSchema.parse(request({ nics: [], ...hardware })) }));

describe('placeLab', () => {
  it('puts the whole lab on the host that takes every VM as asked, and explains it', () => {
    // small: 12 GiB free, 2 GiB headroom: two 4 GiB VMs fit, the third would be cut.
    const outcome = placeLab(vms(3), connected(host('small', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 12 * GiB }), host('big')), db);
    expect(outcome.placed?.chosen.hostId).toBe('big');
    expect(outcome.placed?.chosen.vms.map((v) => [v.name, v.proposal.changes.length])).toEqual([
      ['lab-1', 0],
      ['lab-2', 0],
      ['lab-3', 0],
    ]);
    expect(outcome.placed?.chosen.memoryLeftBytes).toBe(18 * GiB);
    expect(outcome.placed?.alternatives.map((a) => a.hostId)).toEqual(['small']);
    expect(outcome.placed?.explanation).toBe('big: takes the 3 VMs exactly as asked, 18 GiB of memory left after them. Next best: small (it would need 1 change).');
  });

  it('counts the memory of the VMs before: a host that takes each alone cuts the last one', () => {
    const outcome = placeLab(vms(3), connected(host('small', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 12 * GiB })), db);
    const plan = outcome.placed!.chosen;
    expect(plan.vms.map((v) => v.proposal.changes.map((c) => c.field))).toEqual([[], [], ['hardware.memoryMiB']]);
    expect(plan.vms[2]!.proposal.config.hardware.memoryMiB).toBe(2048);
    expect(outcome.placed?.explanation).toMatch(/^small: takes the 3 VMs with 1 change \(lab-3: memory 4 GiB -> 2 GiB: host has 4 GiB free/);
  });

  it('counts the pool space of the VMs before, and refuses a host that cannot hold them all, saying which VM', () => {
    // 50 GiB free of 500: 25 GiB kept free, so one 20 GiB disk fits and the second does not.
    const tight = host('tight', { pools: [{ name: 'default', active: true, capacityBytes: 500 * GiB, freeBytes: 50 * GiB }] });
    const outcome = placeLab(vms(2), connected(tight), db);
    if (outcome.placed) throw new Error('expected no placement');
    expect(outcome.refusals).toHaveLength(1);
    expect(outcome.refusals[0]!.reasons.join(' ')).toMatch(/^lab-2: .*pool/);
    expect(outcome.explanation).toMatch(/^No connected host can run this lab\. tight: lab-2: /);
  });

  it("refuses a host without the gateway's uplink network, and lists hosts that are away", () => {
    const outcome = placeLab(
      vms(1),
      [...connected(host('no-uplink', { networks: [{ name: 'other', active: true, forward: 'nat' }] }), host('ok')), { state: 'unavailable', hostId: 'off', hostName: 'off', reason: 'unreachable' }],
      db,
      { uplink: 'default' },
    );
    expect(outcome.placed?.chosen.hostId).toBe('ok');
    expect(outcome.placed?.refusals).toEqual([
      { hostId: 'no-uplink', hostName: 'no-uplink', reasons: ['has no active network "default" for the gateway\'s uplink'] },
      { hostId: 'off', hostName: 'off', reasons: ['not connected (unreachable)'] },
    ]);
  });

  it('takes an override onto a worse host, explaining what Tandem would pick; refuses one that cannot take the lab', () => {
    const candidates = connected(host('small', { totalMemoryBytes: 16 * GiB, freeMemoryBytes: 12 * GiB }), host('big'), host('tiny', { totalMemoryBytes: 4 * GiB, freeMemoryBytes: 3 * GiB }));
    const chosen = placeLab(vms(3), candidates, db, { overrideHostId: 'small' });
    expect(chosen.placed?.overridden).toBe(true);
    expect(chosen.placed?.explanation).toMatch(/^small, as you chose: takes the 3 VMs with 1 change .* Tandem would pick big \(takes the 3 VMs exactly as asked/);
    expect(() => placeLab(vms(3), candidates, db, { overrideHostId: 'tiny' })).toThrow(InvalidInputError);
    expect(() => placeLab(vms(3), candidates, db, { overrideHostId: 'nowhere' })).toThrow(NotFoundError);
  });

  it("names the VM whose request is wrong at its field", () => {
    const lab = vms(2);
    lab[1] = { name: 'lab-2', request: VmRequestSchema.parse(request({ nics: [] }, { osinfoId: 'no-such-os' })) };
    let error: unknown;
    try {
      placeLab(lab, connected(host('big')), db);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'provisioning.unknown-os', details: { field: 'vms.1.request.os.osinfoId' } });
  });
});
