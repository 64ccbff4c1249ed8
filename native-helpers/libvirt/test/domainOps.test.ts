/**
 * Domain operations on libvirt's test driver: sizing, save / restore, managed save, interface addresses,
 * guest filesystem freeze / thaw (the test driver fakes an agent), scheduler parameters. Device hot-plug,
 * block resize and dirty rate, which the test driver lacks, are covered on the QEMU test bed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  openConnection,
  virDomainInterfaceAddressesSource,
  virDomainModificationImpact,
  virDomainRunningReason,
  virDomainShutoffReason,
  virDomainState,
  virDomainVcpuFlags,
  type Connection,
  type Domain,
} from '../lib/index';
import { expectLibvirtError } from './helpers';

const XML = `<domain type='test'><name>ops-vm</name><memory unit='MiB'>512</memory><currentMemory unit='MiB'>512</currentMemory>
  <vcpu>4</vcpu><os><type>hvm</type></os><devices/></domain>`;

describe('domain operations on the test driver', () => {
  let conn: Connection;
  let dom: Domain;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-domain-ops-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    conn = await openConnection('test:///default');
    dom = await conn.defineDomainXML(XML);
  });
  afterEach(async () => {
    if (await dom.isActive()) await dom.destroy();
    if (await dom.hasManagedSaveImage()) await dom.managedSaveRemove();
    await dom.undefine();
    await conn.close();
  });

  it('sets vCPUs and memory: the domain XML shows them', async () => {
    await dom.setMaxMemory(256 * 1024);
    await dom.setVcpus(2, virDomainModificationImpact.VIR_DOMAIN_AFFECT_CONFIG);
    expect(await dom.getMaxMemory()).toBe(256 * 1024);
    await dom.create();
    await dom.setMemory(128 * 1024);
    const xml = await dom.getXMLDesc();
    expect(xml).toMatch(/<memory unit='KiB'>262144<\/memory>/);
    expect(xml).toMatch(/<currentMemory unit='KiB'>131072<\/currentMemory>/);
    expect(xml).toMatch(/<vcpu[^>]*current='2'[^>]*>4<\/vcpu>/);
    expect(await dom.getVcpusCount()).toBe(2);
    expect(await dom.getVcpusCount(virDomainVcpuFlags.VIR_DOMAIN_VCPU_MAXIMUM)).toBe(4);
  });

  it('refuses sizes libvirt rejects, with its error', async () => {
    await dom.create();
    await expectLibvirtError(dom.setMaxMemory(1024), 'VIR_ERR_OPERATION_INVALID'); // active domain
    await expectLibvirtError(dom.setVcpus(64), 'VIR_ERR_INVALID_ARG'); // above the maximum
  });

  it('saves to a file (shut off, reason saved) and restores (running, reason restored)', async () => {
    await dom.create();
    const file = join(dir, 'ops-vm.save');
    await dom.save(file);
    expect(existsSync(file)).toBe(true);
    expect(await dom.getState()).toEqual({ state: virDomainState.VIR_DOMAIN_SHUTOFF, reason: virDomainShutoffReason.VIR_DOMAIN_SHUTOFF_SAVED });
    await conn.restore(file);
    expect(await dom.getState()).toEqual({ state: virDomainState.VIR_DOMAIN_RUNNING, reason: virDomainRunningReason.VIR_DOMAIN_RUNNING_RESTORED });
    await expectLibvirtError(conn.restore(join(dir, 'missing.save')), 'VIR_ERR_SYSTEM_ERROR');
  });

  it('managed-saves, reports the image, restores on start, and removes an image', async () => {
    await dom.create();
    await dom.managedSave();
    expect(await dom.hasManagedSaveImage()).toBe(true);
    expect(await dom.getState()).toEqual({ state: virDomainState.VIR_DOMAIN_SHUTOFF, reason: virDomainShutoffReason.VIR_DOMAIN_SHUTOFF_SAVED });
    await dom.create(); // consumes the image (the test driver reports the start as "booted")
    expect((await dom.getState()).state).toBe(virDomainState.VIR_DOMAIN_RUNNING);
    expect(await dom.hasManagedSaveImage()).toBe(false);
    await dom.managedSave();
    await dom.managedSaveRemove();
    expect(await dom.hasManagedSaveImage()).toBe(false);
  });

  it("lists the guest's interface addresses", async () => {
    const test = await conn.lookupDomainByName('test');
    expect(await test.interfaceAddresses(virDomainInterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)).toEqual([
      { name: 'testnet0', hwaddr: 'aa:bb:cc:dd:ee:ff', addrs: [{ type: 0, addr: '192.168.122.3', prefix: 24 }] },
    ]);
  });

  it('freezes and thaws guest filesystems (the test driver fakes / and /boot)', async () => {
    await dom.create();
    expect(await dom.fsFreeze()).toBe(2);
    expect(await dom.fsThaw(['/'])).toBe(1);
    expect(await dom.fsThaw(['/boot'])).toBe(1);
    await dom.destroy();
    await expectLibvirtError(dom.fsFreeze(), 'VIR_ERR_OPERATION_INVALID'); // not running
  });

  it('reads and writes scheduler parameters (typed parameters both ways)', async () => {
    // The test driver accepts a set without storing it; the QEMU test bed checks the value sticks.
    const test = await conn.lookupDomainByName('test');
    expect(await test.getSchedulerParameters()).toEqual({ type: 'fair', params: { weight: 50 } });
    await test.setSchedulerParameters({ weight: 50 });
    expect(() => test.setSchedulerParameters({ bogus: 1 })).toThrow(/unknown parameter 'bogus'/);
    expect(() => test.setSchedulerParameters({ weight: -1 })).toThrow(TypeError);
  });

  it('rejects what the test driver lacks with VIR_ERR_NO_SUPPORT', async () => {
    await dom.create();
    await expectLibvirtError(dom.blockResize('vda', 1024), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.attachDevice(`<interface type='network'><source network='default'/></interface>`), 'VIR_ERR_NO_SUPPORT');
    await expectLibvirtError(dom.startDirtyRateCalc(1), 'VIR_ERR_NO_SUPPORT');
  });

  it('rejects bad arguments with TypeErrors before any work', () => {
    expect(() => dom.setVcpus(-1)).toThrow(TypeError);
    expect(() => dom.setMemory('1G' as unknown as number)).toThrow(TypeError);
    expect(() => dom.setMaxMemory(1.5)).toThrow(TypeError);
    expect(() => dom.attachDevice(undefined as unknown as string)).toThrow(TypeError);
    expect(() => dom.save(42 as unknown as string)).toThrow(TypeError);
    expect(() => dom.save('/tmp/x', 42 as unknown as string)).toThrow(TypeError);
    expect(() => dom.blockResize('vda', -1)).toThrow(TypeError);
    expect(() => dom.interfaceAddresses(undefined as unknown as number)).toThrow(TypeError);
    expect(() => dom.fsFreeze('/' as unknown as string[])).toThrow(TypeError);
    expect(() => dom.startDirtyRateCalc(0)).toThrow(TypeError);
    expect(() => conn.restore(undefined as unknown as string)).toThrow(TypeError);
    const setVcpus = dom.setVcpus;
    expect(() => setVcpus.call({}, 1)).toThrow(TypeError); // not a Domain receiver
  });
});
