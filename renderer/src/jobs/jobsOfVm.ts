/**
 * How many jobs about one VM have ended: a dialog whose check depends on what else runs on the VM (a migration
 * blocked by a checkpoint take, `vm.busy`) checks again when this number moves, instead of keeping a stale
 * blocker until the user changes a setting.
 */
import type { Job } from '../../../preload/api/jobs';

const ENDED: ReadonlySet<Job['state']> = new Set(['succeeded', 'failed', 'cancelled']);

/** Counted by uuid on any host: a job on the destination's copy of the VM (the lock covers both hosts) counts too. */
export function endedJobsOfVm(jobs: Record<string, Job>, uuid: string, exceptJobId?: string | null): number {
  let ended = 0;
  for (const job of Object.values(jobs)) {
    if (job.id === exceptJobId || !ENDED.has(job.state)) continue;
    if (job.targets.some((t) => t.uuid === uuid)) ended++;
  }
  return ended;
}
