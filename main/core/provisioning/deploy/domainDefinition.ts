/**
 * The libvirt domain definition of a new VM, built from the accepted VmRequest through the XML layer (a DOM
 * built node by node, never concatenated text), then read back through DomainXml so the definition Tandem
 * defines is the one its typed model sees. Disks are pool volumes (`<disk type='volume'>`): the definition
 * names pool + volume, so it is the same whether the host is this machine or a remote one.
 */
import type { Element } from '@xmldom/xmldom';
import { DomainXml } from '../../inventory/DomainXml';
import { XmlDocument } from '../../xml/XmlDocument';
import { INSTALLER_ELEMENT, INSTALLER_NAMESPACE, INSTALLER_PREFIX, INSTALLER_RESTART } from '../install/installerMarker';
import type { HardwareSpec } from '../schemas';

export type DiskBus = HardwareSpec['disks'][number]['bus'];

export interface VolumeDisk {
  pool: string;
  volume: string;
  /** qcow2, raw: the volume's format, as libvirt needs it in the driver element. */
  format: string;
  bus: DiskBus;
}

/**
 * How the guest boots: from its system disk (the image's bootloader), a kernel + initramfs given directly, or
 * the installer CD-ROM first and then the disk (the installer's first boot).
 */
export type BootSpec =
  | { kind: 'disk' }
  | { kind: 'kernel'; kernel: string; initrd: string; cmdline: string }
  | { kind: 'cdrom' };

/** The installer ISO: a volume of a pool, or a file on the host outside any pool. */
export type InstallerCdrom = { pool: string; volume: string } | { path: string };

/** The installer's CD-ROM drive: holding the ISO, or ejected (the drive stays, empty, as virt-install leaves it). */
export type InstallerDrive = InstallerCdrom | 'ejected';

export interface DomainDefinitionInput {
  name: string;
  uuid: string;
  /** kvm when the host has KVM for the arch, else qemu (TCG emulation). */
  domainType: 'kvm' | 'qemu';
  /** The plan's: the request's (a template's), else what the installer's OS supports, else q35 (PCIe; Secure Boot needs it). */
  machine: 'q35' | 'pc';
  hardware: Pick<HardwareSpec, 'arch' | 'vcpus' | 'memoryMiB' | 'firmware' | 'secureBoot' | 'tpm' | 'nics' | 'graphics' | 'sound'>;
  /** The system disk first. */
  disks: VolumeDisk[];
  /** The cloud-init seed, attached read-only as a CD-ROM. */
  seed?: { pool: string; volume: string };
  /** The installer's read-only CD-ROM drive, with its ISO or ejected. */
  installMedia?: InstallerDrive;
  boot: BootSpec;
  /** What a guest reboot does: restart (default), or destroy (the installer's first boot: it stops instead). */
  onReboot?: 'restart' | 'destroy';
  /** Marks the definition for InstallerRebootWatch (install/installerMarker.ts): restart it once when the installer reboots. */
  installerRestart?: boolean;
  /**
   * Also logs serial port 0 (the console) to this file on the host; a BIOS guest that boots a device (not a
   * kernel given directly) then has SeaBIOS print its boot messages there too ("Booting from DVD/CD...",
   * "No bootable device."), so the log shows what the firmware booted.
   */
  serialLogPath?: string;
}

/**
 * The CPU of KVM guests: the host's CPU as libvirt's named model plus features (a migration target can be
 * checked against it, unlike host-passthrough). On nested-KVM hosts that lack MSRs QEMU sets, both modes abort
 * QEMU at start ("failed to set MSR"): the host's KVM probe (core/hosts/KvmProbe.ts) starts this same mode, so
 * such hosts get TCG guests instead.
 */
export const KVM_GUEST_CPU_MODE = 'host-model';

