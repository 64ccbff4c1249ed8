import { describe, expect, it } from 'vitest';
import { DomainXml } from '../../inventory/DomainXml';
import { XmlDocument, XmlNode } from '../../xml/XmlDocument';
import { virtXmlValidate as validate } from '../../testing/virtXmlValidate';
import { HardwareSpecSchema, type HardwareSpec } from '../schemas';
import { buildDomainDefinition, type DomainDefinitionInput } from './domainDefinition';

const UUID = '0f0c2b1e-5a4b-4c3d-9e8f-112233445566';

function input(hardware: Partial<HardwareSpec>, more: Partial<DomainDefinitionInput> = {}): DomainDefinitionInput {
  const hw = HardwareSpecSchema.parse({ vcpus: 2, memoryMiB: 2048, disks: [{ sizeGiB: 10 }], ...hardware });
  return {
    name: 'web-1',
    uuid: UUID,
    domainType: 'kvm',
    machine: 'q35',
    hardware: hw,
    disks: hw.disks.map((d, i) => ({ pool: 'default', volume: `web-1-disk${i}.qcow2`, format: 'qcow2', bus: d.bus })),
    seed: { pool: 'default', volume: 'web-1-seed.iso' },
    boot: { kind: 'disk' },
    ...more,
  };
}

const at = (xml: DomainXml) => new XmlNode(XmlDocument.parse(xml.toString()).root);

