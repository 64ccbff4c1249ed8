/**
 * The binding's secret calls on a real libvirt host (the test driver has no secret driver): define,
 * look up by UUID and by usage, set and read values as Buffers, private secrets, undefine. Creates only
 * secrets whose usage ids start with `ns-<pid>-`, and removes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  openConnection,
  virSecretUsageType,
  type Connection,
} from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const prefix = `ns-${process.pid}-`;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'no error',
    (e: unknown) => (e instanceof LibvirtError ? e.codeName : String(e)),
  );
}

describe.skipIf(!env)('binding: secrets on a real libvirt host', () => {
  let conn: Connection;

  beforeAll(async () => {
    conn = await openConnection(env!.host0Uri);
  });

  afterAll(async () => {
    for (const secret of await conn.listAllSecrets()) {
      if (secret.getUsageID()?.startsWith(prefix)) await secret.undefine();
    }
    await conn.close();
  });

  it('defines a secret, finds it by UUID and usage, and round-trips a binary value', async () => {
    const usage = `${prefix}ceph`;
    const secret = await conn.defineSecretXML(
      `<secret ephemeral='no' private='no'><description>tandem test</description><usage type='ceph'><name>${usage}</name></usage></secret>`,
    );
    expect(secret.getUsageType()).toBe(virSecretUsageType.VIR_SECRET_USAGE_TYPE_CEPH);
    expect(secret.getUsageID()).toBe(usage);
    expect(await secret.getXMLDesc()).toContain(`<name>${usage}</name>`);
    expect((await conn.listAllSecrets()).map((s) => s.getUUIDString())).toContain(secret.getUUIDString());
    expect((await conn.lookupSecretByUUIDString(secret.getUUIDString())).getUsageID()).toBe(usage);
    const byUsage = await conn.lookupSecretByUsage(virSecretUsageType.VIR_SECRET_USAGE_TYPE_CEPH, usage);
    expect(byUsage.getUUIDString()).toBe(secret.getUUIDString());

    expect(await codeOf(secret.getValue())).toBe('VIR_ERR_NO_SECRET'); // no value yet
    const value = Buffer.from([0, 1, 2, 250, 255, 0, 42]);
    await secret.setValue(value);
    const read = await secret.getValue();
    expect(Buffer.isBuffer(read)).toBe(true);
    expect([...read]).toEqual([...value]);
    expect([...value]).toEqual([0, 1, 2, 250, 255, 0, 42]); // the caller's Buffer is left alone
    await secret.setValue(new Uint8Array([7]));
    expect([...(await secret.getValue())]).toEqual([7]);
  });

  it('refuses to reveal a private secret\'s value', async () => {
    const usage = `${prefix}private`;
    const secret = await conn.defineSecretXML(
      `<secret ephemeral='no' private='yes'><usage type='ceph'><name>${usage}</name></usage></secret>`,
    );
    await secret.setValue(Buffer.from('s3cret'));
    expect(await codeOf(secret.getValue())).toBe('VIR_ERR_INVALID_SECRET');
  });

  it('undefines: the secret cannot be found any more', async () => {
    const usage = `${prefix}gone`;
    const secret = await conn.defineSecretXML(
      `<secret ephemeral='no' private='no'><usage type='volume'><volume>/nonexistent/${usage}</volume></usage></secret>`,
    );
    expect(secret.getUsageType()).toBe(virSecretUsageType.VIR_SECRET_USAGE_TYPE_VOLUME);
    const uuid = secret.getUUIDString();
    await secret.undefine();
    expect(await codeOf(conn.lookupSecretByUUIDString(uuid))).toBe('VIR_ERR_NO_SECRET');
    expect(await codeOf(conn.lookupSecretByUsage(virSecretUsageType.VIR_SECRET_USAGE_TYPE_CEPH, `${prefix}nothing`))).toBe('VIR_ERR_NO_SECRET');
  });

  it('refuses a value that is not a Buffer, and use after free', async () => {
    const secret = await conn.defineSecretXML(
      `<secret ephemeral='no' private='no'><usage type='ceph'><name>${prefix}args</name></usage></secret>`,
    );
    expect(() => secret.setValue('text' as never)).toThrow(/value must be a Buffer/);
    expect(() => secret.setValue(new Uint16Array(2) as never)).toThrow(/value must be a Buffer/);
    const again = await conn.lookupSecretByUUIDString(secret.getUUIDString());
    again.free();
    expect(() => again.getUsageID()).toThrow(/freed/);
    expect(secret.getUsageID()).toBe(`${prefix}args`); // another wrapper of the same secret is unaffected
  });
});
