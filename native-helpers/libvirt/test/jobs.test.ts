/**
 * Backup and job calls on libvirt's test driver, which implements none of them: every call must reject
 * with a LibvirtError (VIR_ERR_NO_SUPPORT) naming the libvirt function, and bad arguments must be
 * TypeErrors. Real backups and jobs run on the QEMU test bed (test/integration/testbed/binding-backup.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, virDomainGetJobStatsFlags, type Connection, type Domain } from '../lib/index';
import { expectLibvirtError } from './helpers';

/** The shared assertion, plus which libvirt function reported the error. */
async function expectFailedCall(promise: Promise<unknown>, codeName: string, fn: string): Promise<void> {
  expect((await expectLibvirtError(promise, codeName)).function).toBe(fn);
}

describe('backup and job calls on the test driver', () => {
  let conn: Connection;
  let dom: Domain;

  beforeAll(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.lookupDomainByName('test');
  });

  afterAll(async () => {
    await conn.close();
  });

  it('each call reaches libvirt and rejects with its error', async () => {
    await expectFailedCall(dom.getJobInfo(), 'VIR_ERR_NO_SUPPORT', 'virDomainGetJobInfo');
    await expectFailedCall(
      dom.getJobStats(virDomainGetJobStatsFlags.VIR_DOMAIN_JOB_STATS_COMPLETED),
      'VIR_ERR_NO_SUPPORT',
      'virDomainGetJobStats',
    );
    await expectFailedCall(dom.abortJob(), 'VIR_ERR_NO_SUPPORT', 'virDomainAbortJob');
    await expectFailedCall(dom.abortJob(1), 'VIR_ERR_NO_SUPPORT', 'virDomainAbortJobFlags');
    await expectFailedCall(dom.backupGetXMLDesc(), 'VIR_ERR_NO_SUPPORT', 'virDomainBackupGetXMLDesc');
    await expectFailedCall(dom.backupBegin('<domainbackup/>', null), 'VIR_ERR_NO_SUPPORT', 'virDomainBackupBegin');
    await expectFailedCall(
      dom.backupBegin('<domainbackup/>', '<domaincheckpoint/>', 0),
      'VIR_ERR_NO_SUPPORT',
      'virDomainBackupBegin',
    );
  });

  it('checks arguments before any work (TypeError)', () => {
    const anyDom = dom as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => anyDom.backupBegin!.call(dom)).toThrow(/backupXml must be a string/);
    expect(() => anyDom.backupBegin!.call(dom, '<domainbackup/>', 5)).toThrow(/checkpointXml must be a string or null/);
    expect(() => anyDom.backupBegin!.call(dom, '<domainbackup/>', null, 'x')).toThrow(TypeError);
    expect(() => anyDom.backupGetXMLDesc!.call(dom, -1)).toThrow(TypeError);
    expect(() => anyDom.getJobStats!.call(dom, 2 ** 33)).toThrow(TypeError);
    expect(() => anyDom.abortJob!.call(dom, 'now')).toThrow(TypeError);
    expect(() => anyDom.getJobInfo!.call({})).toThrow(/must be a Domain/);
  });
});
