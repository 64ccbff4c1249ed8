/**
 * Secrets on libvirt's test driver, which has no secret driver: every call is refused with
 * VIR_ERR_NO_SUPPORT, and wrong arguments are TypeErrors. The secrets themselves (define, values, usage
 * lookups, undefine) are tested on a real host: test/integration/testbed/binding-secrets.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virSecretUsageType, type Connection } from '../lib/index';
import { expectLibvirtError } from './helpers';

describe('secrets on the test driver', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openConnection('test:///default');
  });
  afterAll(async () => {
    await conn.close();
  });

  it('reports the missing secret driver as VIR_ERR_NO_SUPPORT', async () => {
    const list = await expectLibvirtError(conn.listAllSecrets(), 'VIR_ERR_NO_SUPPORT');
    expect(list.function).toBe('virConnectListAllSecrets');
    await expectLibvirtError(conn.defineSecretXML("<secret ephemeral='no' private='no'/>"), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(conn.lookupSecretByUUIDString('2b6a1b5e-0d1f-4d2b-9b7e-3f3b7c1c0a11'), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(conn.lookupSecretByUsage(virSecretUsageType.VIR_SECRET_USAGE_TYPE_CEPH, 'x'), 'VIR_ERR_NO_SUPPORT');
  });

  it('refuses wrong arguments with a TypeError before doing any work', () => {
    expect(() => conn.lookupSecretByUsage('ceph' as never, 'x')).toThrow(/usageType must be a number/);
    expect(() => conn.lookupSecretByUsage(virSecretUsageType.VIR_SECRET_USAGE_TYPE_CEPH, 3 as never)).toThrow(/usageID must be a string/);
    expect(() => conn.defineSecretXML(null as never)).toThrow(/xml must be a string/);
    expect(() => conn.listAllSecrets(-3)).toThrow(/unsigned 32-bit/);
  });
});
