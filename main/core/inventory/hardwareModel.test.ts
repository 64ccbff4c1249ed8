/** The hardware views of DomainXml (edits change only their nodes) and the validation table of hardwareRules. */
import { describe, expect, it } from 'vitest';
import type { HardwareChanges } from '../../../preload/contract';
import { DomainXml } from './DomainXml';
import { validateHardwareChanges, type HardwareContext } from './hardwareRules';
import { parseTagsMetadata, tagsMetadataXml } from './vmTags';

const XML = `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>web</name>
  <metadata><other:note xmlns:other='https://example.invalid/x'>keep me</other:note></metadata>
  <memory unit='GiB'>2</memory>
  <currentMemory unit='MiB'>1024</currentMemory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/><boot dev='cdrom'/><bootmenu enable='yes'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source file='/img/web.qcow2'/><target dev='vda' bus='virtio'/><iotune><total_iops_sec>500</total_iops_sec></iotune></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/iso/a.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
    <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><model type='virtio'/><bandwidth><inbound average='1000'/></bandwidth></interface>
  </devices>
  <qemu:commandline><qemu:arg value='-no-hpet'/></qemu:commandline>
</domain>`.replace(/'/g, '"');

/** The document without the nodes an edit may touch, to prove everything else is byte-for-byte the same. */
function untouched(xml: string): string {
  return xml
    .replace(/<vcpu[^>]*>\d+<\/vcpu>/, '')
    .replace(/<memory[^>]*>\d+<\/memory>/, '')
    .replace(/<currentMemory[^>]*>\d+<\/currentMemory>/, '')
    .replace(/<boot dev="\w+"\/>/g, '');
}

describe('DomainXml hardware views', () => {
  it('reads vCPUs, memory, boot order, disks and NICs', () => {
    const d = DomainXml.parse(XML);
    expect([d.vcpuCurrent, d.vcpuMax, d.currentMemoryKiB, d.memoryKiB]).toEqual([1, 2, 1024 * 1024, 2 * 1024 * 1024]);
    expect(d.bootOrder).toEqual(['hd', 'cdrom']);
    expect(d.disks.map((x) => [x.target, x.device, x.readonly])).toEqual([['vda', 'disk', undefined], ['sda', 'cdrom', true]]);
    expect(d.nics).toEqual([{ type: 'network', mac: '52:54:00:aa:bb:cc', source: 'default', model: 'virtio', linkState: 'up' }]);
  });

  it('round-trips unchanged when nothing is edited', () => {
    expect(DomainXml.parse(XML).toString()).toBe(XML);
  });

  it('edits vCPUs, memory and boot order in their own nodes only', () => {
    const d = DomainXml.parse(XML);
    d.setVcpus(2, 4);
    d.memoryKiB = 4 * 1024 * 1024;
    d.currentMemoryKiB = 3 * 1024 * 1024;
    d.bootOrder = ['network', 'hd'];
    const out = d.toString();
    expect(untouched(out)).toBe(untouched(XML));
    const again = DomainXml.parse(out);
    expect([again.vcpuCurrent, again.vcpuMax, again.currentMemoryKiB, again.memoryKiB]).toEqual([2, 4, 3 * 1024 * 1024, 4 * 1024 * 1024]);
    // The new boot entries sit where the old ones were: before <bootmenu>.
    expect(out).toContain('<boot dev="network"/><boot dev="hd"/><bootmenu enable="yes"/>');
    d.setVcpus(4, 4);
    expect(d.toString()).toContain('<vcpu placement="static">4</vcpu>');
  });

  it('removes a device and edits a NIC without touching the others', () => {
    const d = DomainXml.parse(XML);
    d.removeDevice(d.disk('sda')!);
    d.nic('52:54:00:AA:BB:CC')!.ensure('link').setAttribute('state', 'down');
    const out = d.toString();
    expect(out).not.toContain('/iso/a.iso');
    expect(out).toContain('<iotune><total_iops_sec>500</total_iops_sec></iotune>');
    expect(out).toContain('<bandwidth><inbound average="1000"/></bandwidth><link state="down"/>');
    expect(out).toContain('<other:note xmlns:other="https://example.invalid/x">keep me</other:note>');
    expect(out).toContain('<qemu:arg value="-no-hpet"/>');
    expect(d.disk('vda')!.toXml()).toMatch(/^<disk type="file" device="disk">/);
  });
});

describe('tags metadata', () => {
  it('writes un-namespaced elements (libvirt adds the namespace) and reads libvirt’s namespaced form back', () => {
    expect(tagsMetadataXml(['prod', 'db', 'Prod'])).toBe('<tags><tag>db</tag><tag>prod</tag></tags>');
    const stored = `<tandem:tags xmlns:tandem="https://tandem.dev/xmlns/vm-tags/1"><tandem:tag>web</tandem:tag><tandem:tag>bad tag</tandem:tag><tandem:tag>a</tandem:tag></tandem:tags>`;
    expect(parseTagsMetadata(stored)).toEqual(['a', 'web']);
  });
});

describe('validateHardwareChanges', () => {
  const ctx = (over: Partial<HardwareContext> = {}): HardwareContext => ({
    config: DomainXml.parse(XML),
    live: undefined,
    persistent: true,
    hostCpus: 4,
    hostMemoryKiB: 8 * 1024 * 1024,
    ...over,
  });
  const transientCtx = () => ctx({ persistent: false, live: DomainXml.parse(XML) });

  const cases: Array<[string, HardwareChanges, HardwareContext | undefined, Record<string, RegExp>]> = [
    ['valid sizes', { vcpus: { current: 2, max: 4 }, memory: { current: { value: 1.5, unit: 'GiB' } } }, undefined, {}],
    ['0 vCPUs', { vcpus: { current: 0 } }, undefined, { 'vcpus.current': /at least 1/ }],
    ['current above max', { vcpus: { current: 3 } }, undefined, { 'vcpus.current': /maximum of 2/ }],
    ['max above host CPUs', { vcpus: { max: 8 } }, undefined, { 'vcpus.max': /host's 4 CPUs/ }],
    ['lowering max below the current count', { vcpus: { max: 1 } }, undefined, {}],
    ['max 0', { vcpus: { max: 0 } }, undefined, { 'vcpus.max': /at least 1/ }],
    ['memory in a unit mistake', { memory: { max: { value: 512, unit: 'KiB' } } }, undefined, { 'memory.max': /at least 16 MiB/ }],
    ['memory above host', { memory: { max: { value: 9, unit: 'GiB' } } }, undefined, { 'memory.max': /host's 8 GiB/ }],
    ['current memory above the new max', { memory: { max: { value: 1, unit: 'GiB' }, current: { value: 2, unit: 'GiB' } } }, undefined, { 'memory.current': /maximum of 1 GiB/ }],
    ['fractional KiB', { memory: { current: { value: 100.5, unit: 'KiB' } } }, undefined, { 'memory.current': /whole number of KiB/ }],
    ['empty boot order', { bootOrder: [] }, undefined, { bootOrder: /at least one/ }],
    ['duplicate boot device', { bootOrder: ['hd', 'hd'] }, undefined, { bootOrder: /at most once/ }],
    ['boot from a missing floppy', { bootOrder: ['fd', 'hd'] }, undefined, { bootOrder: /no floppy/ }],
    ['boot from NIC and CD-ROM', { bootOrder: ['network', 'cdrom'] }, undefined, {}],
    ['unknown disk', { disks: [{ target: 'vdb', remove: true }] }, undefined, { 'disks.vdb': /no disk vdb/ }],
    ['eject a CD-ROM', { disks: [{ target: 'sda', source: '' }] }, undefined, {}],
    ['relative medium path', { disks: [{ target: 'sda', source: 'a.iso' }] }, undefined, { 'disks.sda': /absolute path/ }],
    ['medium of a hard disk', { disks: [{ target: 'vda', source: '/a.iso' }] }, undefined, { 'disks.vda': /CD-ROM or floppy/ }],
    ['remove and change at once', { disks: [{ target: 'sda', remove: true, source: '/b.iso' }] }, undefined, { 'disks.sda': /not both/ }],
    ['nothing to do on a NIC', { nics: [{ mac: '52:54:00:aa:bb:cc' }] }, undefined, { 'nics.52:54:00:aa:bb:cc': /nothing to change/ }],
    ['unknown NIC', { nics: [{ mac: '52:54:00:00:00:01', linkState: 'down' }] }, undefined, { 'nics.52:54:00:00:00:01': /no network interface/ }],
    ['transient: max vCPUs', { vcpus: { max: 3 } }, transientCtx(), { 'vcpus.max': /transient VM/ }],
    ['transient: current above the live max', { vcpus: { current: 2 } }, transientCtx(), {}],
    ['transient: autostart', { autostart: true }, transientCtx(), { autostart: /persistent/ }],
    ['transient: boot order', { bootOrder: ['hd'] }, transientCtx(), { bootOrder: /transient VM/ }],
    ['several at once', { vcpus: { current: 0 }, bootOrder: ['fd'] }, undefined, { 'vcpus.current': /at least 1/, bootOrder: /floppy/ }],
  ];

  it.each(cases)('%s', (_name, changes, context, expected) => {
    const { errors } = validateHardwareChanges(changes, context ?? ctx());
    expect(Object.keys(errors).sort()).toEqual(Object.keys(expected).sort());
    for (const [field, pattern] of Object.entries(expected)) expect(errors[field]).toMatch(pattern);
  });

  it('refuses boot order edits on a VM that sets boot order per device', () => {
    const perDevice = DomainXml.parse(XML.replace('<boot dev="hd"/><boot dev="cdrom"/>', '').replace('<target dev="vda" bus="virtio"/>', '<target dev="vda" bus="virtio"/><boot order="1"/>'));
    expect(validateHardwareChanges({ bootOrder: ['hd'] }, ctx({ config: perDevice })).errors.bootOrder).toMatch(/per device/);
  });
});
