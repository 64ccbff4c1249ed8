/**
 * Domain snapshots (src/snapshot.cc, libvirt-domain-snapshot.h): the DomainSnapshot object and the snapshot
 * methods of Domain, added to its interface by module augmentation. Flags are the tables of
 * constants.generated.ts (virDomainSnapshotCreateFlags, virDomainSnapshotListFlags, ...).
 */

/** A snapshot of one domain. Only getName() is local; everything else may reach the daemon. */
export interface DomainSnapshot {
  getName(): string;
  /** virDomainSnapshotGetParent; rejects with VIR_ERR_NO_DOMAIN_SNAPSHOT for a root snapshot. */
  getParent(): Promise<DomainSnapshot>;
  /** flags: virDomainSnapshotListFlags (e.g. VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) */
  listAllChildren(flags?: number): Promise<DomainSnapshot[]>;
  /** flags: virDomainSnapshotXMLFlags (VIR_DOMAIN_SNAPSHOT_XML_SECURE) */
  getXMLDesc(flags?: number): Promise<string>;
  isCurrent(): Promise<boolean>;
  hasMetadata(): Promise<boolean>;
  /** flags: virDomainSnapshotDeleteFlags (children, children only, metadata only) */
  delete(flags?: number): Promise<void>;
  /** Drops this object's libvirt reference now rather than at garbage collection. */
  free(): void;
}

declare module './types' {
  interface Domain {
    /**
     * virDomainSnapshotCreateXML; xml is a <domainsnapshot> document. flags: virDomainSnapshotCreateFlags
     * (DISK_ONLY, LIVE, QUIESCE, NO_METADATA, REDEFINE, CURRENT, ATOMIC, REUSE_EXT, HALT, VALIDATE).
     */
    snapshotCreateXML(xml: string, flags?: number): Promise<DomainSnapshot>;
    /** flags: virDomainSnapshotListFlags */
    listAllSnapshots(flags?: number): Promise<DomainSnapshot[]>;
    /** Rejects with VIR_ERR_NO_DOMAIN_SNAPSHOT when there is none by that name. */
    snapshotLookupByName(name: string): Promise<DomainSnapshot>;
    /** Rejects with VIR_ERR_NO_DOMAIN_SNAPSHOT when the domain has no current snapshot. */
    snapshotCurrent(): Promise<DomainSnapshot>;
    hasCurrentSnapshot(): Promise<boolean>;
    /**
     * virDomainRevertToSnapshot. `snapshot` must be one of this domain's (same connection), else a
     * TypeError. flags: virDomainSnapshotRevertFlags (RUNNING, PAUSED, FORCE, RESET_NVRAM).
     */
    revertToSnapshot(snapshot: DomainSnapshot, flags?: number): Promise<void>;
  }
}
