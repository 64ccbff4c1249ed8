/**
 * The libvirt binding's checkpoints, backups and domain jobs against a real QEMU guest on the test bed
 * (host1): a full push backup that creates a checkpoint, an incremental one from it, a pull-mode backup
 * read over NBD and ended with abortJob, and the error paths. Outcomes are checked on the images: what the
 * guest wrote (its counter) must be in the backup, and the incremental must hold only the changed data.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LibvirtError,
  virDomainGetJobStatsFlags,
  virDomainJobOperation,
  virDomainJobType,
  virDomainState,
} from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import {
  diskCounter,
  lastCounter,
  printedCounters,
  qemuImgInfo,
  removeGuest,
  startGuest,
  waitForCounterAbove,
  waitForDomainJobEnd,
  type RunningGuest,
} from './snapshotTestbed';

const env = testbedOrFail();
const execFileAsync = promisify(execFile);
const NAME = `sn-${process.pid}-bk`;
const JOB_DEADLINE_MS = 60_000;

const file = (suffix: string) => join(env!.images, `${NAME}.${suffix}`);
const FULL = file('full.qcow2');
const INCR = file('incr.qcow2');
const SCRATCH = file('scratch.qcow2');
const SOCKET = file('nbd.sock');
const RAW = file('raw');
const NOWHERE = file('nowhere.qcow2');

function pushBackupXml(target: string, incremental?: string): string {
  return `<domainbackup mode='push'>${incremental ? `<incremental>${incremental}</incremental>` : ''}
    <disks><disk name='vda' backup='yes' type='file'><driver type='qcow2'/><target file='${target}'/></disk></disks>
  </domainbackup>`;
}

const checkpointXml = (name: string) =>
  `<domaincheckpoint><name>${name}</name><disks><disk name='vda' checkpoint='bitmap'/></disks></domaincheckpoint>`;

/**
 * Puts 8 MiB of data (past the counter's first line) on the fresh disk, so a full backup has much more to
 * copy than an incremental one, which only sees the counter's writes.
 */
async function fillDisk(diskPath: string): Promise<void> {
  await execFileAsync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 8M', diskPath]);
}

