/**
 * The binding's bulk stats, host calls and domain operations against a real QEMU guest on the test bed
 * (calls libvirt's test driver lacks or fakes): every stats group, domain capabilities and CPU
 * comparison, read-only connections, config changes visible in the XML, block resize visible to
 * qemu-img, save / restore and managed save with the guest's serial counter going on, the agent-less
 * refusal of fsFreeze, and the JS event loop ticking while a slow save runs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openConnection,
  virCPUCompareResult,
  virConnectGetAllDomainStatsFlags as F,
  virDomainBlockResizeFlags,
  virDomainDirtyRateStatus,
  virDomainInterfaceAddressesSource as IfSource,
  virDomainModificationImpact as Impact,
  virDomainRunningReason,
  virDomainShutoffReason,
  virDomainState,
  virDomainStatsTypes as S,
  virDomainUndefineFlagsValues,
  virDomainVcpuFlags,
  virDomainXMLFlags,
  type Connection,
  type Domain,
  type DomainStatsRecord,
} from '../../../native-helpers/libvirt/lib/index';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, completeLines, createTinyGuest, removeTinyGuest, serialLogSize, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';
import { expectLibvirtError } from '../../../native-helpers/libvirt/test/helpers';

const env = testbedOrFail();
const run = promisify(execFile);
const QEMU64 = `<cpu><arch>x86_64</arch><model>qemu64</model></cpu>`;


/** The highest counter the guest printed so far. */
async function lastCounter(guest: TinyGuest): Promise<number> {
  const matches = [...completeLines(await readFile(guest.serialLogPath, 'utf8')).matchAll(/^tandem-counter (\d+)\r?$/gm)];
  return matches.length ? Number(matches.at(-1)![1]) : 0;
}

/** Waits until the guest prints a counter above `above` (it goes on from where it was). */
async function counterGoesOn(guest: TinyGuest, above: number): Promise<void> {
  await waitForSerial(guest.serialLogPath, new RegExp(`^tandem-counter (${above + 1}|${above + 2}|${above + 3})$`, 'm'), 60_000);
}

