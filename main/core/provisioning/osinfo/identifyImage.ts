/**
 * Which OS a disk image or installer ISO in a storage pool holds, from its file name: the osinfo database
 * lists the download URL of each cloud image and install medium, and people keep the downloaded file's
 * name. A name several OSes share (NetBSD's "boot.iso", NixOS's "latest-…") identifies nothing; neither
 * does a renamed file (the user can then say which OS it is).
 */
import type { Arch } from '../schemas';
import { ArchSchema } from '../schemas';
import type { OsDatabase, OsEntry } from './OsDatabase';

export interface IdentifiedImage {
  os: OsEntry;
  arch: Arch;
  kind: 'cloud-image' | 'install-media';
  format: string;
  cloudInit: boolean;
}

export function createImageIdentifier(db: OsDatabase): (fileName: string) => IdentifiedImage | undefined {
  const byName = new Map<string, IdentifiedImage[]>();
  const add = (url: string | undefined, found: Omit<IdentifiedImage, 'arch'> & { arch: string }) => {
    const name = url?.split('/').pop();
    const arch = ArchSchema.safeParse(found.arch);
    if (!name || !arch.success || url!.startsWith('docker://')) return;
    byName.set(name, [...(byName.get(name) ?? []), { ...found, arch: arch.data }]);
  };
  for (const os of db.all()) {
    for (const image of os.images)
      add(image.url, { os, arch: image.arch, kind: 'cloud-image', format: image.format, cloudInit: image.cloudInit });
    for (const media of os.media) add(media.url, { os, arch: media.arch, kind: 'install-media', format: 'iso', cloudInit: false });
  }
  return (fileName) => {
    const found = byName.get(fileName.split('/').pop() ?? '');
    if (!found || new Set(found.map((f) => f.os.id)).size !== 1) return undefined;
    return found[0];
  };
}
