import { describe, expect, it } from 'vitest';
import type { Job } from '../../../preload/api/jobs';
import { createContractClient } from '../../../preload/client';
import { createMemoryTransport } from '../testing/memoryTransport';
import { createToastStore } from './toastStore';
import { createJobsStore, selectJobList } from './jobsStore';

const job = (id: string, state: Job['state'], createdAt: number): Job => ({
  id,
  kind: 'migration',
  title: `job ${id}`,
  targets: [{ hostId: 'h1' }],
  state,
  progress: { phase: state, figures: {} },
  createdAt,
});

describe('jobsStore', () => {
  it('lists jobs, keeps a newer event over an older listing, orders running first, clears finished', async () => {
    const memory = createMemoryTransport();
    const jobs = createJobsStore(createContractClient(memory.transport), createToastStore({ autoDismissMs: 0 }));
    const held = memory.hold('jobs.list');
    const loading = jobs.getState().load();
    await Promise.resolve();
    memory.emit('jobs.changed', job('job-a-1', 'succeeded', 1));
    held[0]!.resolve([job('job-a-1', 'running', 1), job('job-b-2', 'running', 2)]);
    await loading;
    expect(jobs.getState().jobs['job-a-1']!.state).toBe('succeeded');
    expect(selectJobList(jobs.getState()).map((j) => j.id)).toEqual(['job-b-2', 'job-a-1']);
    jobs.getState().clearFinished();
    expect(Object.keys(jobs.getState().jobs)).toEqual(['job-b-2']);
    jobs.dispose();
    memory.emit('jobs.changed', job('job-c-3', 'running', 3));
    expect(jobs.getState().jobs['job-c-3']).toBeUndefined();
  });

  it('cancel calls jobs.cancel; a failure becomes a toast', async () => {
    const memory = createMemoryTransport();
    const toasts = createToastStore({ autoDismissMs: 0 });
    const jobs = createJobsStore(createContractClient(memory.transport), toasts);
    memory.fail('jobs.cancel', { name: 'Conflict', code: 'job.finished', message: 'already succeeded' });
    await jobs.getState().cancel('job-a-1');
    expect(memory.calls).toEqual([{ method: 'jobs.cancel', args: { jobId: 'job-a-1' } }]);
    expect(toasts.getState().toasts[0]).toMatchObject({ code: 'job.finished' });
    jobs.dispose();
  });
});
