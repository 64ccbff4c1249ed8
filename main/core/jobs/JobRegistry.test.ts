import { describe, expect, it } from 'vitest';
import { OperationFailedError } from '../errors';
import { JobRegistry, type JobSnapshot } from './JobRegistry';

const spec = { kind: 'test', title: 'A test job', targets: [{ hostId: 'h1' }] };

describe('JobRegistry', () => {
  it('runs a job: queued, running, progress, succeeded with its result; each change is an event', async () => {
    const jobs = new JobRegistry();
    const seen: JobSnapshot[] = [];
    jobs.jobChanged.on((j) => seen.push(j));
    const job = jobs.start(spec, async (ctx) => {
      ctx.report({ phase: 'half', fraction: 0.5, figures: { bytes: 10 } });
      return { answer: 42 };
    });
    expect(job.state).toBe('queued');
    const done = await jobs.wait(job.id);
    expect(done).toMatchObject({ state: 'succeeded', result: { answer: 42 }, progress: { phase: 'done', fraction: 1 } });
    expect(seen.map((j) => j.state)).toEqual(['queued', 'running', 'running', 'succeeded']);
    expect(seen[2]!.progress).toEqual({ phase: 'half', fraction: 0.5, figures: { bytes: 10 } });
    expect(jobs.list()).toEqual([done]);
  });

  it('a typed failure ends the job failed with that error; a bug ends it failed as Internal', async () => {
    const jobs = new JobRegistry();
    const typed = jobs.start(spec, async () => {
      throw new OperationFailedError('thing.failed', 'the thing failed');
    });
    expect(await jobs.wait(typed.id)).toMatchObject({ state: 'failed', error: { name: 'OperationFailed', code: 'thing.failed' } });
    const bug = jobs.start(spec, async () => {
      throw new TypeError('x is undefined');
    });
    expect(await jobs.wait(bug.id)).toMatchObject({ state: 'failed', error: { name: 'Internal', message: expect.stringContaining('x is undefined') } });
  });

  it('cancel aborts the signal; the job ends cancelled once its work stops; a finished job cannot be cancelled', async () => {
    const jobs = new JobRegistry();
    const job = jobs.start(spec, (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new OperationFailedError('stopped', 'stopped')))));
    await Promise.resolve();
    expect(jobs.cancel(job.id).progress.phase).toBe('cancelling');
    expect(await jobs.wait(job.id)).toMatchObject({ state: 'cancelled', error: { code: 'stopped' } });
    expect(() => jobs.cancel(job.id)).toThrow(/already cancelled/);
    expect(() => jobs.cancel('job-nope-1')).toThrow(/No job/);
  });

  it('a job still reporting after cancel stays "cancelling" (the UI keeps its Cancel button disabled), with its newest figures', async () => {
    const jobs = new JobRegistry();
    let report: ((bytes: number) => void) | undefined;
    let finish: (() => void) | undefined;
    const job = jobs.start(spec, (ctx) => {
      report = (bytes) => ctx.report({ phase: 'copying memory', fraction: 0.5, figures: { bytes } });
      return new Promise((_, reject) => (finish = () => reject(new OperationFailedError('stopped', 'stopped'))));
    });
    await Promise.resolve();
    await Promise.resolve();
    jobs.cancel(job.id);
    report!(20); // the hypervisor's job is still winding down
    expect(jobs.get(job.id).progress).toEqual({ phase: 'cancelling', fraction: 0.5, figures: { bytes: 20 } });
    finish!();
    expect(await jobs.wait(job.id)).toMatchObject({ state: 'cancelled' });
  });

  it('keeps the newest 50 finished jobs', async () => {
    const jobs = new JobRegistry();
    for (let i = 0; i < 60; i++) await jobs.wait(jobs.start(spec, async () => ({ i })).id);
    const running = jobs.start(spec, async () => ({}));
    const listed = jobs.list();
    expect(listed.filter((j) => j.state === 'succeeded').map((j) => j.result?.i)).toEqual(Array.from({ length: 50 }, (_, k) => k + 10));
    expect(listed.at(-1)!.id).toBe(running.id); // an unfinished job is never pruned
  });
});
