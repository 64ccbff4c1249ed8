/**
 * Long operations (migration today; deploy, checkpoints and replication later) run as jobs: an id, a kind, a
 * title, the hosts/VMs they touch, a state, progress reports, and a result or a typed error. A job is
 * cancelled through the AbortSignal its work function receives; the work decides how to stop (e.g. abort
 * libvirt's job) and rejects, and the job ends `cancelled`.
 */
import type { ContractError } from '../../../preload/contract';
import { Emitter } from '../Emitter';
import { ConflictError, NotFoundError, TandemError } from '../errors';
import { createLogger } from '../logging';

const log = createLogger('jobs');

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  /** What the job is doing now, in a few words ("copying memory", "vm 2 of 3: web"). */
  phase: string;
  /** 0..1 when the job can tell. */
  fraction?: number;
  /** Named numbers or short strings the UI shows as they are (bytes, ms, counts). */
  figures: Record<string, number | string>;
}

export interface JobTarget {
  hostId: string;
  uuid?: string;
}

export interface JobSnapshot {
  id: string;
  kind: string;
  title: string;
  targets: JobTarget[];
  state: JobState;
  progress: JobProgress;
  result?: Record<string, unknown>;
  error?: ContractError;
  /** Epoch milliseconds. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface JobContext {
  signal: AbortSignal;
  report(progress: JobProgress): void;
}

export interface JobSpec {
  kind: string;
  title: string;
  targets: JobTarget[];
}

/** How many finished jobs stay listed (the newest ones). */
const KEEP_FINISHED = 50;

interface JobEntry {
  snapshot: JobSnapshot;
  abort: AbortController;
  done: Promise<JobSnapshot>;
}

export class JobRegistry {
  private readonly jobs = new Map<string, JobEntry>();
  private nextId = 1;
  readonly jobChanged = new Emitter<JobSnapshot>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts `work` at once as a new job and returns its first snapshot; the work's outcome ends the job. */
  start(spec: JobSpec, work: (ctx: JobContext) => Promise<Record<string, unknown>>): JobSnapshot {
    const id = `job-${this.now().toString(36)}-${this.nextId++}`;
    const abort = new AbortController();
    const snapshot: JobSnapshot = {
      id,
      kind: spec.kind,
      title: spec.title,
      targets: spec.targets,
      state: 'queued',
      progress: { phase: 'queued', figures: {} },
      createdAt: this.now(),
    };
    const entry: JobEntry = { snapshot, abort, done: Promise.resolve(snapshot) };
    this.jobs.set(id, entry);
    this.changed(entry, {});
    entry.done = this.run(entry, work);
    this.prune();
    return entry.snapshot;
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((e) => e.snapshot);
  }

  get(id: string): JobSnapshot {
    return this.entry(id).snapshot;
  }

  /** Resolves with the job's final snapshot. */
  wait(id: string): Promise<JobSnapshot> {
    return this.entry(id).done;
  }

  /** Asks the job to stop; its state becomes `cancelled` once its work has stopped. */
  cancel(id: string): JobSnapshot {
    const entry = this.entry(id);
    if (isFinished(entry.snapshot.state)) {
      throw new ConflictError('job.finished', `Job "${entry.snapshot.title}" has already ${entry.snapshot.state}`, { details: { jobId: id } });
    }
    entry.abort.abort();
    this.changed(entry, { progress: { ...entry.snapshot.progress, phase: 'cancelling' } });
    return entry.snapshot;
  }

  /** Cancels every unfinished job and waits for them (at shutdown). */
  async dispose(): Promise<void> {
    const running = [...this.jobs.values()].filter((e) => !isFinished(e.snapshot.state));
    for (const e of running) e.abort.abort();
    await Promise.allSettled(running.map((e) => e.done));
  }

  private async run(entry: JobEntry, work: (ctx: JobContext) => Promise<Record<string, unknown>>): Promise<JobSnapshot> {
    // Let the caller receive the job id before the first progress report.
    await Promise.resolve();
    this.changed(entry, { state: 'running', startedAt: this.now(), progress: { phase: 'starting', figures: {} } });
    const ctx: JobContext = {
      signal: entry.abort.signal,
      report: (progress) => {
        if (isFinished(entry.snapshot.state)) return;
        // Once cancelled, the work's own phase no longer says what happens: the UI shows "cancelling" until the end.
        this.changed(entry, { progress: entry.abort.signal.aborted ? { ...progress, phase: 'cancelling' } : progress });
      },
    };
    try {
      const result = await work(ctx);
      this.changed(entry, { state: 'succeeded', result, finishedAt: this.now(), progress: { ...entry.snapshot.progress, phase: 'done', fraction: 1 } });
    } catch (error) {
      const cancelled = entry.abort.signal.aborted;
      const contractError = toContractError(error);
      if (!(error instanceof TandemError)) log.error(`job ${entry.snapshot.id} (${entry.snapshot.kind}) failed with a bug`, error);
      this.changed(entry, {
        state: cancelled ? 'cancelled' : 'failed',
        error: contractError,
        finishedAt: this.now(),
        progress: { ...entry.snapshot.progress, phase: cancelled ? 'cancelled' : 'failed' },
      });
    }
    return entry.snapshot;
  }

  private changed(entry: JobEntry, patch: Partial<JobSnapshot>): void {
    entry.snapshot = { ...entry.snapshot, ...patch };
    this.jobChanged.emit(entry.snapshot);
  }

  private entry(id: string): JobEntry {
    const entry = this.jobs.get(id);
    if (!entry) throw new NotFoundError('job.not-found', `No job ${id}`, { details: { jobId: id } });
    return entry;
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((e) => isFinished(e.snapshot.state));
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(e.snapshot.id);
  }
}

export function isFinished(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

function toContractError(error: unknown): ContractError {
  if (error instanceof TandemError) return error.toContractError();
  return {
    name: 'Internal',
    code: 'job.internal',
    message: `The job failed because of a bug in Tandem: ${error instanceof Error ? error.message : String(error)}`,
  };
}