describe.skipIf(!env)('libvirt binding: stats, host calls and domain operations on a real QEMU guest', () => {
  let conn: Connection;
  let guest: TinyGuest;
  let dom: Domain;
  const saveFile = () => join(env!.images, `${guest.name}.save`);
  const extraDisk = () => join(env!.images, `${guest.name}-extra.iso`);

  const statsOf = async (stats: number, flags = F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS): Promise<DomainStatsRecord> => {
    const records = await conn.getDomainStats([dom], stats, flags);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ name: guest.name, uuid: guest.uuid });
    return records[0]!;
  };

  beforeAll(async () => {
    conn = await openConnection(env!.host1Uri);
    guest = await createTinyGuest(env!, { name: `dh-${process.pid}-ops` });
    dom = await conn.defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, SERIAL.ready, 60_000);
    await waitForSerial(guest.serialLogPath, /^tandem-counter 1$/m, 30_000);
  });

  afterAll(async () => {
    if (dom) {
      await dom.destroy().catch(() => undefined);
      await dom.undefine(virDomainUndefineFlagsValues.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE).catch(() => undefined);
    }
    if (guest) {
      await removeTinyGuest(guest);
      await rm(saveFile(), { force: true });
      await rm(extraDisk(), { force: true });
    }
    await conn?.close();
  });

  it('returns every stats group of the running guest, with libvirt keys', async () => {
    expect((await statsOf(S.VIR_DOMAIN_STATS_STATE)).stats).toMatchObject({ 'state.state': virDomainState.VIR_DOMAIN_RUNNING });
    const cpu = (await statsOf(S.VIR_DOMAIN_STATS_CPU_TOTAL)).stats;
    expect(cpu['cpu.time']).toBeGreaterThan(0);
    expect((await statsOf(S.VIR_DOMAIN_STATS_BALLOON)).stats).toMatchObject({ 'balloon.maximum': 128 * 1024 });
    expect((await statsOf(S.VIR_DOMAIN_STATS_VCPU)).stats).toMatchObject({ 'vcpu.current': 1, 'vcpu.maximum': 1, 'vcpu.0.state': 1 });
    expect((await statsOf(S.VIR_DOMAIN_STATS_INTERFACE)).stats).toMatchObject({ 'net.count': 0 });
    const block = (await statsOf(S.VIR_DOMAIN_STATS_BLOCK)).stats;
    expect(block).toMatchObject({ 'block.count': 1, 'block.0.name': 'vda', 'block.0.path': guest.diskPath, 'block.0.capacity': 64 * 1024 * 1024 });
    expect(block['block.0.rd.reqs']).toEqual(expect.any(Number));
    // These groups depend on host features (perf events, iothreads, resctrl, QEMU's query-stats): the
    // call must succeed with ENFORCE_STATS and return the record; their keys are libvirt's when present.
    for (const group of [S.VIR_DOMAIN_STATS_PERF, S.VIR_DOMAIN_STATS_IOTHREAD, S.VIR_DOMAIN_STATS_MEMORY, S.VIR_DOMAIN_STATS_VM]) {
      const { stats } = await statsOf(group);
      const prefix = { 64: 'perf.', 128: 'iothread.', 256: 'memory.', 1024: 'vm.' }[group]!;
      expect(Object.keys(stats).every((k) => k.startsWith(prefix))).toBe(true);
    }
    const all = await conn.getAllDomainStats(0, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
    const mine = all.find((r) => r.uuid === guest.uuid);
    expect(mine?.stats).toMatchObject({ 'state.state': virDomainState.VIR_DOMAIN_RUNNING, 'block.0.name': 'vda', 'vcpu.0.state': 1 });
  });

  it('measures the dirty rate (startDirtyRateCalc, then the dirtyrate stats group)', async () => {
    await dom.startDirtyRateCalc(1);
    let stats: DomainStatsRecord['stats'] = {};
    for (let i = 0; i < 100; i++) {
      stats = (await statsOf(S.VIR_DOMAIN_STATS_DIRTYRATE)).stats;
      if (stats['dirtyrate.calc_status'] === virDomainDirtyRateStatus.VIR_DOMAIN_DIRTYRATE_MEASURED) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(stats).toMatchObject({
      'dirtyrate.calc_status': virDomainDirtyRateStatus.VIR_DOMAIN_DIRTYRATE_MEASURED,
      'dirtyrate.calc_period': 1,
      'dirtyrate.megabytes_per_second': expect.any(Number),
    });
  });

  it('reads host facts: domain capabilities, memory stats, free memory, CPU comparison and baselines', async () => {
    expect(await conn.getDomainCapabilities(null, 'x86_64', null, 'qemu')).toMatch(/<domainCapabilities>[\s\S]*<domain>qemu<\/domain>/);
    const mem = await conn.getNodeMemoryStats();
    expect(mem.total).toBeGreaterThan(0);
    expect(mem.free).toBeGreaterThan(0);
    expect(await conn.getFreeMemory()).toBeGreaterThan(0);
    expect(Object.keys(await conn.getNodeCPUStats(0))).toEqual(expect.arrayContaining(['user', 'kernel', 'idle']));
    const compared = await conn.compareHypervisorCPU(null, 'x86_64', null, 'qemu', QEMU64);
    expect([virCPUCompareResult.VIR_CPU_COMPARE_IDENTICAL, virCPUCompareResult.VIR_CPU_COMPARE_SUPERSET]).toContain(compared);
    expect(Object.values(virCPUCompareResult)).toContain(await conn.compareCPU(QEMU64));
    expect(await conn.baselineHypervisorCPU(null, 'x86_64', null, 'qemu', [QEMU64])).toMatch(/<model[^>]*>qemu64<\/model>/);
    await expectLibvirtError(conn.compareCPU('<cpu>not xml'), 'VIR_ERR_XML_ERROR', 'VIR_ERR_XML_DETAIL', 'VIR_ERR_INTERNAL_ERROR');
  });

  it('a read-only connection reads but cannot write (VIR_ERR_OPERATION_DENIED)', async () => {
    const ro = await openConnection(env!.host0Uri, { readOnly: true });
    try {
      await ro.getAllDomainStats(S.VIR_DOMAIN_STATS_STATE);
      expect(await ro.getNodeMemoryStats()).toHaveProperty('total');
      await expectLibvirtError(ro.defineDomainXML(guest.xml.replace(guest.uuid, '00000000-0000-4000-8000-00000000d0d0')), 'VIR_ERR_OPERATION_DENIED');
    } finally {
      await ro.close();
    }
  });

  it('changes vCPUs, memory and devices in the persistent config: the inactive XML shows them', async () => {
    const CONFIG = Impact.VIR_DOMAIN_AFFECT_CONFIG;
    await dom.setVcpus(2, CONFIG | virDomainVcpuFlags.VIR_DOMAIN_VCPU_MAXIMUM);
    await dom.setVcpus(2, CONFIG);
    await dom.setMemory(96 * 1024, CONFIG);
    await run('qemu-img', ['create', '-q', '-f', 'raw', extraDisk(), '1M']);
    const cdrom = (source: string) =>
      `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>${source}<target dev='sdb' bus='sata'/><readonly/></disk>`;
    await dom.attachDevice(cdrom(''), CONFIG);
    await dom.updateDevice(cdrom(`<source file='${extraDisk()}'/>`), CONFIG);
    let xml = await dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE);
    expect(xml).toMatch(/<vcpu[^>]*>2<\/vcpu>/);
    expect(xml).toMatch(/<currentMemory unit='KiB'>98304<\/currentMemory>/);
    expect(xml).toContain(`<source file='${extraDisk()}'/>`);
    await dom.detachDevice(cdrom(''), CONFIG);
    xml = await dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE);
    expect(xml).not.toContain("dev='sdb'");
    // The live guest is untouched.
    expect(await dom.getVcpusCount()).toBe(1);
  });

  it('grows a disk live: qemu-img and the block stats show the new capacity', async () => {
    await dom.blockResize('vda', 96 * 1024 * 1024, virDomainBlockResizeFlags.VIR_DOMAIN_BLOCK_RESIZE_BYTES);
    const { stdout } = await run('qemu-img', ['info', '--force-share', '--output=json', guest.diskPath]);
    expect(JSON.parse(stdout)['virtual-size']).toBe(96 * 1024 * 1024);
    expect((await statsOf(S.VIR_DOMAIN_STATS_BLOCK)).stats['block.0.capacity']).toBe(96 * 1024 * 1024);
    await expectLibvirtError(dom.blockResize('vdz', 1024), 'VIR_ERR_INVALID_ARG');
  });

  it('without a guest agent, fsFreeze and agent addresses are refused with the agent error codes', async () => {
    await expectLibvirtError(dom.fsFreeze(), 'VIR_ERR_ARGUMENT_UNSUPPORTED', 'VIR_ERR_AGENT_UNRESPONSIVE');
    await expectLibvirtError(dom.fsThaw(), 'VIR_ERR_ARGUMENT_UNSUPPORTED', 'VIR_ERR_AGENT_UNRESPONSIVE');
    await expectLibvirtError(dom.interfaceAddresses(IfSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT), 'VIR_ERR_ARGUMENT_UNSUPPORTED', 'VIR_ERR_AGENT_UNRESPONSIVE');
    expect(await dom.interfaceAddresses(IfSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)).toEqual([]); // no NIC
  });

  it('saves the running guest without blocking the JS event loop, and restores it: the counter goes on', async () => {
    const before = await lastCounter(guest);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await dom.save(saveFile());
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThanOrEqual(20);
    expect(existsSync(saveFile())).toBe(true);
    expect(await dom.getState()).toEqual({ state: virDomainState.VIR_DOMAIN_SHUTOFF, reason: virDomainShutoffReason.VIR_DOMAIN_SHUTOFF_SAVED });
    const offset = await serialLogSize(guest.serialLogPath);
    await conn.restore(saveFile());
    expect(await dom.getState()).toEqual({ state: virDomainState.VIR_DOMAIN_RUNNING, reason: virDomainRunningReason.VIR_DOMAIN_RUNNING_RESTORED });
    const next = await waitForSerial(guest.serialLogPath, SERIAL.counter, 60_000, { fromOffset: offset });
    expect(Number(next[1])).toBeGreaterThan(before);
    expect(Number(next[1])).toBeLessThanOrEqual(before + 5); // went on from where it was, did not reboot
  });

  it('managed-saves and starts from the image: the counter goes on', async () => {
    const before = await lastCounter(guest);
    await dom.managedSave();
    expect(await dom.hasManagedSaveImage()).toBe(true);
    await dom.create();
    expect(await dom.getState()).toEqual({ state: virDomainState.VIR_DOMAIN_RUNNING, reason: virDomainRunningReason.VIR_DOMAIN_RUNNING_RESTORED });
    expect(await dom.hasManagedSaveImage()).toBe(false);
    await counterGoesOn(guest, await lastCounter(guest));
    expect(await lastCounter(guest)).toBeLessThanOrEqual(before + 10);
  });
});
