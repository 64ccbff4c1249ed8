import type { checkpointsMethods } from '../../../preload/api/checkpoints';
import type { CheckpointEngine } from '../../core/checkpoints/CheckpointEngine';
import { CheckpointJobs } from '../../core/checkpoints/CheckpointJobs';
import type { JobRegistry } from '../../core/jobs/JobRegistry';
import type { HandlersFor } from './HandlerTypes';

export interface CheckpointsHandlerDeps {
  checkpoints: CheckpointEngine;
  jobs: JobRegistry;
}

/** Take / revert / delete / commit run as jobs (phases and results in the jobs panel) and answer when done. */
export function checkpointsHandlers({ checkpoints: engine, jobs }: CheckpointsHandlerDeps): HandlersFor<typeof checkpointsMethods> {
  const checkpoints = new CheckpointJobs(engine, jobs);
  return {
    'checkpoints.list': async ({ hostId, uuid }) => engine.list({ hostId, uuid }),
    'checkpoints.take': async ({ hostId, uuid, name, description, diskOnly, quiesce }) =>
      checkpoints.take(
        { hostId, uuid },
        { name, ...(description !== undefined ? { description } : {}), ...(diskOnly !== undefined ? { diskOnly } : {}), ...(quiesce !== undefined ? { quiesce } : {}) },
      ),
    'checkpoints.revert': async ({ hostId, uuid, checkpointId }) => checkpoints.revert({ hostId, uuid }, checkpointId),
    'checkpoints.delete': async ({ hostId, uuid, checkpointId }) => checkpoints.delete({ hostId, uuid }, checkpointId),
    'checkpoints.commit': async ({ hostId, uuid, mode }) => checkpoints.commit({ hostId, uuid }, { mode }),
  };
}
