/**
 * Tags live in the VM's own domain XML, as one element under `<metadata>` in Tandem's namespace:
 *   <tandem:tags xmlns:tandem="https://tandem.dev/xmlns/vm-tags/1"><tandem:tag>prod</tandem:tag></tandem:tags>
 * so they travel with the VM (migration, `virsh dumpxml`, another Tandem) and need no side database.
 * libvirt stores such an element whole (virDomainSetMetadata with VIR_DOMAIN_METADATA_ELEMENT).
 */
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import { VmTagSchema } from '../../../preload/contract';
import { XmlDocument, XmlNode } from '../xml/XmlDocument';

export const TAGS_NAMESPACE = 'https://tandem.dev/xmlns/vm-tags/1';
/** The prefix libvirt writes the element with (its key argument). */
export const TAGS_PREFIX = 'tandem';

/** Trims, drops duplicates (case-insensitively, first spelling wins) and sorts, so equal sets compare equal. */
export function normalizeTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag && !seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  }
  return [...seen.values()].sort((a, b) => a.localeCompare(b));
}

/**
 * The metadata element for these tags, without a namespace: libvirt puts it (and every child) into the
 * namespace given as the call's uri, with the key as prefix, and refuses an element that declares its own.
 */
export function tagsMetadataXml(tags: readonly string[]): string {
  const doc = new DOMImplementation().createDocument(null, 'tags', null);
  const root = doc.documentElement!;
  for (const tag of normalizeTags(tags)) {
    const el = doc.createElement('tag');
    el.appendChild(doc.createTextNode(tag));
    root.appendChild(el);
  }
  return new XMLSerializer().serializeToString(doc);
}

/** Tags from the metadata element libvirt returns; anything that is not a valid tag is ignored, not fatal. */
export function parseTagsMetadata(xml: string): string[] {
  const root = new XmlNode(XmlDocument.parse(xml, 'tags metadata').root);
  const texts = root.elements("*[local-name()='tag']").map((t) => t.node.textContent ?? '');
  return normalizeTags(texts.filter((t) => VmTagSchema.safeParse(t).success));
}
