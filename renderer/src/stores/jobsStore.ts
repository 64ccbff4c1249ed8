/**
 * Jobs (migrations, evacuations; later deploys, checkpoints...): every job main knows, by id, fed by
 * `jobs.changed` after an initial `jobs.list` (events already seen win over the listing, which may be older).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Job } from '../../../preload/api/jobs';
import type { ContractClient } from '../../../preload/contract';
import type { ToastStore } from './toastStore';

export interface JobsState {
  jobs: Record<string, Job>;
  load(): Promise<void>;
  cancel(jobId: string): Promise<void>;
  /** Forget the finished jobs in the list (the user cleared them). */
  clearFinished(): void;
}

export type JobsStore = StoreApi<JobsState> & { dispose(): void };

export function isJobFinished(job: Job): boolean {
  return job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
}

/** Unfinished jobs first, newest first. */
export function selectJobList(state: JobsState): Job[] {
  return Object.values(state.jobs).sort(
    (a, b) => Number(isJobFinished(a)) - Number(isJobFinished(b)) || b.createdAt - a.createdAt,
  );
}

export function createJobsStore(client: ContractClient, toasts: ToastStore): JobsStore {
  const fromEvents = new Set<string>();
  const store = createStore<JobsState>()((set) => ({
    jobs: {},
    async load() {
      try {
        const listed = await client.call('jobs.list', {});
        set((state) => {
          const jobs = { ...state.jobs };
          for (const job of listed) if (!fromEvents.has(job.id)) jobs[job.id] = job;
          return { jobs };
        });
      } catch (error) {
        toasts.getState().reportError('Could not list jobs', error);
      }
    },
    async cancel(jobId) {
      try {
        const job = await client.call('jobs.cancel', { jobId });
        set((state) => (isJobFinished(state.jobs[jobId] ?? job) ? state : { jobs: { ...state.jobs, [jobId]: job } }));
      } catch (error) {
        toasts.getState().reportError('Could not cancel the job', error);
      }
    },
    clearFinished() {
      set((state) => ({ jobs: Object.fromEntries(Object.entries(state.jobs).filter(([, j]) => !isJobFinished(j))) }));
    },
  }));
  const off = client.on('jobs.changed', (job) => {
    fromEvents.add(job.id);
    store.setState((state) => ({ jobs: { ...state.jobs, [job.id]: job } }));
  });
  return Object.assign(store, { dispose: off });
}
