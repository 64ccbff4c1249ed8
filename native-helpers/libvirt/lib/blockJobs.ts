/**
 * Block jobs and per-disk queries (src/block_jobs.cc), added to Domain by module augmentation.
 *
 * A job runs on one disk of a running domain (named by target, "vda", or by source path): blockCommit,
 * blockPull, blockRebase and blockCopy start one; getBlockJobInfo follows it (null once there is none);
 * blockJobSetSpeed throttles it; blockJobAbort cancels it or, with VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT, finishes
 * an active commit or a copy by switching the disk over once the job is ready (cur === end, or the
 * VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2 event with status VIR_DOMAIN_BLOCK_JOB_READY).
 *
 * Bandwidths are MiB/s, or bytes/s with the call's *_BANDWIDTH_BYTES flag; 0 means unlimited.
 */
import type { TypedParams } from './stats';

/** virDomainGetBlockJobInfo of a disk with a job. */
export interface BlockJobInfo {
  /** virDomainBlockJobType: pull, copy, commit, active commit, backup. */
  type: number;
  /** MiB/s, or bytes/s with VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES; 0: unlimited. */
  bandwidth: number;
  /** Progress: cur goes from 0 to end (both in the hypervisor's own unit). */
  cur: number;
  end: number;
}

/** virDomainGetBlockInfo, bytes. */
export interface BlockInfo {
  /** What the guest sees. */
  capacity: number;
  /** Host storage the image occupies (like `du`). */
  allocation: number;
  /** Size of the image container (like `ls`). */
  physical: number;
}

/** virDomainBlockCopy's tunables (VIR_DOMAIN_BLOCK_COPY_*); 0 or absent: the hypervisor's default. */
export interface BlockCopyParams {
  /** Bytes/s while getting to the mirrored phase. */
  bandwidth?: number;
  /** Bytes; hypervisors may require a power of two. */
  granularity?: number;
  /** Bytes in flight between source and destination. */
  'buf-size'?: number;
}

declare module './types' {
  interface Domain {
    /**
     * virDomainBlockCommit: merges `top` (null: the active layer, needs VIR_DOMAIN_BLOCK_COMMIT_ACTIVE) down
     * into `base` (null: the bottom of the chain). flags: virDomainBlockCommitFlags (SHALLOW, DELETE, ACTIVE,
     * RELATIVE, BANDWIDTH_BYTES). An active commit stays in a ready phase until blockJobAbort (PIVOT or not).
     */
    blockCommit(disk: string, base: string | null, top: string | null, bandwidth: number, flags?: number): Promise<void>;
    /** virDomainBlockPull: copies the whole backing chain into the active image. flags: virDomainBlockPullFlags */
    blockPull(disk: string, bandwidth: number, flags?: number): Promise<void>;
    /**
     * virDomainBlockRebase: pulls the chain above `base` (null: all of it) into the active image, or with
     * VIR_DOMAIN_BLOCK_REBASE_COPY copies the disk to `base`. flags: virDomainBlockRebaseFlags
     */
    blockRebase(disk: string, base: string | null, bandwidth: number, flags?: number): Promise<void>;
    /**
     * virDomainBlockCopy: mirrors the disk to the one `destXml` describes (a <disk> element). Unknown or
     * wrongly typed params are TypeErrors. flags: virDomainBlockCopyFlags; libvirt refuses a persistent
     * domain unless VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB is given.
     */
    blockCopy(disk: string, destXml: string, params?: BlockCopyParams | null, flags?: number): Promise<void>;
    /** virDomainBlockJobAbort; flags: virDomainBlockJobAbortFlags (ASYNC, PIVOT). */
    blockJobAbort(disk: string, flags?: number): Promise<void>;
    /** virDomainGetBlockJobInfo: null when the disk has no job. flags: virDomainBlockJobInfoFlags */
    getBlockJobInfo(disk: string, flags?: number): Promise<BlockJobInfo | null>;
    /** virDomainBlockJobSetSpeed; flags: virDomainBlockJobSetSpeedFlags (BANDWIDTH_BYTES). */
    blockJobSetSpeed(disk: string, bandwidth: number, flags?: number): Promise<void>;
    /** virDomainGetBlockInfo. */
    blockInfo(disk: string, flags?: number): Promise<BlockInfo>;
    /** virDomainBlockStatsFlags: libvirt's fields (rd_bytes, rd_operations, wr_bytes, ..., errs). */
    blockStats(disk: string, flags?: number): Promise<TypedParams>;
    /** virDomainGetBlockIoTune: total_bytes_sec, read_iops_sec, ..., group_name. flags: virDomainModificationImpact */
    getBlockIoTune(disk: string, flags?: number): Promise<TypedParams>;
    /** virDomainSetBlockIoTune (VIR_DOMAIN_BLOCK_IOTUNE_* fields). flags: virDomainModificationImpact */
    setBlockIoTune(disk: string, params: Record<string, number | string>, flags?: number): Promise<void>;
  }
}
