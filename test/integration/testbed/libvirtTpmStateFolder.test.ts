/**
 * Reading a VM's swtpm state folder through libvirt (drivers/libvirt/libvirtTpmState.ts) on a real daemon
 * (host1, whose /var/lib/libvirt is the test bed's host1/lib/libvirt): a folder that does not exist is a
 * TPM that never ran (no files), but a folder libvirt cannot open for another reason is an error, never an
 * empty TPM (a copy saying "empty" would give the guest a blank TPM at the revert, its sealed keys gone).
 * No guest is needed: the folder is all that is read, and the transient pool is gone afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTpmState } from '../../../main/drivers/libvirt/libvirtTpmState';
import { LibvirtError, openConnection, type Connection } from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';

const env = testbedOrFail();
const TPM_DOMAIN = "<domain type='qemu'><name>t</name><devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>";

describe.skipIf(!env)("a VM's TPM state folder, read through libvirt", () => {
  let conn: Connection;
  const swtpm = () => join(env!.dir, 'host1', 'lib', 'libvirt', 'swtpm');
  const made: string[] = [];

  beforeAll(async () => {
    conn = await openConnection(env!.host1Uri);
  });
  afterAll(async () => {
    for (const uuid of made) await rm(join(swtpm(), uuid), { recursive: true, force: true });
    await conn?.close();
  });

  const poolLeft = async (uuid: string) =>
    conn.lookupStoragePoolByName(`tandem-tpm-${uuid}`).then(
      (pool) => {
        pool.free();
        return true;
      },
      (error: unknown) => {
        if (error instanceof LibvirtError && error.codeName === 'VIR_ERR_NO_STORAGE_POOL') return false;
        throw error;
      },
    );

  it('a TPM that never ran (no folder) has no files', async () => {
    const uuid = randomUUID();
    expect(await readTpmState(conn, { hostId: 'host1', uuid }, TPM_DOMAIN)).toEqual([]);
    expect(await poolLeft(uuid)).toBe(false);
  });

  it('a state folder libvirt cannot open (here: not a folder) is an error, not an empty TPM', async () => {
    const uuid = randomUUID();
    made.push(uuid);
    await mkdir(join(swtpm(), uuid), { recursive: true });
    await writeFile(join(swtpm(), uuid, 'tpm2'), 'not a folder');
    await expect(readTpmState(conn, { hostId: 'host1', uuid }, TPM_DOMAIN)).rejects.toThrow(/tpm2/);
    expect(await poolLeft(uuid)).toBe(false);
  });
});
