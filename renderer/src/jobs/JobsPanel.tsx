/** The jobs indicator in the sidebar: running jobs with their progress, recent finished ones on demand. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useJobs, useStores } from '../stores/StoresContext';
import { isJobFinished, selectJobList } from '../stores/jobsStore';
import { JobProgress } from './JobProgress';
import './jobs.css';

export function JobsPanel() {
  const { jobs } = useStores();
  const list = useJobs(useShallow(selectJobList));
  const [open, setOpen] = useState(false);
  if (list.length === 0) return null;
  const running = list.filter((j) => !isJobFinished(j));
  const shown = open ? list : running;
  return (
    <section className="jobs-panel" aria-label="Jobs" data-testid="jobs-panel">
      <button type="button" className="jobs-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        Jobs{running.length > 0 ? ` · ${running.length} running` : ''}
        <span className="muted"> ({list.length})</span>
      </button>
      {shown.map((job) => (
        <JobProgress key={job.id} job={job} compact />
      ))}
      {open && list.length > running.length && (
        <button type="button" className="btn btn-small btn-quiet" onClick={() => jobs.getState().clearFinished()}>
          Clear finished
        </button>
      )}
    </section>
  );
}
