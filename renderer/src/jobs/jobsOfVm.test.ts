import { describe, expect, it } from 'vitest';
import type { Job } from '../../../preload/api/jobs';
import { endedJobsOfVm } from './jobsOfVm';

const UUID = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100001';
const OTHER = '7a4d0c6e-5f3b-4c1e-9d2a-6b8e3f100002';

const job = (id: string, state: Job['state'], uuid: string | undefined, hostId = 'h1'): Job => ({
  id,
  kind: 'checkpoint.take',
  title: id,
  targets: [uuid ? { hostId, uuid } : { hostId }],
  state,
  progress: { phase: state, figures: {} },
  createdAt: 0,
});

describe('endedJobsOfVm', () => {
  it("counts the ended jobs about the VM, on any host, leaving out running ones, other VMs', host-wide ones and the dialog's own", () => {
    const jobs = Object.fromEntries(
      [
        job('job-a', 'succeeded', UUID),
        job('job-b', 'failed', UUID, 'h2'),
        job('job-c', 'cancelled', UUID),
        job('job-d', 'running', UUID),
        job('job-e', 'queued', UUID),
        job('job-f', 'succeeded', OTHER),
        job('job-g', 'succeeded', undefined),
        job('job-own', 'failed', UUID),
      ].map((j) => [j.id, j]),
    );
    expect(endedJobsOfVm(jobs, UUID, 'job-own')).toBe(3);
    expect(endedJobsOfVm(jobs, UUID)).toBe(4);
  });

  it('moves when a running job of the VM ends (what makes the migration dialog check again)', () => {
    const running = { 'job-a': job('job-a', 'running', UUID) };
    const before = endedJobsOfVm(running, UUID, null);
    expect(endedJobsOfVm({ 'job-a': job('job-a', 'succeeded', UUID) }, UUID, null)).toBe(before + 1);
  });
});
