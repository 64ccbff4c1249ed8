import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import { domainDisks, requestFromDomain } from './requestFromDomain';

const DOMAIN = `<domain type='kvm'>
  <name>web</name>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://debian.org/debian/12"/></libosinfo:libosinfo>
  </metadata>
  <memory unit='GiB'>4</memory>
  <vcpu>3</vcpu>
  <os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type><loader secure='yes'/></os>
  <devices>
    <disk type='file' device='disk'><source file='/pool/web.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><source file='/pool/seed.iso'/><target dev='sda' bus='sata'/></disk>
    <disk type='file' device='disk'><source file='/pool/data.qcow2'/><target dev='sdb' bus='scsi'/></disk>
    <interface type='network'><source network='lab'/><model type='e1000e'/></interface>
    <interface type='bridge'><source bridge='br0'/></interface>
    <graphics type='spice'/>
    <tpm model='tpm-crb'><backend type='emulator'/></tpm>
    <sound model='ich9'/>
  </devices>
</domain>`;

describe('requestFromDomain', () => {
  it('reads hardware, firmware, devices and the libosinfo OS of a domain', () => {
    expect(domainDisks(DOMAIN)).toEqual([
      { target: 'vda', source: '/pool/web.qcow2' },
      { target: 'sdb', source: '/pool/data.qcow2' },
    ]);
    const sizes: Record<string, number> = { vda: 20 * 1024 ** 3, sdb: 1.5 * 1024 ** 3 };
    expect(requestFromDomain(DOMAIN, (d) => sizes[d.target])).toEqual({
      name: 'web',
      request: {
        os: { osinfoId: 'http://debian.org/debian/12', source: 'cloud-image' },
        hardware: {
          arch: 'x86_64',
          vcpus: 3,
          memoryMiB: 4096,
          firmware: 'uefi',
          secureBoot: true,
          tpm: true,
          disks: [
            { sizeGiB: 20, bus: 'virtio' },
            { sizeGiB: 2, bus: 'scsi' },
          ],
          nics: [{ network: 'lab', model: 'e1000e' }],
          graphics: 'spice',
          sound: true,
        },
        apps: [],
      },
    });
  });

  it('says which disk has no readable size, and leaves the OS out when the metadata names none', () => {
    const bare = DOMAIN.replace(/<metadata>[\s\S]*<\/metadata>/, '');
    const error = (() => {
      try {
        requestFromDomain(bare, (d) => (d.target === 'vda' ? 1024 ** 3 : undefined));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ message: expect.stringMatching(/^web: the size of disk sdb could not be read/), details: { field: 'fromVm' } });
    expect(requestFromDomain(bare, () => 1024 ** 3).request.os).toBeUndefined();
  });
});
