/**
 * Migration calls on libvirt's test driver, which implements none of them: what is checked here is the
 * argument checking (TypeErrors before any work, for every typed parameter) and that libvirt's refusals
 * arrive as LibvirtErrors. Real live migrations between two QEMU hosts are in
 * test/integration/testbed/binding-migration.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virDomainMigrateFlags as M, type Connection, type Domain, type MigrateParams } from '../lib/index';
import { expectLibvirtError } from './helpers';

const XML = `<domain type='test'><name>mig-vm-${process.pid}</name><memory unit='MiB'>128</memory>
  <vcpu>1</vcpu><os><type>hvm</type></os><devices/></domain>`;

describe('migration on the test driver', () => {
  let conn: Connection;
  let dom: Domain;
  beforeAll(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.defineDomainXML(XML);
    await dom.create();
  });
  afterAll(async () => {
    await dom.destroy();
    await dom.undefine();
    await conn.close();
  });

  it('rejects unknown parameter names and wrongly typed values with a TypeError, before any work', () => {
    const bad = (params: unknown) => () => dom.migrateToURI3('test:///default', params as MigrateParams, M.VIR_MIGRATE_LIVE);
    expect(bad({ bandwith: 10 })).toThrow(TypeError);
    expect(bad({ bandwith: 10 })).toThrow(/unknown parameter 'bandwith'/);
    expect(bad({ bandwidth: -1 })).toThrow(/params.bandwidth must be a non-negative safe integer/);
    expect(bad({ bandwidth: '10' })).toThrow(/params.bandwidth/);
    expect(bad({ migrate_disks: ['vda', 3] })).toThrow(/params.migrate_disks must be a string/);
    expect(bad({ 'parallel.connections': 2 ** 31 })).toThrow(/32-bit integer/);
    expect(bad({ 'tls.destination': true })).toThrow(/params.tls.destination must be a string/);
    expect(bad('bandwidth=10')).toThrow(/params must be an object/);
    expect(() => dom.migrateToURI3(42 as unknown as string, {})).toThrow(/dconnuri must be a string/);
    expect(() => dom.migrateToURI3(null, {}, -1)).toThrow(/flags/);
    expect(() => dom.migrate3({} as Connection, {})).toThrow(/expected a Connection/);
    expect(() => dom.migrate3(null as unknown as Connection, {})).toThrow(/destConn must be a Connection/);
    expect(() => dom.migrateSetMaxSpeed(-5)).toThrow(TypeError);
    expect(() => dom.migrateSetMaxDowntime(1.5)).toThrow(TypeError);
    expect(() => dom.migrateSetCompressionCache('1M' as unknown as number)).toThrow(TypeError);
  });

  it('accepts every VIR_MIGRATE_PARAM_* with its documented type; the driver then refuses with a LibvirtError', async () => {
    const all: MigrateParams = {
      migrate_uri: 'tcp://127.0.0.1:49152',
      destination_name: 'renamed',
      destination_xml: XML,
      persistent_xml: XML,
      bandwidth: 1000,
      'bandwidth.postcopy': 500,
      graphics_uri: 'vnc://127.0.0.1:5900/',
      listen_address: '127.0.0.1',
      migrate_disks: ['vda', 'vdb'],
      disks_port: 49153,
      disks_uri: 'tcp://127.0.0.1:49154',
      compression: ['xbzrle', 'mt'],
      'compression.mt.level': 1,
      'compression.mt.threads': 2,
      'compression.mt.dthreads': 2,
      'compression.xbzrle.cache': 64 * 1024 * 1024,
      'auto_converge.initial': 20,
      'auto_converge.increment': 10,
      'parallel.connections': 2,
      'tls.destination': 'host2.example',
    };
    // The test driver has no migration: direct or peer-to-peer, libvirt's API layer refuses it.
    await expectLibvirtError(dom.migrateToURI3(null, all, M.VIR_MIGRATE_LIVE), 'VIR_ERR_ARGUMENT_UNSUPPORTED');
    await expectLibvirtError(dom.migrateToURI3('test:///default', all, M.VIR_MIGRATE_PEER2PEER), 'VIR_ERR_ARGUMENT_UNSUPPORTED');
    const other = await openConnection('test:///default');
    try {
      const err = await dom.migrate3(other, { bandwidth: 10 }, M.VIR_MIGRATE_LIVE).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'LibvirtError', function: 'virDomainMigrate3' });
    } finally {
      await other.close();
    }
  });

  it('reports the tunables the driver lacks as VIR_ERR_NO_SUPPORT', async () => {
    await expectLibvirtError(dom.migrateGetMaxDowntime(), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.migrateSetMaxDowntime(300), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.migrateGetMaxSpeed(), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.migrateSetMaxSpeed(1000), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.migrateGetCompressionCache(), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.migrateSetCompressionCache(1 << 20), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.migrateStartPostCopy(), 'VIR_ERR_NO_SUPPORT');
  });
});
