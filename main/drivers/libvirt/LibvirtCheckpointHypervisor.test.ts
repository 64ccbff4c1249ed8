import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { openConnection } from '../../../native-helpers/libvirt/lib/index';
import { LibvirtCheckpointHypervisor, snapshotXml } from './LibvirtCheckpointHypervisor';

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

describe("whether a host's files are this machine's", () => {
  it('decides from the URI libvirt reports for the connection, once per connection', async () => {
    const conn = await openConnection('test:///default');
    const other = await openConnection('test:///default');
    try {
      const vm = { hostId: 'h', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f' };
      expect(await new LibvirtCheckpointHypervisor(() => conn).filesAreLocal(vm)).toBe(true);
      const seen: string[] = [];
      let current = conn;
      const judged = new LibvirtCheckpointHypervisor(() => current, {
        isThisMachine: (uri) => {
          seen.push(uri);
          return false;
        },
      });
      expect(await judged.filesAreLocal(vm)).toBe(false);
      expect(await judged.filesAreLocal(vm)).toBe(false);
      expect(seen).toEqual(['test:///default']);
      // A reconnect (a new connection) is judged again: the host's URI may have been edited.
      current = other;
      await judged.filesAreLocal(vm);
      expect(seen).toHaveLength(2);
    } finally {
      await conn.close();
      await other.close();
    }
  });
});
