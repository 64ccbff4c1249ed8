import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors';
import { domainDisks, requestFromDomain } from './requestFromDomain';

/** Domains as libvirt 9.0 writes them back (fixtures/libvirt/README.md). */
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'libvirt', `domain-${name}.xml`), 'utf8');
const GiB4 = () => 4 * 1024 ** 3;

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
          machine: 'q35',
          secureBoot: true,
          tpm: true,
          disks: [
            { sizeGiB: 20, bus: 'virtio' },
            { sizeGiB: 2, bus: 'scsi' },
          ],
          nics: [
            { network: 'lab', model: 'e1000e' },
            { network: 'default', model: 'rtl8139' },
          ],
          graphics: 'spice',
          sound: true,
        },
        apps: [],
      },
      notes: ['NIC 2 (bridge br0) goes on the "default" network: a template names libvirt networks only'],
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

describe('requestFromDomain and NICs off libvirt networks', () => {
  const withNics = (nics: string) => DOMAIN.replace(/<interface[\s\S]*<\/interface>/, nics);

  it('keeps a bridged, macvtap or user NIC in its place with its model, on the "default" network, and says so', () => {
    const { request, notes } = requestFromDomain(
      withNics(
        `<interface type='direct'><source dev='eth0' mode='bridge'/><model type='virtio'/></interface>` +
          `<interface type='network'><source network='lab'/><model type='e1000'/></interface>` +
          `<interface type='user'><model type='e1000e'/></interface>`,
      ),
      GiB4,
    );
    expect(request.hardware.nics).toEqual([
      { network: 'default', model: 'virtio' },
      { network: 'lab', model: 'e1000' },
      { network: 'default', model: 'e1000e' },
    ]);
    expect(notes).toEqual([
      'NIC 1 (direct eth0) goes on the "default" network: a template names libvirt networks only',
      'NIC 3 (user) goes on the "default" network: a template names libvirt networks only',
    ]);
  });

  it('keeps the first 8 NICs of a VM with more, and says so; a VM on libvirt networks only has no notes', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `<interface type='network'><source network='n${i}'/><model type='virtio'/></interface>`).join('');
    const { request, notes } = requestFromDomain(withNics(ten), GiB4);
    expect(request.hardware.nics.map((n) => n.network)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
    expect(notes).toEqual(['only the first 8 of its 10 NICs are kept']);
    expect(requestFromDomain(withNics(ten.slice(0, ten.indexOf('</interface>') + 12)), GiB4).notes).toEqual([]);
  });
});

describe('requestFromDomain keeps the devices the OS boots through', () => {
  it('i440fx, an IDE disk, an e1000 NIC and one libvirt gave its default rtl8139 (Windows XP as installed)', () => {
    const { request } = requestFromDomain(fixture('pc-ide-e1000'), GiB4);
    expect(request.os).toEqual({ osinfoId: 'http://microsoft.com/win/xp', source: 'cloud-image' });
    expect(request.hardware).toMatchObject({
      machine: 'pc',
      firmware: 'bios',
      secureBoot: false,
      tpm: false,
      disks: [{ sizeGiB: 4, bus: 'ide' }],
      nics: [
        { network: 'default', model: 'e1000' },
        { network: 'lab', model: 'rtl8139' },
      ],
      graphics: 'vnc',
      sound: true,
    });
  });

  it('q35, SATA, e1000e, UEFI with Secure Boot as firmware auto-selection writes it, and a TPM', () => {
    const xml = fixture('q35-sata-uefi-secureboot');
    const { request } = requestFromDomain(xml, GiB4);
    expect(request.hardware).toMatchObject({
      machine: 'q35',
      firmware: 'uefi',
      secureBoot: true,
      tpm: true,
      disks: [{ sizeGiB: 4, bus: 'sata' }],
      nics: [{ network: 'default', model: 'e1000e' }],
      graphics: 'spice',
    });
    // Secure Boot read from <firmware><feature> alone too (a definition without <loader secure>).
    expect(requestFromDomain(xml.replace("<loader secure='yes'/>", ''), GiB4).request.hardware.secureBoot).toBe(true);
    expect(requestFromDomain(xml.replace("<loader secure='yes'/>", '').replaceAll("enabled='yes'", "enabled='no'"), GiB4).request.hardware.secureBoot).toBe(false);
  });

  it('UEFI on i440fx, a virtio system disk and an IDE data disk, each bus as it is', () => {
    const { request } = requestFromDomain(fixture('pc-uefi-virtio-ide'), GiB4);
    expect(request.hardware).toMatchObject({
      machine: 'pc',
      firmware: 'uefi',
      secureBoot: false,
      disks: [
        { sizeGiB: 4, bus: 'virtio' },
        { sizeGiB: 4, bus: 'ide' },
      ],
      nics: [{ network: 'default', model: 'virtio' }],
    });
  });

  it('refuses, naming it, a disk bus, a NIC model or a machine type the request cannot carry, rather than swap it for virtio or q35', () => {
    const refusal = (xml: string) => {
      try {
        requestFromDomain(xml, GiB4);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
        expect(error).toMatchObject({ code: 'provisioning.vm-unreadable', details: { field: 'fromVm' } });
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    const usb = fixture('q35-usb-disk');
    expect(refusal(usb)).toBe('usbdisk: disk sda is on a bus Tandem does not provision (virtio, SATA, SCSI or IDE)');
    expect(refusal(usb.replace("bus='usb'", "bus='sata'"))).toBe(
      'usbdisk: NIC 1 is a ne2k_pci, a model Tandem does not provision (virtio, e1000e, e1000 or rtl8139)',
    );
    expect(refusal(fixture('pc-ide-e1000').replace('pc-i440fx-7.2', 'microvm'))).toBe('winxp: its machine type microvm is neither q35 nor i440fx ("pc")');
  });

  it('reads machine aliases, leaves the machine to the deploy when none is named or the guest is not x86', () => {
    const xp = fixture('pc-ide-e1000');
    const machineOf = (xml: string) => requestFromDomain(xml, GiB4).request.hardware.machine;
    expect(machineOf(xp.replace('pc-i440fx-7.2', 'pc'))).toBe('pc');
    expect(machineOf(xp.replace('pc-i440fx-7.2', 'pc-1.0'))).toBe('pc');
    expect(machineOf(xp.replace('pc-i440fx-7.2', 'q35'))).toBe('q35');
    expect(machineOf(xp.replace(" machine='pc-i440fx-7.2'", ''))).toBeUndefined();
    const arm = xp.replace("arch='x86_64' machine='pc-i440fx-7.2'", "arch='aarch64' machine='virt-7.2'").replace(/<model type='rtl8139'\/>/, '');
    expect(requestFromDomain(arm, GiB4).request.hardware).toMatchObject({ arch: 'aarch64', nics: [{ model: 'e1000' }, { model: 'virtio' }] });
    expect(machineOf(arm)).toBeUndefined();
  });
});

describe('domainDisks', () => {
  it("names a pool volume's pool and volume (Tandem's deploy and virt-manager define disks so)", () => {
    const xml = fixture('pc-ide-e1000').replace(
      "<disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/var/lib/libvirt/images/winxp.qcow2'/>",
      "<disk type='volume' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source pool='default' volume='winxp.qcow2'/>",
    );
    expect(domainDisks(xml)).toEqual([{ target: 'hda', volume: { pool: 'default', volume: 'winxp.qcow2' } }]);
  });
});
