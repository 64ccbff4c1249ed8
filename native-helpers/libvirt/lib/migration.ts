/**
 * Migration (src/migration.cc), added to Domain by module augmentation: virDomainMigrateToURI3 (the source
 * daemon drives: peer-to-peer, or direct to a hypervisor URI), virDomainMigrate3 (this client drives, with
 * a connection to each side), and the tunables of a migration. Progress: getJobStats (jobs.ts) on the
 * source while it runs; the job-completed event (events.ts) with the final statistics.
 */
import type { Connection } from './types';

/**
 * libvirt's VIR_MIGRATE_PARAM_* typed parameters, by libvirt's own names. A name not listed here, or a
 * value of the wrong type, is a TypeError before anything is sent.
 */
export interface MigrateParams {
  /** VIR_MIGRATE_PARAM_URI: where the hypervisor sends the data (e.g. tcp://10.0.0.2), if not the default. */
  migrate_uri?: string;
  /** VIR_MIGRATE_PARAM_DEST_NAME: rename on the destination. */
  destination_name?: string;
  /** VIR_MIGRATE_PARAM_DEST_XML: the live configuration on the destination (same guest ABI). */
  destination_xml?: string;
  /** VIR_MIGRATE_PARAM_PERSIST_XML: the persistent configuration on the destination. */
  persistent_xml?: string;
  /** VIR_MIGRATE_PARAM_BANDWIDTH, MiB/s (0: libvirt's default). */
  bandwidth?: number;
  /** VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, MiB/s during post-copy. */
  'bandwidth.postcopy'?: number;
  /** VIR_MIGRATE_PARAM_GRAPHICS_URI: where graphics clients should reconnect, e.g. spice://host:5901/ */
  graphics_uri?: string;
  /** VIR_MIGRATE_PARAM_LISTEN_ADDRESS: the address the destination listens on for incoming migration. */
  listen_address?: string;
  /** VIR_MIGRATE_PARAM_MIGRATE_DISKS: the disks (targets, e.g. "vda") to copy with NON_SHARED_* flags. */
  migrate_disks?: string[];
  /** VIR_MIGRATE_PARAM_DISKS_PORT: port for the incoming disk copy. */
  disks_port?: number;
  /** VIR_MIGRATE_PARAM_DISKS_URI: tcp:// or unix:// URI for the incoming disk copy. */
  disks_uri?: string;
  /** VIR_MIGRATE_PARAM_COMPRESSION: "xbzrle", "mt" (with VIR_MIGRATE_COMPRESSED). */
  compression?: string[];
  'compression.mt.level'?: number;
  'compression.mt.threads'?: number;
  'compression.mt.dthreads'?: number;
  /** xbzrle page cache size, bytes. */
  'compression.xbzrle.cache'?: number;
  /** VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, percent (with VIR_MIGRATE_AUTO_CONVERGE). */
  'auto_converge.initial'?: number;
  /** VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, percent. */
  'auto_converge.increment'?: number;
  /** VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS (with VIR_MIGRATE_PARALLEL). */
  'parallel.connections'?: number;
  /** VIR_MIGRATE_PARAM_TLS_DESTINATION: the host name the destination's TLS certificate carries. */
  'tls.destination'?: string;
}

declare module './types' {
  interface Domain {
    /**
     * virDomainMigrateToURI3. dconnuri: the destination's libvirt URI (required with VIR_MIGRATE_PEER2PEER;
     * null for a direct migration, which then needs params.migrate_uri). flags: virDomainMigrateFlags.
     * Resolves when the migration has finished.
     */
    migrateToURI3(dconnuri: string | null, params?: MigrateParams | null, flags?: number): Promise<void>;
    /** virDomainMigrate3: this client drives the migration to `destConn`; resolves to the domain there. */
    migrate3(destConn: Connection, params?: MigrateParams | null, flags?: number): Promise<Domain>;
    /** virDomainMigrateSetMaxDowntime: the longest pause allowed at switch-over, in milliseconds. */
    migrateSetMaxDowntime(downtimeMs: number): Promise<void>;
    /** virDomainMigrateGetMaxDowntime, milliseconds. */
    migrateGetMaxDowntime(): Promise<number>;
    /**
     * virDomainMigrateSetMaxSpeed, MiB/s, before or during a migration (raising it past QEMU's default cap of
     * 128 MiB/s works). flags: virDomainMigrateMaxSpeedFlags (POSTCOPY: the post-copy phase's cap).
     */
    migrateSetMaxSpeed(bandwidthMiBs: number, flags?: number): Promise<void>;
    /** virDomainMigrateGetMaxSpeed, MiB/s. */
    migrateGetMaxSpeed(flags?: number): Promise<number>;
    /** virDomainMigrateSetCompressionCache: the xbzrle page cache, bytes. */
    migrateSetCompressionCache(cacheSizeBytes: number): Promise<void>;
    /** virDomainMigrateGetCompressionCache, bytes. */
    migrateGetCompressionCache(): Promise<number>;
    /** virDomainMigrateStartPostCopy: switches a migration started with VIR_MIGRATE_POSTCOPY to post-copy. */
    migrateStartPostCopy(flags?: number): Promise<void>;
  }
}
