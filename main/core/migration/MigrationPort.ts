/**
 * What migration needs from the hosts beyond HostSession: implemented for libvirt in
 * main/drivers/libvirt/LibvirtMigrationPort.ts. Sizes in bytes, times in milliseconds.
 */
import type { MigrationSettings } from './migrationTypes';

export type CpuCompatibility = 'identical' | 'superset' | 'incompatible';

export interface CpuVerdict {
  result: CpuCompatibility;
  /** What was compared: the guest's own CPU definition, or (when it has none) the source host's CPU. */
  compared: 'guest-cpu' | 'source-host-cpu';
  /** The hypervisor's explanation when incompatible (e.g. the features the destination lacks). */
  explanation?: string;
}

/** A progress sample of a running migration (libvirt's job stats), fields absent when not reported. */
export interface MigrationSample {
  elapsedMs?: number;
  dataProcessed?: number;
  dataRemaining?: number;
  dataTotal?: number;
  /** Guest memory dirtied per second, bytes. */
  dirtyRate?: number;
  expectedDowntimeMs?: number;
  /** Memory pass number (1: the first full copy). */
  iteration?: number;
  /** Current transfer rate, bytes per second. */
  transferRate?: number;
}

/** The completed job's figures as the hypervisor reports them. */
export interface MigrationStats {
  downtimeMs?: number;
  timeElapsedMs?: number;
  dataTransferred?: number;
  iterations?: number;
  /** The guest's pause from the source's "suspended: migrated" event to the destination's "resumed: migrated", as received here. */
  observedPauseMs?: number;
}

export interface MigrationWatch {
  signal: AbortSignal;
  onSample(sample: MigrationSample): void;
  /** Called once when the VM runs (offline: is defined) on the destination; the port may then still wait for the final figures. */
  onArrived(): void;
}

export interface MigrationPort {
  compareCpu(sourceHostId: string, uuid: string, destinationHostId: string): Promise<CpuVerdict>;
  freeMemoryBytes(hostId: string): Promise<number>;
  /** Whether each path exists on the host (as a storage volume, or a file in a folder libvirt can list). */
  storagePathsExist(hostId: string, paths: string[]): Promise<boolean[]>;
  /** Whether an active storage pool on the host has this folder as its target (where a disk copy can be created). */
  poolOverFolder(hostId: string, folder: string): Promise<boolean>;
  /** The VMs on the host that carry this name or this UUID. */
  findVm(hostId: string, ref: { name: string; uuid: string }): Promise<{ byName?: { uuid: string }; byUuid?: { name: string; active: boolean } }>;
  /**
   * Runs the migration; resolves when the VM runs (or, offline, is defined) on the destination. Aborting
   * `signal` cancels the hypervisor's job: the VM stays where it was, and the promise rejects.
   */
  migrate(
    source: { hostId: string; uuid: string },
    destination: { hostId: string; uri: string },
    settings: MigrationSettings,
    watch: MigrationWatch,
  ): Promise<MigrationStats>;
}
