/**
 * Bulk stats on libvirt's test driver, which implements the `state` and `iothread` groups; every other
 * group is covered on the QEMU test bed (test/integration/testbed/binding-stats.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openConnection,
  virConnectGetAllDomainStatsFlags as F,
  virDomainState,
  virDomainStatsTypes as S,
  type Connection,
} from '../lib/index';
import { expectLibvirtError } from './helpers';

const INACTIVE_XML = `<domain type='test'><name>stats-off</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type>hvm</type></os><devices/></domain>`;

describe('bulk domain stats on the test driver', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openConnection('test:///default');
  });
  afterEach(async () => {
    // test:///default keeps its state while any object of it lives: put it back as it was.
    for (const dom of await conn.listAllDomains()) {
      if (dom.getName() !== 'test') await dom.undefine();
      else if ((await dom.getState()).state === virDomainState.VIR_DOMAIN_PAUSED) await dom.resume();
    }
    await conn.close();
  });

  it('returns one record per domain with libvirt keys, following the domain state', async () => {
    const test = await conn.lookupDomainByName('test');
    const [record] = await conn.getAllDomainStats(S.VIR_DOMAIN_STATS_STATE);
    expect(record).toEqual({
      name: 'test',
      uuid: test.getUUIDString(),
      stats: { 'state.state': virDomainState.VIR_DOMAIN_RUNNING, 'state.reason': expect.any(Number) },
    });
    await test.suspend();
    const [paused] = await conn.getAllDomainStats(S.VIR_DOMAIN_STATS_STATE);
    expect(paused!.stats['state.state']).toBe(virDomainState.VIR_DOMAIN_PAUSED);
  });

  it('filters by state with the flags', async () => {
    await conn.defineDomainXML(INACTIVE_XML);
    const names = async (flags: number) =>
      (await conn.getAllDomainStats(S.VIR_DOMAIN_STATS_STATE, flags)).map((r) => r.name).sort();
    expect(await names(0)).toEqual(['stats-off', 'test']);
    expect(await names(F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)).toEqual(['test']);
    expect(await names(F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE)).toEqual(['stats-off']);
  });

  it('takes stats of chosen domains (virDomainListGetStats)', async () => {
    const off = await conn.defineDomainXML(INACTIVE_XML);
    const records = await conn.getDomainStats([off], S.VIR_DOMAIN_STATS_STATE);
    expect(records).toEqual([
      { name: 'stats-off', uuid: off.getUUIDString(), stats: expect.objectContaining({ 'state.state': virDomainState.VIR_DOMAIN_SHUTOFF }) },
    ]);
  });

  it('returns the iothread group (empty for a domain without iothreads)', async () => {
    const records = await conn.getAllDomainStats(S.VIR_DOMAIN_STATS_IOTHREAD, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS);
    expect(records.map((r) => r.name)).toEqual(['test']);
  });

  it('rejects a group the driver lacks when enforced, with libvirt code', async () => {
    await expectLibvirtError(
      conn.getAllDomainStats(S.VIR_DOMAIN_STATS_BLOCK, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS),
      'VIR_ERR_ARGUMENT_UNSUPPORTED',
    );
  });

  it('rejects bad arguments with TypeErrors before any work', async () => {
    const test = await conn.lookupDomainByName('test');
    expect(() => conn.getAllDomainStats(undefined as unknown as number)).toThrow(TypeError);
    expect(() => conn.getAllDomainStats(-1)).toThrow(TypeError);
    expect(() => conn.getDomainStats([], S.VIR_DOMAIN_STATS_STATE)).toThrow(TypeError);
    expect(() => conn.getDomainStats([{} as typeof test], S.VIR_DOMAIN_STATS_STATE)).toThrow(TypeError);
    expect(() => conn.getDomainStats([test], 'all' as unknown as number)).toThrow(TypeError);
  });

  it('rejects calls on a closed connection with VIR_ERR_INVALID_CONN', async () => {
    const other = await openConnection('test:///default');
    await other.close();
    expect(() => other.getAllDomainStats(S.VIR_DOMAIN_STATS_STATE)).toThrow(expect.objectContaining({ codeName: 'VIR_ERR_INVALID_CONN' }));
  });
});
