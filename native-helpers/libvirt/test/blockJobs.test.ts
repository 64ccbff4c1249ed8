/**
 * Block jobs and per-disk queries on libvirt's test driver. The test driver has block info and I/O tuning,
 * but no block jobs and no block stats: those calls must reach libvirt and come back as its
 * VIR_ERR_NO_SUPPORT naming the function (their real behaviour is covered on the QEMU test bed,
 * test/integration/testbed/binding-blockjobs.test.ts). Bad arguments are TypeErrors before any work.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConnection, virDomainModificationImpact, type Connection, type Domain } from '../lib/index';
import { expectLibvirtError } from './helpers';

describe('block jobs on the test driver', () => {
  let conn: Connection;
  let dom: Domain;
  beforeEach(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.lookupDomainByName('test'); // running, with a file disk vda
  });
  afterEach(async () => {
    await conn.close();
  });

  it('reports the size of a disk, and rejects a disk the domain lacks', async () => {
    const info = await dom.blockInfo('vda');
    expect(Object.keys(info).sort()).toEqual(['allocation', 'capacity', 'physical']);
    expect(info.capacity).toBeGreaterThan(0);
    expect(info.physical).toBeGreaterThanOrEqual(info.capacity);
    const error = await expectLibvirtError(dom.blockInfo('vdz'), 'VIR_ERR_INVALID_ARG');
    expect(error.function).toBe('virDomainGetBlockInfo');
  });

  it('sets I/O throttling (typed parameters in) and reads it back (typed parameters out)', async () => {
    // The test driver checks each limit against its *_max, even a max of 0 (QEMU takes 0 as "none").
    await dom.setBlockIoTune(
      'vda',
      { total_bytes_sec: 1_000_000, total_bytes_sec_max: 2_000_000, read_iops_sec: 300, read_iops_sec_max: 600, group_name: 'bj-group' },
      virDomainModificationImpact.VIR_DOMAIN_AFFECT_LIVE,
    );
    const after = await dom.getBlockIoTune('vda');
    expect(after).toMatchObject({
      total_bytes_sec: 1_000_000,
      total_bytes_sec_max: 2_000_000,
      read_iops_sec: 300,
      read_iops_sec_max: 600,
      group_name: 'bj-group',
    });
    // libvirt's own check of the values (a limit above its maximum) comes back as its error.
    const error = await expectLibvirtError(dom.setBlockIoTune('vda', { total_bytes_sec: 5_000_000 }), 'VIR_ERR_INVALID_ARG');
    expect(error.function).toBe('virDomainSetBlockIoTune');
    await expectLibvirtError(dom.getBlockIoTune('vdz'), 'VIR_ERR_INVALID_ARG');
  });

  it('rejects what the test driver lacks with VIR_ERR_NO_SUPPORT naming the function', async () => {
    // Thunks, called one at a time: a rejection is always awaited, never left unhandled.
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['virDomainBlockCommit', () => dom.blockCommit('vda', null, null, 0)],
      ['virDomainBlockPull', () => dom.blockPull('vda', 0)],
      ['virDomainBlockRebase', () => dom.blockRebase('vda', null, 0)],
      ['virDomainBlockCopy', () => dom.blockCopy('vda', `<disk type='file'><source file='/nonexistent.qcow2'/></disk>`, { bandwidth: 1 })],
      ['virDomainBlockJobAbort', () => dom.blockJobAbort('vda')],
      ['virDomainGetBlockJobInfo', () => dom.getBlockJobInfo('vda')],
      ['virDomainBlockJobSetSpeed', () => dom.blockJobSetSpeed('vda', 1)],
      ['virDomainBlockStatsFlags', () => dom.blockStats('vda')],
    ];
    for (const [fn, call] of cases) {
      const error = await expectLibvirtError(call(), 'VIR_ERR_NO_SUPPORT');
      expect(error.function).toBe(fn);
    }
  });

  it('rejects bad arguments with TypeErrors before any work', () => {
    expect(() => dom.blockCommit(undefined as unknown as string, null, null, 0)).toThrow(/disk must be a string/);
    expect(() => dom.blockCommit('vda', 42 as unknown as string, null, 0)).toThrow(/base must be a string/);
    expect(() => dom.blockCommit('vda', null, {} as unknown as string, 0)).toThrow(/top must be a string/);
    expect(() => dom.blockCommit('vda', null, null, -1)).toThrow(/bandwidth/);
    expect(() => dom.blockCommit('vda', null, null, 0, -1)).toThrow(/flags/);
    expect(() => dom.blockPull('vda', 1.5)).toThrow(/bandwidth/);
    expect(() => dom.blockPull('vda', undefined as unknown as number)).toThrow(/bandwidth/);
    expect(() => dom.blockRebase('vda', null, '1' as unknown as number)).toThrow(/bandwidth/);
    expect(() => dom.blockCopy('vda', undefined as unknown as string)).toThrow(/destXml must be a string/);
    expect(() => dom.blockCopy('vda', '<disk/>', { bogus: 1 } as never)).toThrow(/unknown parameter 'bogus'/);
    expect(() => dom.blockCopy('vda', '<disk/>', { granularity: -1 })).toThrow(TypeError);
    expect(() => dom.blockCopy('vda', '<disk/>', { 'buf-size': 'big' as unknown as number })).toThrow(TypeError);
    expect(() => dom.blockCopy('vda', '<disk/>', [] as never)).toThrow(/params must be an object/);
    expect(() => dom.blockJobAbort('vda', 'pivot' as unknown as number)).toThrow(/flags/);
    expect(() => dom.getBlockJobInfo(7 as unknown as string)).toThrow(/disk must be a string/);
    expect(() => dom.blockJobSetSpeed('vda', Number.NaN)).toThrow(/bandwidth/);
    expect(() => dom.blockInfo(null as unknown as string)).toThrow(/disk must be a string/);
    expect(() => dom.blockStats(undefined as unknown as string)).toThrow(/disk must be a string/);
    expect(() => dom.setBlockIoTune('vda', { weight: 1 })).toThrow(/unknown parameter 'weight'/);
    expect(() => dom.setBlockIoTune('vda', { group_name: 5 })).toThrow(TypeError);
    expect(() => dom.setBlockIoTune('vda', undefined as never)).toThrow(/params must be an object/);
    const getBlockJobInfo = dom.getBlockJobInfo;
    expect(() => getBlockJobInfo.call({}, 'vda')).toThrow(TypeError); // not a Domain receiver
  });
});
