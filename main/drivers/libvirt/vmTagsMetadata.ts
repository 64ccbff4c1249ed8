/**
 * Tandem's tags in a domain's metadata (core/inventory/vmTags.ts has the element's format): read with every
 * VM record, written by `vms.setTags`.
 */
import {
  LibvirtError,
  virDomainMetadataType,
  virDomainModificationImpact,
  type Connection,
  type Domain,
} from '../../../native-helpers/libvirt/lib/index';
import { TAGS_NAMESPACE, TAGS_PREFIX, parseTagsMetadata, tagsMetadataXml } from '../../core/inventory/vmTags';
import { withDomain } from './withDomain';

const { VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG } = virDomainModificationImpact;

/** The VM's tags from its metadata; none when it has no Tandem element. Runs inside the caller's mapping. */
export async function readVmTags(d: Domain): Promise<string[]> {
  try {
    return parseTagsMetadata(
      await d.getMetadata(virDomainMetadataType.VIR_DOMAIN_METADATA_ELEMENT, TAGS_NAMESPACE, virDomainModificationImpact.VIR_DOMAIN_AFFECT_CURRENT),
    );
  } catch (error) {
    if (error instanceof LibvirtError && error.codeName === 'VIR_ERR_NO_DOMAIN_METADATA') return [];
    throw error;
  }
}

/**
 * Writes the tags into the definition and, when the VM runs, into the running VM too (so both agree and a
 * later define from the live XML keeps them). A transient VM has only the live side. No tags: removed.
 */
export async function writeVmTags(conn: Connection, uuid: string, tags: string[]): Promise<void> {
  await withDomain(conn, uuid, async (d) => {
    const [active, persistent] = await Promise.all([d.isActive(), d.isPersistent()]);
    const flags = (active ? VIR_DOMAIN_AFFECT_LIVE : 0) | (persistent ? VIR_DOMAIN_AFFECT_CONFIG : 0);
    await d.setMetadata(
      virDomainMetadataType.VIR_DOMAIN_METADATA_ELEMENT,
      tags.length > 0 ? tagsMetadataXml(tags) : null,
      TAGS_PREFIX,
      TAGS_NAMESPACE,
      flags,
    );
  });
}
