/** Reads and rewrites the disks of a libvirt domain XML (pure, over XmlDocument). */
import { XmlDocument, XmlNode } from '../xml/XmlDocument';
import type { DomainDisk } from './ports';

function layeredDiskNodes(xml: XmlDocument): XmlNode[] {
  // File-backed, writable guest disks: the ones a checkpoint layers an overlay on.
  return new XmlNode(xml.root)
    .elements("devices/disk[@device='disk' and @type='file']")
    .filter((d) => !d.element('readonly') && !d.element('shareable') && d.value('source/@file'));
}

export function domainDisks(domainXml: string): DomainDisk[] {
  const xml = XmlDocument.parse(domainXml, 'domain XML');
  return layeredDiskNodes(xml).map((d) => ({
    target: d.value('target/@dev') ?? '',
    source: d.value('source/@file') ?? '',
    format: d.value('driver/@type') ?? 'raw',
  }));
}

/** The XML with each named disk's source set to a new qcow2 file (libvirt re-reads the backing chain). */
export function withDiskSources(domainXml: string, sources: { target: string; image: string; format: string }[]): string {
  const xml = XmlDocument.parse(domainXml, 'domain XML');
  const nodes = layeredDiskNodes(xml);
  for (const s of sources) {
    const disk = nodes.find((d) => d.value('target/@dev') === s.target);
    if (!disk) throw new Error(`the domain XML has no file disk ${s.target}`);
    disk.ensure('source').setAttribute('file', s.image);
    disk.ensure('driver').setAttribute('type', s.format);
    for (const backing of disk.elements('backingStore')) disk.node.removeChild(backing.node);
  }
  return xml.toString();
}

/** The files of a running disk's backing chain, top first, from a live domain XML (its backingStore elements). */
export function diskChain(domainXml: string, target: string): string[] {
  const xml = XmlDocument.parse(domainXml, 'domain XML');
  const disk = layeredDiskNodes(xml).find((d) => d.value('target/@dev') === target);
  if (!disk) return [];
  const chain = [disk.value('source/@file') ?? ''];
  for (let node = disk.element('backingStore'); node; node = node.element('backingStore')) {
    const file = node.value('source/@file');
    if (!file) break;
    chain.push(file);
  }
  return chain;
}

/** The domain's name (libvirt XML always has one). */
export function domainName(domainXml: string): string {
  return new XmlNode(XmlDocument.parse(domainXml, 'domain XML').root).value('name') ?? '';
}
