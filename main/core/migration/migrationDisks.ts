/** The disks of a domain XML as migration sees them: where each lives and whether it is written to. */
import { XmlDocument, XmlNode } from '../xml/XmlDocument';

export interface MigrationDisk {
  target: string;
  device: string;
  /** File or block device path; absent for network disks and empty CD-ROM drives. */
  path?: string;
  readonly: boolean;
  shareable: boolean;
  /** The driver's cache mode (none, writeback, ...), absent for the hypervisor's default. */
  cache?: string;
}

export function migrationDisks(domainXml: string): MigrationDisk[] {
  const root = new XmlNode(XmlDocument.parse(domainXml, 'domain XML').root);
  return root.elements('devices/disk').map((disk) => {
    const path = disk.value('source/@file') ?? disk.value('source/@dev');
    const cache = disk.value('driver/@cache');
    return {
      target: disk.value('target/@dev') ?? '',
      device: disk.value('@device') ?? 'disk',
      ...(path ? { path } : {}),
      readonly: disk.element('readonly') !== undefined,
      shareable: disk.element('shareable') !== undefined,
      ...(cache ? { cache } : {}),
    };
  });
}

/** libvirt calls a migration with shared, writable disks safe only with these cache modes (or a cluster FS). */
export function cacheIsMigrationSafe(disk: MigrationDisk): boolean {
  return disk.readonly || disk.shareable || disk.cache === 'none' || disk.cache === 'directsync';
}
