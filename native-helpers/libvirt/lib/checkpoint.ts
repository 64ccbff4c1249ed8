/**
 * Domain checkpoints (src/checkpoint.cc, libvirt-domain-checkpoint.h): points in time recorded on a
 * domain's disks (dirty bitmaps) that incremental backups start from. The DomainCheckpoint object and the
 * checkpoint methods of Domain, added to its interface by module augmentation. Flags are the tables of
 * constants.generated.ts (virDomainCheckpointCreateFlags, virDomainCheckpointListFlags, ...).
 */

/** A checkpoint of one domain. Only getName() is local; everything else may reach the daemon. */
export interface DomainCheckpoint {
  getName(): string;
  /** virDomainCheckpointGetParent; rejects with VIR_ERR_NO_DOMAIN_CHECKPOINT for a root checkpoint. */
  getParent(): Promise<DomainCheckpoint>;
  /** flags: virDomainCheckpointListFlags (e.g. VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS) */
  listAllChildren(flags?: number): Promise<DomainCheckpoint[]>;
  /** flags: virDomainCheckpointXMLFlags (SECURE, NO_DOMAIN, SIZE) */
  getXMLDesc(flags?: number): Promise<string>;
  /** flags: virDomainCheckpointDeleteFlags (children, children only, metadata only) */
  delete(flags?: number): Promise<void>;
  /** Drops this object's libvirt reference now rather than at garbage collection. */
  free(): void;
}

declare module './types' {
  interface Domain {
    /** xml is a <domaincheckpoint> document. flags: virDomainCheckpointCreateFlags (REDEFINE, QUIESCE, ...) */
    checkpointCreateXML(xml: string, flags?: number): Promise<DomainCheckpoint>;
    /** flags: virDomainCheckpointListFlags */
    listAllCheckpoints(flags?: number): Promise<DomainCheckpoint[]>;
    /** Rejects with VIR_ERR_NO_DOMAIN_CHECKPOINT when there is none by that name. */
    checkpointLookupByName(name: string): Promise<DomainCheckpoint>;
  }
}
