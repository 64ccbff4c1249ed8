import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { snapshotXml } from './LibvirtCheckpointHypervisor';

const DOMAIN = `<domain><devices>
  <disk type='file' device='disk'><source file='/a.qcow2'/><target dev='vda'/></disk>
  <disk type='file' device='cdrom'><source file='/s.iso'/><target dev='hdc'/><readonly/></disk>
</devices></domain>`;

describe('snapshot XML of a checkpoint', () => {
  it('asks for an external overlay per layered disk, none for the others, and an external memory file', () => {
    const xml = snapshotXml({ name: 'tandem-1', overlays: [{ target: 'vda', overlay: "/x/o'1.qcow2" }], memoryFile: '/x/1.mem', quiesce: false }, DOMAIN);
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const disks = Array.from(doc.getElementsByTagName('disk'));
    expect(disks.map((d) => [d.getAttribute('name'), d.getAttribute('snapshot')])).toEqual([
      ['vda', 'external'],
      ['hdc', 'no'],
    ]);
    expect(disks[0]!.getElementsByTagName('source')[0]!.getAttribute('file')).toBe("/x/o'1.qcow2");
    const memory = doc.getElementsByTagName('memory')[0]!;
    expect([memory.getAttribute('snapshot'), memory.getAttribute('file')]).toEqual(['external', '/x/1.mem']);
  });

  it('says memory="no" for a disk-only checkpoint', () => {
    const xml = snapshotXml({ name: 'd', overlays: [{ target: 'vda', overlay: '/o.qcow2' }], quiesce: true }, DOMAIN);
    expect(xml).toContain(`<memory snapshot='no'/>`);
  });
});