describe.skipIf(!env)('binding: checkpoints, backups and jobs on a real QEMU guest', () => {
  let g: RunningGuest;
  let fullCounter = 0;

  beforeAll(async () => {
    g = await startGuest(env!, NAME, fillDisk);
  });

  afterAll(async () => {
    await g?.dom.abortJob().catch(() => undefined);
    await removeGuest(g, [FULL, INCR, SCRATCH, SOCKET, RAW, NOWHERE]);
  });

  it('has no job while idle', async () => {
    expect((await g.dom.getJobInfo()).type).toBe(virDomainJobType.VIR_DOMAIN_JOB_NONE);
  });

  it('runs a full push backup that creates checkpoint cp1; the image holds a counter the guest printed', async () => {
    await waitForCounterAbove(g.guest, 2);
    await g.dom.backupBegin(pushBackupXml(FULL), checkpointXml('cp1'));
    const end = await waitForDomainJobEnd(g.dom, JOB_DEADLINE_MS);
    expect([virDomainJobType.VIR_DOMAIN_JOB_NONE, virDomainJobType.VIR_DOMAIN_JOB_COMPLETED]).toContain(end.type);

    const stats = await g.dom.getJobStats(virDomainGetJobStatsFlags.VIR_DOMAIN_JOB_STATS_COMPLETED);
    expect(stats.type).toBe(virDomainJobType.VIR_DOMAIN_JOB_COMPLETED);
    expect(stats.stats.operation).toBe(virDomainJobOperation.VIR_DOMAIN_JOB_OPERATION_BACKUP);

    const info = await qemuImgInfo(FULL);
    expect(info.format).toBe('qcow2');
    expect(info['virtual-size']).toBe(64 * 1024 * 1024);
    const counter = await diskCounter(FULL, 'qcow2', RAW);
    expect(counter).toBeGreaterThan(0);
    expect(await printedCounters(g.guest)).toContain(counter);
    fullCounter = counter!;

    const [cp1] = await g.dom.listAllCheckpoints();
    expect(cp1?.getName()).toBe('cp1');
    expect(await cp1!.getXMLDesc()).toMatch(/<disk name='vda' checkpoint='bitmap'/);
  });

  it('runs an incremental backup from cp1 (creating cp2): only the changed data, a later counter', async () => {
    await waitForCounterAbove(g.guest, fullCounter + 1);
    await g.dom.backupBegin(pushBackupXml(INCR, 'cp1'), checkpointXml('cp2'));
    await waitForDomainJobEnd(g.dom, JOB_DEADLINE_MS);

    const counter = await diskCounter(INCR, 'qcow2', RAW);
    expect(counter).toBeGreaterThan(fullCounter);
    expect(await printedCounters(g.guest)).toContain(counter);
    // The 8 MiB filler did not change since cp1: the incremental image holds only the counter's cluster.
    const [full, incr] = [await qemuImgInfo(FULL), await qemuImgInfo(INCR)];
    expect(full['actual-size']).toBeGreaterThan(8 * 1024 * 1024);
    expect(incr['actual-size']).toBeLessThan(full['actual-size'] / 4);

    const cp2 = await g.dom.checkpointLookupByName('cp2');
    expect((await cp2.getParent()).getName()).toBe('cp1');
  });

  it('runs a pull-mode backup: its XML is readable, the disk is served over NBD, abortJob ends it', async () => {
    await g.dom.backupBegin(
      `<domainbackup mode='pull'><server transport='unix' socket='${SOCKET}'/>
        <disks><disk name='vda' backup='yes' type='file'><scratch file='${SCRATCH}'/></disk></disks></domainbackup>`,
      null,
    );
    const xml = await g.dom.backupGetXMLDesc();
    expect(xml).toMatch(/<domainbackup mode='pull'/);
    expect(xml).toContain(SOCKET);
    expect([virDomainJobType.VIR_DOMAIN_JOB_BOUNDED, virDomainJobType.VIR_DOMAIN_JOB_UNBOUNDED]).toContain(
      (await g.dom.getJobInfo()).type,
    );

    const counter = await diskCounter(`nbd+unix:///vda?socket=${SOCKET}`, 'raw', RAW);
    expect(await printedCounters(g.guest)).toContain(counter);

    await g.dom.abortJob();
    await waitForDomainJobEnd(g.dom, JOB_DEADLINE_MS);
    const error = await g.dom.backupGetXMLDesc().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toBe('VIR_ERR_NO_DOMAIN_BACKUP');
  });

  it('rejects a backup of a disk that does not exist and leaves the guest running', async () => {
    const error = await g.dom
      .backupBegin(`<domainbackup mode='push'><disks><disk name='vdz' backup='yes' type='file'><target file='${NOWHERE}'/></disk></disks></domainbackup>`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibvirtError);
    expect((error as LibvirtError).codeName).toBe('VIR_ERR_CONFIG_UNSUPPORTED');
    expect((error as LibvirtError).message).toContain('vdz');
    expect((error as LibvirtError).function).toBe('virDomainBackupBegin');
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    await waitForCounterAbove(g.guest, await lastCounter(g.guest));
  });

  it('rejects a checkpoint whose name exists, and abortJob with no job', async () => {
    const dup = await g.dom.checkpointCreateXML(checkpointXml('cp1')).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(LibvirtError);
    expect((dup as LibvirtError).codeName).toBe('VIR_ERR_OPERATION_FAILED');
    const noJob = await g.dom.abortJob().catch((e: unknown) => e);
    expect(noJob).toBeInstanceOf(LibvirtError);
    expect((noJob as LibvirtError).codeName).toBe('VIR_ERR_OPERATION_INVALID');
    expect((await g.dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
  });
});