describe('buildDomainDefinition', () => {
  it('BIOS, one virtio disk, seed on SATA, a NIC, VNC: the whole XML', async () => {
    const xml = buildDomainDefinition(input({ nics: [{ network: 'default', model: 'virtio' }] })).toString();
    expect(xml).toBe(
      '<domain type="kvm"><name>web-1</name><uuid>0f0c2b1e-5a4b-4c3d-9e8f-112233445566</uuid>' +
        '<memory unit="MiB">2048</memory><currentMemory unit="MiB">2048</currentMemory><vcpu>2</vcpu>' +
        '<os><type arch="x86_64" machine="q35">hvm</type><boot dev="hd"/></os>' +
        '<features><acpi/><apic/></features><cpu mode="host-model"/>' +
        '<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>' +
        '<devices>' +
        '<disk type="volume" device="disk"><driver name="qemu" type="qcow2"/><source pool="default" volume="web-1-disk0.qcow2"/><target dev="vda" bus="virtio"/></disk>' +
        '<disk type="volume" device="cdrom"><driver name="qemu" type="raw"/><source pool="default" volume="web-1-seed.iso"/><target dev="sda" bus="sata"/><readonly/></disk>' +
        '<interface type="network"><source network="default"/><model type="virtio"/></interface>' +
        '<serial type="pty"><target port="0"/></serial><console type="pty"><target type="serial" port="0"/></console>' +
        '<graphics type="vnc" autoport="yes"><listen type="address" address="127.0.0.1"/></graphics>' +
        '</devices></domain>',
    );
    await validate(xml);
  });

  it('UEFI with Secure Boot: firmware auto-selection with the secure-boot feature, SMM, secure loader', async () => {
    const xml = buildDomainDefinition(input({ firmware: 'uefi', secureBoot: true }));
    const root = at(xml);
    expect(root.value('os/@firmware')).toBe('efi');
    expect(root.value("os/firmware/feature[@name='secure-boot']/@enabled")).toBe('yes');
    expect(root.value("os/firmware/feature[@name='enrolled-keys']/@enabled")).toBe('yes');
    expect(root.value('os/loader/@secure')).toBe('yes');
    expect(root.value('features/smm/@state')).toBe('on');
    await validate(xml.toString());
  });

  it('UEFI without Secure Boot asks for a firmware without it and no SMM', async () => {
    const root = at(buildDomainDefinition(input({ firmware: 'uefi' })));
    expect(root.value("os/firmware/feature[@name='secure-boot']/@enabled")).toBe('no');
    expect(root.element('os/loader')).toBeUndefined();
    expect(root.element('features/smm')).toBeUndefined();
  });

  it('TPM 2.0 through swtpm (CRB on q35, TIS on pc), sound, SPICE', async () => {
    const q35 = buildDomainDefinition(input({ tpm: true, sound: true, graphics: 'spice' }));
    expect(at(q35).value('devices/tpm/@model')).toBe('tpm-crb');
    expect(at(q35).value('devices/tpm/backend/@type')).toBe('emulator');
    expect(at(q35).value('devices/tpm/backend/@version')).toBe('2.0');
    expect(at(q35).value('devices/sound/@model')).toBe('ich9');
    expect(q35.graphics).toEqual([{ type: 'spice', listen: '127.0.0.1' }]);
    await validate(q35.toString());
    expect(at(buildDomainDefinition(input({ tpm: true }, { machine: 'pc' }))).value('devices/tpm/@model')).toBe('tpm-tis');
  });

  it('disks on each bus get their own target names, SCSI gets a virtio-scsi controller, no graphics when none', async () => {
    const xml = buildDomainDefinition(
      input({
        graphics: 'none',
        disks: [
          { sizeGiB: 10, bus: 'virtio' },
          { sizeGiB: 20, bus: 'sata' },
          { sizeGiB: 30, bus: 'scsi' },
          { sizeGiB: 40, bus: 'virtio' },
        ],
      }),
    );
    expect(xml.disks.map((d) => `${d.device}:${d.target}:${d.bus}`)).toEqual([
      'disk:vda:virtio',
      'disk:sda:sata',
      'disk:sdb:scsi',
      'disk:vdb:virtio',
      'cdrom:sdc:sata',
    ]);
    expect(at(xml).value("devices/controller[@type='scsi']/@model")).toBe('virtio-scsi');
    expect(xml.graphics).toEqual([]);
    await validate(xml.toString());
  });

  it('direct kernel boot on i440fx: kernel, initrd, command line, seed on IDE, serial logged to a file', async () => {
    const xml = buildDomainDefinition(
      input(
        { memoryMiB: 128, vcpus: 1 },
        {
          domainType: 'qemu',
          machine: 'pc',
          boot: { kind: 'kernel', kernel: '/k/vmlinuz', initrd: '/k/initrd.img', cmdline: 'console=ttyS0 tandem.seed=1' },
          serialLogPath: '/var/log/web-1.serial.log',
        },
      ),
    );
    const root = at(xml);
    expect(root.value('os/kernel')).toBe('/k/vmlinuz');
    expect(root.value('os/initrd')).toBe('/k/initrd.img');
    expect(root.value('os/cmdline')).toBe('console=ttyS0 tandem.seed=1');
    expect(root.element('os/boot')).toBeUndefined();
    expect(root.element('cpu')).toBeUndefined();
    expect(xml.domainType).toBe('qemu');
    expect(root.value('devices/serial/log/@file')).toBe('/var/log/web-1.serial.log');
    expect(xml.disks.at(-1)).toEqual({ device: 'cdrom', target: 'hda', bus: 'ide', source: 'web-1-seed.iso', format: 'raw', readonly: true });
    await validate(xml.toString());
  });

  it('round-trips through the typed model: what DomainXml reads is what was asked', () => {
    const hw: Partial<HardwareSpec> = {
      vcpus: 4,
      memoryMiB: 3072,
      disks: [{ sizeGiB: 10, bus: 'virtio' }, { sizeGiB: 5, bus: 'sata' }],
      nics: [
        { network: 'default', model: 'virtio' },
        { network: 'lab', model: 'e1000e' },
      ],
    };
    const built = buildDomainDefinition(input(hw));
    const reparsed = DomainXml.parse(built.toString());
    expect(reparsed.toString()).toBe(built.toString());
    expect(reparsed.name).toBe('web-1');
    expect(reparsed.uuid).toBe(UUID);
    expect(reparsed.memoryKiB).toBe(3072 * 1024);
    expect(reparsed.vcpus).toBe(4);
    expect(reparsed.machine).toBe('q35');
    expect(reparsed.arch).toBe('x86_64');
    expect(reparsed.nics).toEqual([
      { type: 'network', source: 'default', model: 'virtio', linkState: 'up' },
      { type: 'network', source: 'lab', model: 'e1000e', linkState: 'up' },
    ]);
    expect(reparsed.disks.filter((d) => d.device === 'disk').map((d) => d.source)).toEqual(['web-1-disk0.qcow2', 'web-1-disk1.qcow2']);
  });

  it('names with XML-special characters are escaped by the DOM, not spliced into markup', () => {
    const xml = buildDomainDefinition(input({}, { name: 'a<b>&"c' }));
    expect(DomainXml.parse(xml.toString()).name).toBe('a<b>&"c');
  });

  describe('from install media', () => {
    const fromIso = (machine: 'q35' | 'pc', installMedia: DomainDefinitionInput['installMedia']) => {
      const { seed: _noSeed, ...rest } = input({ disks: [{ sizeGiB: 20, bus: 'virtio' }], nics: [{ network: 'default', model: 'virtio' }] }, { machine, boot: { kind: 'cdrom' } });
      return buildDomainDefinition({ ...rest, ...(installMedia ? { installMedia } : {}) });
    };

    it.each([
      ['q35', 'sda', 'sata'],
      ['pc', 'hda', 'ide'],
    ] as const)('on %s: the ISO volume is a read-only CD-ROM (%s on %s), booted before the empty disk; round-trips and validates', async (machine, target, bus) => {
      const built = fromIso(machine, { pool: 'isos', volume: 'debian-12.5.0-amd64-netinst.iso' });
      const reparsed = DomainXml.parse(built.toString());
      expect(reparsed.toString()).toBe(built.toString());
      expect(reparsed.machine).toBe(machine);
      expect(reparsed.bootOrder).toEqual(['cdrom', 'hd']);
      expect(reparsed.disks).toEqual([
        { device: 'disk', target: 'vda', bus: 'virtio', source: 'web-1-disk0.qcow2', format: 'qcow2', readonly: undefined },
        { device: 'cdrom', target, bus, source: 'debian-12.5.0-amd64-netinst.iso', format: 'raw', readonly: true },
      ]);
      const root = at(built);
      expect(root.value("devices/disk[@device='cdrom']/@type")).toBe('volume');
      expect(root.value("devices/disk[@device='cdrom']/source/@pool")).toBe('isos');
      expect(root.element('os/kernel')).toBeUndefined();
      await validate(built.toString());
    });

    it("the final configuration: the drive ejected, a reboot restarts, and Tandem's installer mark in <metadata>; validates", async () => {
      const { seed: _noSeed, ...rest } = input({ disks: [{ sizeGiB: 20, bus: 'ide' }] }, { machine: 'pc' });
      const built = buildDomainDefinition({ ...rest, installMedia: 'ejected', installerRestart: true, serialLogPath: '/logs/x.serial.log' });
      const xml = built.toString();
      expect(xml).toContain(
        '<metadata><tandem-installer:installer restart="once-on-reboot" xmlns:tandem-installer="https://tandem.dev/xmlns/installer/1"/></metadata>',
      );
      expect(xml).toContain('<disk type="file" device="cdrom"><driver name="qemu" type="raw"/><target dev="hdb" bus="ide"/><readonly/></disk>');
      expect(xml).toContain('<on_reboot>restart</on_reboot>');
      // With a serial log and BIOS booting a device, SeaBIOS prints its boot messages on the serial port too.
      expect(xml).toContain('<boot dev="hd"/><bios useserial="yes"/></os>');
      expect(DomainXml.parse(xml).toString()).toBe(xml);
      await validate(xml);
    });

    it("the installer's first run: a reboot destroys it (on_reboot), no mark", async () => {
      const built = fromIso('q35', { pool: 'isos', volume: 'netinst.iso' });
      const first = buildDomainDefinition({ ...input({}, { machine: 'q35', boot: { kind: 'cdrom' } }), installMedia: { pool: 'isos', volume: 'netinst.iso' }, onReboot: 'destroy' });
      expect(at(first).value('on_reboot')).toBe('destroy');
      expect(at(built).value('on_reboot')).toBe('restart');
      expect(first.toString()).not.toContain('metadata');
      await validate(first.toString());
    });

    it('no <bios useserial> without a serial log, with UEFI, or for a kernel booted directly', () => {
      const kernel = { kind: 'kernel', kernel: '/k', initrd: '/i', cmdline: 'console=ttyS0' } as const;
      expect(buildDomainDefinition(input({})).toString()).not.toContain('useserial');
      expect(buildDomainDefinition(input({ firmware: 'uefi' }, { serialLogPath: '/l' })).toString()).not.toContain('useserial');
      expect(buildDomainDefinition(input({}, { serialLogPath: '/l', boot: kernel })).toString()).not.toContain('useserial');
    });

    it('a path outside any pool is a file CD-ROM', async () => {
      const built = fromIso('q35', { path: '/home/me/Downloads/netinst.iso' });
      expect(at(built).value("devices/disk[@device='cdrom'][@type='file']/source/@file")).toBe('/home/me/Downloads/netinst.iso');
      expect(DomainXml.parse(built.toString()).disks.at(-1)).toMatchObject({ source: '/home/me/Downloads/netinst.iso', readonly: true });
      await validate(built.toString());
    });
  });
});
