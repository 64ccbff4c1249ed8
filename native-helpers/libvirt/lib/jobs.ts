/**
 * Backups and domain jobs (src/backup_jobs.cc): a backup runs as the domain's job, which getJobInfo /
 * getJobStats follow and abortJob cancels. Added to Domain by module augmentation.
 */

/** virDomainJobInfo. Times in milliseconds, sizes in bytes; 0 where the job does not report a value. */
export interface DomainJobInfo {
  /** virDomainJobType: NONE, BOUNDED, UNBOUNDED, COMPLETED, FAILED, CANCELLED */
  type: number;
  timeElapsed: number;
  timeRemaining: number;
  dataTotal: number;
  dataProcessed: number;
  dataRemaining: number;
  memTotal: number;
  memProcessed: number;
  memRemaining: number;
  fileTotal: number;
  fileProcessed: number;
  fileRemaining: number;
}

/** virDomainGetJobStats: the job type and libvirt's typed parameters by name (VIR_DOMAIN_JOB_* keys). */
export interface DomainJobStats {
  /** virDomainJobType */
  type: number;
  /** e.g. `operation` (virDomainJobOperation), `time_elapsed`, `disk_total`, `disk_processed`. */
  stats: Record<string, number | string | boolean>;
}

declare module './types' {
  interface Domain {
    /**
     * virDomainBackupBegin. backupXml is a <domainbackup> document (push mode: the daemon writes the
     * target files; pull mode: an NBD server the caller reads from, until abortJob()). checkpointXml, when
     * given, creates that checkpoint atomically with the backup start. flags: virDomainBackupBeginFlags.
     */
    backupBegin(backupXml: string, checkpointXml?: string | null, flags?: number): Promise<void>;
    /** The running backup job's XML; rejects with VIR_ERR_NO_DOMAIN_BACKUP when none runs. */
    backupGetXMLDesc(flags?: number): Promise<string>;
    getJobInfo(): Promise<DomainJobInfo>;
    /** flags: virDomainGetJobStatsFlags (COMPLETED: the last finished job's statistics, KEEP_COMPLETED). */
    getJobStats(flags?: number): Promise<DomainJobStats>;
    /** Cancels the running job (or ends a pull-mode backup). flags: virDomainAbortJobFlagsValues. */
    abortJob(flags?: number): Promise<void>;
  }
}
