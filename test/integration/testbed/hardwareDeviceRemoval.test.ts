/**
 * Removing disks from a running real guest through HardwareEditor and the libvirt port: the report must
 * agree with the running VM. 'both' only if the live definition no longer lists the disk (the guest released
 * it and libvirt's device-removed event came); otherwise 'next-boot', removal pending the guest. A paused
 * guest cannot answer the unplug request: that removal is pending until it runs again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virDomainXMLFlags, type Domain } from '../../../native-helpers/libvirt/lib/index';
import type { HostSession } from '../../../main/core/hosts/HostDriver';
import { DomainXml } from '../../../main/core/inventory/DomainXml';
import { HardwareEditor, REMOVAL_PENDING_NOTE } from '../../../main/core/inventory/HardwareEditor';
import { LibvirtHostDriver, libvirtConnectionOf } from '../../../main/drivers/libvirt/LibvirtHostDriver';
import { libvirtVmHardware } from '../../../main/drivers/libvirt/LibvirtVmHardware';
import { testbedOrFail } from '../../support/requireTestbed';
import { SERIAL, createTinyGuest, removeTinyGuest, waitForSerial, type TinyGuest } from '../../testbed/tinyGuest';

const env = testbedOrFail();
const GUEST_DEADLINE_MS = 60_000;

describe.skipIf(!env)('removing a disk from a running real guest', () => {
  let session: HostSession;
  let guest: TinyGuest;
  let dom: Domain;

  beforeAll(async () => {
    session = await new LibvirtHostDriver().connect(env!.host1Uri, {});
    guest = await createTinyGuest(env!, { name: `detach-${process.pid}`, agent: true });
    dom = await libvirtConnectionOf(session).defineDomainXML(guest.xml);
    await dom.create();
    await waitForSerial(guest.serialLogPath, SERIAL.agentStarted, GUEST_DEADLINE_MS);
    await waitForSerial(guest.serialLogPath, SERIAL.ready, GUEST_DEADLINE_MS);
  });

  afterAll(async () => {
    if (dom) {
      await dom.destroy().catch(() => undefined);
      await dom.undefine().catch(() => undefined);
      dom.free();
    }
    if (guest) await removeTinyGuest(guest);
    await session?.close();
  });

  it('reports a removal the guest has not done as pending, and the guest does it once it runs again', async () => {
    await dom.suspend();
    expect(DomainXml.parse(await dom.getXMLDesc(0)).disk('vda')).toBeDefined();
    const editor = new HardwareEditor(() => libvirtVmHardware(() => session));
    const { results, hardware } = await editor.edit('tb', guest.uuid, { disks: [{ target: 'vda', remove: true }] });
    expect(results).toEqual([{ field: 'disks.vda', applied: 'next-boot', note: REMOVAL_PENDING_NOTE }]);
    expect(DomainXml.parse(await dom.getXMLDesc(0)).disk('vda')).toBeDefined();
    expect(hardware.disks.map((d) => d.target)).toContain('vda'); // what the running VM still has
    expect(hardware.pendingNextBoot).toContain('disks');
    expect(DomainXml.parse(await dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE)).disk('vda')).toBeUndefined();
    await dom.resume();
    await expect.poll(async () => DomainXml.parse(await dom.getXMLDesc(0)).disk('vda'), { timeout: 30_000, interval: 250 }).toBeUndefined();
  });

  it('reports where the removal took effect as the running VM shows it', async () => {
    expect(DomainXml.parse(await dom.getXMLDesc(0)).disk('vdb')).toBeDefined();
    const editor = new HardwareEditor(() => libvirtVmHardware(() => session));
    const { results, hardware } = await editor.edit('tb', guest.uuid, { disks: [{ target: 'vdb', remove: true }] });
    const result = results.find((r) => r.field === 'disks.vdb')!;
    // Read right after the report: what the running VM has now.
    const stillLive = DomainXml.parse(await dom.getXMLDesc(0)).disk('vdb') !== undefined;
    console.info(`vdb removal reported ${result.applied}${result.note ? ` (${result.note})` : ''}; live XML lists vdb: ${stillLive}`);
    if (stillLive) {
      expect(result).toEqual({ field: 'disks.vdb', applied: 'next-boot', note: REMOVAL_PENDING_NOTE });
      expect(hardware.pendingNextBoot).toContain('disks');
    } else {
      expect(result).toEqual({ field: 'disks.vdb', applied: 'both' });
    }
    expect(DomainXml.parse(await dom.getXMLDesc(virDomainXMLFlags.VIR_DOMAIN_XML_INACTIVE)).disk('vdb')).toBeUndefined();
  });
});
