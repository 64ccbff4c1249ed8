/**
 * Device support read from osinfo: the chain of derives-from / clones, every listed device less every one
 * listed unsupported anywhere in it (as libosinfo's osinfo_os_get_all_devices), and the installer defaults it
 * gives, on the installed database (osinfo-db 20221130 figures) and on small inline databases for the rules.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OsDatabase, parseOsinfoXml, type OsEntry } from './OsDatabase';
import { deviceSupportOf, installerMachine } from './osDevices';

function inline(xml: string): OsDatabase {
  const entries = parseOsinfoXml(`<libosinfo>${xml}</libosinfo>`, 'inline.xml');
  return new OsDatabase(entries.filter((e): e is OsEntry => !('reason' in e)));
}

describe('osinfo device support', () => {
  let db: OsDatabase;
  beforeAll(async () => {
    db = await OsDatabase.load();
  });

  it.each([
    ['debian11', { virtioBlock: true, virtioNet: true, q35: true }, 'q35'],
    ['debian8', { virtioBlock: true, virtioNet: true, q35: false }, 'pc'],
    ['win10', { virtioBlock: false, virtioNet: false, virtioScsi: false, q35: true }, 'q35'],
    ['winxp', { virtioBlock: false, virtioNet: false, q35: false }, 'pc'],
    ['freebsd13.1', { virtioBlock: true, virtioScsi: false, q35: false }, 'pc'],
    // q35 listed, but virtio in its legacy form only: i440fx, as virt-install.
    ['centos6.10', { virtioBlock: true, virtioNet: true, virtio1: false, q35: true }, 'pc'],
  ] as const)('%s (installed db): %j, installs on %s', (id, expected, machine) => {
    const support = deviceSupportOf(db, db.get(id)!);
    expect(support).toMatchObject({ stated: true, ...expected });
    expect(installerMachine(support)).toBe(machine);
  });

  it('inherits devices through derives-from and clones; a nearer supported="false" drops one', () => {
    const small = inline(`
      <os id="p"><short-id>p</short-id><name>P</name><devices>
        <device id="http://pcisig.com/pci/1af4/1001"/><device id="http://qemu.org/chipset/x86/q35"/></devices></os>
      <os id="c"><short-id>c</short-id><name>C</name><derives-from id="p"/><devices>
        <device id="http://qemu.org/chipset/x86/q35" supported="false"/></devices></os>
      <os id="k"><short-id>k</short-id><name>K</name><clones id="p"/></os>`);
    expect(deviceSupportOf(small, small.get('c')!)).toEqual({ stated: true, virtioBlock: true, virtioNet: false, virtioScsi: false, virtio1: false, q35: false });
    expect(deviceSupportOf(small, small.get('k')!)).toMatchObject({ virtioBlock: true, q35: true });
  });

  it('an OS cannot list back a device an OS it derives from lost: unsupported anywhere in the chain wins (libosinfo)', () => {
    const small = inline(`
      <os id="g"><short-id>g</short-id><name>G</name><devices>
        <device id="http://pcisig.com/pci/1af4/1001"/><device id="http://qemu.org/chipset/x86/q35" supported="false"/></devices></os>
      <os id="p"><short-id>p</short-id><name>P</name><derives-from id="g"/><devices>
        <device id="http://qemu.org/chipset/x86/q35"/></devices></os>`);
    expect(deviceSupportOf(small, small.get('p')!)).toMatchObject({ virtioBlock: true, q35: false });
    // The installed db's one such case: linux2022 lists virtio-gpu supported, Ubuntu 22.04 (it derives from it) unsupported.
    expect(db.devicesOf(db.get('linux2022')!).supported.has('http://pcisig.com/pci/1af4/1050')).toBe(false);
  });

  it('an OS the database lists no device for gets what every x86 OS drives, as virt-install gives it (i440fx)', () => {
    const small = inline(`<os id="n"><short-id>n</short-id><name>N</name></os>`);
    const support = deviceSupportOf(small, small.get('n')!);
    expect(support).toEqual({ stated: false, virtioBlock: false, virtioNet: false, virtioScsi: false, virtio1: false, q35: false });
    expect(installerMachine(support)).toBe('pc');
    // MS-DOS 6.22 and Windows NT 4 in the installed db list no device: a virtio disk or a q35 machine would be lost on them.
    expect(installerMachine(deviceSupportOf(db, db.get('msdos6.22')!))).toBe('pc');
    expect(deviceSupportOf(db, db.get('winnt4.0')!)).toMatchObject({ stated: false, virtioBlock: false });
  });
});
