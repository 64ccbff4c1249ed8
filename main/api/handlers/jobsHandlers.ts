import type { jobsMethods } from '../../../preload/api/jobs';
import type { JobRegistry } from '../../core/jobs/JobRegistry';
import type { HandlersFor } from './HandlerTypes';

export interface JobsHandlerDeps {
  jobs: JobRegistry;
}

export function jobsHandlers({ jobs }: JobsHandlerDeps): HandlersFor<typeof jobsMethods> {
  return {
    'jobs.list': async () => jobs.list(),
    'jobs.cancel': async ({ jobId }) => jobs.cancel(jobId),
  };
}