/** Builds the domain XML, returns it as the typed model. */
export function buildDomainDefinition(input: DomainDefinitionInput): DomainXml {
  const document = XmlDocument.parse('<domain/>', 'domain XML');
  const doc = document.doc;
  const add = (parent: Element, tag: string, attrs: Record<string, string> = {}, text?: string): Element => {
    const el = doc.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
    if (text !== undefined) el.appendChild(doc.createTextNode(text));
    parent.appendChild(el);
    return el;
  };
  const hw = input.hardware;
  const domain = document.root;
  domain.setAttribute('type', input.domainType);
  add(domain, 'name', {}, input.name);
  add(domain, 'uuid', {}, input.uuid);
  add(domain, 'memory', { unit: 'MiB' }, String(hw.memoryMiB));
  add(domain, 'currentMemory', { unit: 'MiB' }, String(hw.memoryMiB));
  add(domain, 'vcpu', {}, String(hw.vcpus));
  if (input.installerRestart) {
    const marker = doc.createElementNS(INSTALLER_NAMESPACE, `${INSTALLER_PREFIX}:${INSTALLER_ELEMENT}`);
    marker.setAttribute('restart', INSTALLER_RESTART);
    add(domain, 'metadata').appendChild(marker);
  }

  const uefi = hw.firmware === 'uefi';
  // libvirt's firmware auto-selection picks the host's OVMF build from its firmware descriptors
  // (/usr/share/qemu/firmware), with or without Secure Boot, and makes the NVRAM copy: no paths to guess.
  const os = add(domain, 'os', uefi ? { firmware: 'efi' } : {});
  add(os, 'type', { arch: hw.arch, machine: input.machine }, 'hvm');
  if (uefi) {
    const firmware = add(os, 'firmware');
    add(firmware, 'feature', { enabled: hw.secureBoot ? 'yes' : 'no', name: 'secure-boot' });
    add(firmware, 'feature', { enabled: hw.secureBoot ? 'yes' : 'no', name: 'enrolled-keys' });
    if (hw.secureBoot) add(os, 'loader', { secure: 'yes' });
  }
  if (input.boot.kind === 'kernel') {
    add(os, 'kernel', {}, input.boot.kernel);
    add(os, 'initrd', {}, input.boot.initrd);
    add(os, 'cmdline', {}, input.boot.cmdline);
  } else if (input.boot.kind === 'cdrom') {
    add(os, 'boot', { dev: 'cdrom' });
    add(os, 'boot', { dev: 'hd' });
  } else {
    add(os, 'boot', { dev: 'hd' });
  }
  if (input.serialLogPath && !uefi && input.boot.kind !== 'kernel') add(os, 'bios', { useserial: 'yes' });

  const features = add(domain, 'features');
  add(features, 'acpi');
  add(features, 'apic');
  // Secure Boot firmware only runs with SMM, which keeps the OS from writing the variable store directly.
  if (uefi && hw.secureBoot) add(features, 'smm', { state: 'on' });
  if (input.domainType === 'kvm') add(domain, 'cpu', { mode: KVM_GUEST_CPU_MODE });
  add(domain, 'on_poweroff', {}, 'destroy');
  add(domain, 'on_reboot', {}, input.onReboot ?? 'restart');
  add(domain, 'on_crash', {}, 'destroy');

  const devices = add(domain, 'devices');
  const targets = new TargetNames();
  for (const disk of input.disks) {
    const el = add(devices, 'disk', { type: 'volume', device: 'disk' });
    add(el, 'driver', { name: 'qemu', type: disk.format });
    add(el, 'source', { pool: disk.pool, volume: disk.volume });
    add(el, 'target', { dev: targets.next(disk.bus), bus: disk.bus });
  }
  if (input.disks.some((d) => d.bus === 'scsi')) add(devices, 'controller', { type: 'scsi', model: 'virtio-scsi' });
  // q35 has no IDE controller: its CD-ROMs hang off the AHCI (SATA) one.
  const cdromBus = input.machine === 'pc' ? 'ide' : 'sata';
  const addCdrom = (medium: InstallerDrive) => {
    const cdrom = add(devices, 'disk', { type: medium !== 'ejected' && 'pool' in medium ? 'volume' : 'file', device: 'cdrom' });
    add(cdrom, 'driver', { name: 'qemu', type: 'raw' });
    if (medium !== 'ejected') add(cdrom, 'source', 'path' in medium ? { file: medium.path } : { pool: medium.pool, volume: medium.volume });
    add(cdrom, 'target', { dev: targets.next(cdromBus), bus: cdromBus });
    add(cdrom, 'readonly');
  };
  if (input.installMedia) addCdrom(input.installMedia);
  if (input.seed) addCdrom(input.seed);
  for (const nic of hw.nics) {
    const el = add(devices, 'interface', { type: 'network' });
    add(el, 'source', { network: nic.network });
    add(el, 'model', { type: nic.model });
  }
  const serial = add(devices, 'serial', { type: 'pty' });
  if (input.serialLogPath) add(serial, 'log', { file: input.serialLogPath, append: 'on' });
  add(serial, 'target', { port: '0' });
  add(add(devices, 'console', { type: 'pty' }), 'target', { type: 'serial', port: '0' });
  if (hw.graphics !== 'none') {
    const graphics = add(devices, 'graphics', { type: hw.graphics, autoport: 'yes' });
    // Consoles are reached through libvirt (or an SSH tunnel), never on the host's public addresses.
    add(graphics, 'listen', { type: 'address', address: '127.0.0.1' });
  }
  if (hw.sound) add(devices, 'sound', { model: input.machine === 'q35' ? 'ich9' : 'ich6' });
  if (hw.tpm) {
    // swtpm behind libvirt's emulator backend; CRB is the interface TPM 2.0 guests expect on q35.
    const tpm = add(devices, 'tpm', { model: input.machine === 'q35' ? 'tpm-crb' : 'tpm-tis' });
    add(tpm, 'backend', { type: 'emulator', version: '2.0' });
  }
  return DomainXml.parse(document.toString());
}

/** libvirt target names per bus: vda, vdb... for virtio; sda, sdb... shared by SATA and SCSI; hda... for IDE. */
class TargetNames {
  private readonly used = new Map<string, number>();

  next(bus: string): string {
    const prefix = bus === 'virtio' ? 'vd' : bus === 'ide' ? 'hd' : 'sd';
    const index = this.used.get(prefix) ?? 0;
    this.used.set(prefix, index + 1);
    return prefix + letters(index);
  }
}

function letters(index: number): string {
  const letter = String.fromCharCode(97 + (index % 26));
  return index < 26 ? letter : letters(Math.floor(index / 26) - 1) + letter;
}
