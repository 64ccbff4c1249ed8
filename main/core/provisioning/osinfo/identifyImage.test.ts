import { beforeAll, describe, expect, it } from 'vitest';
import { OsDatabase } from './OsDatabase';
import { createImageIdentifier, type IdentifiedImage } from './identifyImage';

let identify: (fileName: string) => IdentifiedImage | undefined;
beforeAll(async () => {
  identify = createImageIdentifier(await OsDatabase.load(['/usr/share/osinfo']));
});

const summary = (found: IdentifiedImage | undefined) =>
  found && { os: found.os.shortId, arch: found.arch, kind: found.kind, format: found.format, cloudInit: found.cloudInit };

// File names from the download URLs of the installed osinfo-db (debian-11.xml, ubuntu-22.04.xml, rocky-9.xml).
describe('identifying images by their downloaded name', () => {
  it('knows cloud images', () => {
    expect(summary(identify('debian-11-genericcloud-amd64.qcow2'))).toEqual({
      os: 'debian11',
      arch: 'x86_64',
      kind: 'cloud-image',
      format: 'qcow2',
      cloudInit: true,
    });
    expect(summary(identify('/var/lib/libvirt/images/jammy-server-cloudimg-arm64.img'))).toEqual({
      os: 'ubuntu22.04',
      arch: 'aarch64',
      kind: 'cloud-image',
      format: 'qcow2',
      cloudInit: true,
    });
    expect(summary(identify('Rocky-9-GenericCloud.latest.x86_64.qcow2'))?.os).toBe('rocky9');
    expect(summary(identify('debian-11-nocloud-amd64.qcow2'))).toMatchObject({ os: 'debian11', cloudInit: false });
  });

  it('knows installer ISOs', () => {
    expect(summary(identify('debian-11.5.0-amd64-netinst.iso'))).toEqual({
      os: 'debian11',
      arch: 'x86_64',
      kind: 'install-media',
      format: 'iso',
      cloudInit: false,
    });
  });

  it('identifies nothing from a shared or unknown name', () => {
    expect(identify('boot.iso')).toBeUndefined();
    expect(identify('latest-nixos-minimal-x86_64-linux.iso')).toBeUndefined();
    expect(identify('my-golden-image.qcow2')).toBeUndefined();
    expect(identify('')).toBeUndefined();
  });
});
