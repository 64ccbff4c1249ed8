/** One job: title, phase, a progress bar, its figures, Cancel while it runs, and how it ended. */
import type { Job } from '../../../preload/api/jobs';
import { useStores } from '../stores/StoresContext';
import { isJobFinished } from '../stores/jobsStore';
import { describeFigures, describeResult } from './jobFigures';

const STATE_LABELS: Record<Job['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function JobProgress({ job, compact = false }: { job: Job; compact?: boolean }) {
  const { jobs } = useStores();
  const finished = isJobFinished(job);
  const fraction = job.progress.fraction;
  const figures = describeFigures(job.progress.figures);
  const outcome = job.state === 'succeeded' ? describeResult(job.result) : [];
  return (
    <div className={`job job-${job.state}`} data-testid={`job-${job.id}`} data-state={job.state}>
      <div className="job-head">
        <span className="job-title">{job.title}</span>
        <span className="job-state">{STATE_LABELS[job.state]}</span>
      </div>
      {!finished && (
        <>
          <div className="job-phase" data-testid="job-phase">
            {job.progress.phase}
          </div>
          <progress
            className="job-bar"
            max={1}
            value={fraction}
            aria-label={`${job.title}: ${fraction === undefined ? 'in progress' : `${Math.round(fraction * 100)}%`}`}
          />
        </>
      )}
      {!compact && figures.length > 0 && !finished && (
        <dl className="job-figures" data-testid="job-figures">
          {figures.map((f) => (
            <div key={f.key}>
              <dt>{f.label}</dt>
              <dd data-testid={`figure-${f.key}`}>{f.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {outcome.length > 0 && (
        <dl className="job-figures" data-testid="job-result">
          {outcome.map((f) => (
            <div key={f.key}>
              <dt>{f.label}</dt>
              <dd data-testid={`result-${f.key}`}>{f.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {job.error && (
        <p className="job-error" role={job.state === 'failed' ? 'alert' : undefined}>
          {job.error.message}
        </p>
      )}
      {!finished && (
        <button
          type="button"
          className="btn btn-small"
          disabled={job.progress.phase === 'cancelling'}
          onClick={() => void jobs.getState().cancel(job.id)}
        >
          {job.progress.phase === 'cancelling' ? 'Cancelling…' : 'Cancel'}
        </button>
      )}
    </div>
  );
}
