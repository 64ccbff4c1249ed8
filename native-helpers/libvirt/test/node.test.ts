/**
 * Host (node) calls on libvirt's test driver. The calls it lacks (domain capabilities, node memory stats,
 * CPU comparison, hypervisor baseline) reject with VIR_ERR_NO_SUPPORT here and are covered on the QEMU
 * test bed (test/integration/testbed/binding-node.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConnection, type Connection } from '../lib/index';
import { expectLibvirtError } from './helpers';

const QEMU64 = `<cpu><arch>x86_64</arch><model>qemu64</model></cpu>`;

describe('host calls on the test driver', () => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openConnection('test:///default');
  });
  afterEach(async () => {
    await conn.close();
  });

  it('reads CPU stats, free memory (total and per NUMA cell), sysinfo and the vCPU limit', async () => {
    const cpu = await conn.getNodeCPUStats();
    expect(Object.keys(cpu).sort()).toEqual(['idle', 'iowait', 'kernel', 'user']);
    expect(Object.values(cpu).every((v) => Number.isInteger(v) && v > 0)).toBe(true);
    const cells = await conn.getCellsFreeMemory(0, 8);
    expect(cells).toHaveLength((await conn.getNodeInfo()).nodes);
    expect(cells.every((c) => c > 0)).toBe(true);
    expect(await conn.getFreeMemory()).toBeGreaterThan(0);
    expect(await conn.getSysinfo()).toMatch(/^<sysinfo type='smbios'>/);
    expect(await conn.getMaxVcpus()).toBeGreaterThan(0);
  });

  it('computes a baseline CPU', async () => {
    expect(await conn.baselineCPU([QEMU64, QEMU64])).toMatch(/<model[^>]*>qemu64<\/model>/);
  });

  it('reports what the test driver lacks as VIR_ERR_NO_SUPPORT', async () => {
    await expectLibvirtError(conn.getDomainCapabilities(), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(conn.getNodeMemoryStats(), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(conn.compareCPU(QEMU64), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(conn.compareHypervisorCPU(null, null, null, null, QEMU64), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(conn.baselineHypervisorCPU(null, null, null, null, [QEMU64]), 'VIR_ERR_NO_SUPPORT');
  });

  it('rejects bad arguments with TypeErrors before any work', () => {
    expect(() => conn.getNodeCPUStats(-2)).toThrow(TypeError);
    expect(() => conn.getNodeMemoryStats(1.5)).toThrow(TypeError);
    expect(() => conn.getCellsFreeMemory(0, 0)).toThrow(TypeError);
    expect(() => conn.baselineCPU(QEMU64 as unknown as string[])).toThrow(TypeError);
    expect(() => conn.baselineCPU([QEMU64, 1 as unknown as string])).toThrow(TypeError);
    expect(() => conn.compareCPU(undefined as unknown as string)).toThrow(TypeError);
    expect(() => conn.getDomainCapabilities(42 as unknown as string)).toThrow(TypeError);
  });
});
