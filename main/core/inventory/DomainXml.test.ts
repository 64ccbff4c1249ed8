import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import { DomainXml } from './DomainXml';

const XML = `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>web</name>
  <uuid>7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001</uuid>
  <metadata><tandem:tags xmlns:tandem='https://tandem.invalid/1'>prod</tandem:tags></metadata>
  <memory unit='GiB'>2</memory>
  <currentMemory unit='MiB'>1024</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/web.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>
    <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><model type='virtio'/></interface>
    <graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1'/>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
  </devices>
  <qemu:commandline><qemu:arg value='-no-hpet'/></qemu:commandline>
</domain>`;

describe('DomainXml', () => {
  it('reads the typed fields, converting memory units to KiB', () => {
    const d = DomainXml.parse(XML);
    expect(d.name).toBe('web');
    expect(d.uuid).toBe('7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001');
    expect(d.domainType).toBe('kvm');
    expect(d.memoryKiB).toBe(2 * 1024 * 1024);
    expect(d.currentMemoryKiB).toBe(1024 * 1024);
    expect(d.vcpus).toBe(2);
    expect([d.osType, d.arch, d.machine]).toEqual(['hvm', 'x86_64', 'pc-q35-7.2']);
    expect(d.disks).toEqual([
      { device: 'disk', target: 'vda', bus: 'virtio', source: '/var/lib/libvirt/images/web.qcow2', format: 'qcow2' },
      { device: 'cdrom', target: 'sda', bus: 'sata', readonly: true },
    ]);
    expect(d.nics).toEqual([{ type: 'network', mac: '52:54:00:aa:bb:cc', source: 'default', model: 'virtio', linkState: 'up' }]);
    expect(d.graphics).toEqual([{ type: 'vnc', port: 5901, listen: '127.0.0.1' }]);
  });

  it('edits fields in place and keeps every element and namespace it does not model', () => {
    const d = DomainXml.parse(XML);
    d.vcpus = 3;
    d.memoryKiB = 4 * 1024 * 1024;
    d.name = 'web-2';
    const again = DomainXml.parse(d.toString());
    expect([again.name, again.vcpus, again.memoryKiB]).toEqual(['web-2', 3, 4 * 1024 * 1024]);
    const out = again.toString();
    for (const kept of ["<qemu:arg value='-no-hpet'/>", '<tandem:tags', "<tpm model='tpm-crb'>", "<loader readonly='yes'", '<readonly/>']) {
      expect(out.replace(/"/g, "'")).toContain(kept.replace(/"/g, "'"));
    }
  });

  it('rejects malformed XML, non-domain XML and bad values with specific errors', () => {
    expect(() => DomainXml.parse('<domain><name>x</domain>')).toThrow(/not well-formed/);
    expect(() => DomainXml.parse('')).toThrow(InvalidInputError);
    expect(() => DomainXml.parse('<network/>')).toThrow(/Expected a <domain> element, found <network>/);
    expect(() => {
      DomainXml.parse(XML).vcpus = 0;
    }).toThrow(/at least 1/);
    expect(() => DomainXml.parse("<domain><memory unit='parsecs'>1</memory></domain>").memoryKiB).toThrow(/Unknown memory unit/);
  });
});
