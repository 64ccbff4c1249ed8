import { describe, expect, it } from 'vitest';
import { diskChain, domainDisks, withDiskSources } from './domainDisks';

const LIVE = `<domain type='qemu'><name>g</name><devices>
  <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
    <source file='/img/top.qcow2' index='3'/>
    <backingStore type='file' index='2'><format type='qcow2'/><source file='/img/mid.qcow2'/>
      <backingStore type='file' index='1'><format type='raw'/><source file='/img/base.raw'/><backingStore/></backingStore>
    </backingStore>
    <target dev='vda' bus='virtio'/></disk>
  <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/img/seed.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>
  <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/img/shared.raw'/><target dev='vdc' bus='virtio'/><shareable/></disk>
  <disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='vdd' bus='virtio'/></disk>
</devices></domain>`;

describe('domain disks of a checkpoint', () => {
  it('layers only writable, unshared, file-backed disks', () => {
    expect(domainDisks(LIVE)).toEqual([{ target: 'vda', source: '/img/top.qcow2', format: 'qcow2' }]);
  });

  it('reads the running backing chain, top first', () => {
    expect(diskChain(LIVE, 'vda')).toEqual(['/img/top.qcow2', '/img/mid.qcow2', '/img/base.raw']);
    expect(diskChain(LIVE, 'hdc')).toEqual([]);
  });

  it('points a disk at a new overlay, drops its stale backing chain and leaves the other disks alone', () => {
    const xml = withDiskSources(LIVE, [{ target: 'vda', image: "/img/new'layer.qcow2", format: 'qcow2' }]);
    expect(domainDisks(xml)).toEqual([{ target: 'vda', source: "/img/new'layer.qcow2", format: 'qcow2' }]);
    expect(xml).not.toContain('backingStore');
    expect(xml).toContain('/img/seed.iso');
    expect(xml).toContain('/dev/sdz');
  });

  it('refuses a disk the XML does not have, and malformed XML', () => {
    expect(() => withDiskSources(LIVE, [{ target: 'vdz', image: '/x', format: 'qcow2' }])).toThrow(/no file disk vdz/);
    expect(() => domainDisks('<domain')).toThrow(/not well-formed/);
  });
});
