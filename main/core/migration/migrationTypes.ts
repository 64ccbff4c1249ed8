/** The user's choices for a migration (the contract's MigrationOptions without the destination). */
export interface MigrationSettings {
  /** live: the guest keeps running while memory is copied; offline: a running guest is paused for the copy, a stopped one moves its definition. */
  mode: 'live' | 'offline';
  /** shared: both hosts see the disks; copy-all / copy-incremental: copy the disks (incremental: only allocated blocks on an existing backing chain). */
  storage: 'shared' | 'copy-all' | 'copy-incremental';
  /** The user confirms that both hosts see the same disk files though libvirt cannot tell (VIR_MIGRATE_UNSAFE). */
  allowUnsafe: boolean;
  /** MiB/s; may exceed QEMU's default cap of 128 MiB/s. Absent: libvirt's default (no cap). */
  bandwidthMiBs?: number;
  /** The longest pause allowed at switch-over, ms. */
  maxDowntimeMs?: number;
}

export interface MigrationIssue {
  /** Stable, e.g. "destination.same-host", "storage.missing". */
  code: string;
  message: string;
}

export interface MigrationCheck {
  ok: boolean;
  blockers: MigrationIssue[];
  warnings: MigrationIssue[];
}
