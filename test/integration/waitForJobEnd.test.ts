/**
 * waitForJobEnd (test/support/inProcessTandem.ts), the helper a dozen test-bed suites wait on their jobs with:
 * a job that ends while the helper's `jobs.list` call is on its way back must still be seen, not waited for
 * until the timeout. Real server, real WebSocket client; the job is the registry's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationFailedError } from '../../main/core/errors';
import { startInProcessTandem, waitForJobEnd, type InProcessTandem } from '../support/inProcessTandem';

describe('waitForJobEnd', () => {
  let t: InProcessTandem;

  beforeAll(async () => {
    t = await startInProcessTandem({ demo: 'never' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('returns a job that ended right after the list it read was taken', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const job = t.tandem.jobs.start({ kind: 'test-gated', title: 'gated', targets: [] }, async () => {
      await gate;
      return {};
    });
    // The list the helper gets back says "running"; the job ends before that reply reaches the client.
    const jobs = t.tandem.jobs;
    const list = jobs.list.bind(jobs);
    jobs.list = () => {
      const listed = list();
      release();
      return listed;
    };
    try {
      const ended = await waitForJobEnd(t, job.id, 3_000);
      expect(ended).toMatchObject({ id: job.id, state: 'succeeded' });
    } finally {
      jobs.list = list;
    }
  });

  it('returns a job that had already ended, and one that ends later', async () => {
    const done = t.tandem.jobs.start({ kind: 'test-done', title: 'done', targets: [] }, async () => ({}));
    await t.tandem.jobs.wait(done.id);
    expect(await waitForJobEnd(t, done.id, 3_000)).toMatchObject({ id: done.id, state: 'succeeded' });

    const later = t.tandem.jobs.start({ kind: 'test-later', title: 'later', targets: [] }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      throw new OperationFailedError('test.failed', 'work failed');
    });
    expect(await waitForJobEnd(t, later.id, 3_000)).toMatchObject({ id: later.id, state: 'failed' });
  });

  it('rejects once the timeout passes with the job still running', async () => {
    let release!: () => void;
    const job = t.tandem.jobs.start({ kind: 'test-stuck', title: 'stuck', targets: [] }, () => new Promise((resolve) => (release = () => resolve({}))));
    await expect(waitForJobEnd(t, job.id, 300)).rejects.toThrow(/did not end within 300 ms/);
    release();
    await t.tandem.jobs.wait(job.id);
  });
});
