/**
 * Checkpoint operations as jobs of the JobRegistry (the jobs panel shows their phases and results), while
 * the contract methods still answer with the operation's own result once it is done, or its own typed
 * error. The operations are journaled multi-step changes: they are not cancellable midway (a cancel
 * request is ignored and the job runs to its end).
 */
import type { JobRegistry, JobSpec } from '../jobs/JobRegistry';
import type { CheckpointEngine, CheckpointTreeView, CheckpointView, CommitRequest, PhaseReporter, TakeCheckpointRequest } from './CheckpointEngine';
import type { CheckpointVm } from './ports';

export class CheckpointJobs {
  constructor(
    private readonly engine: CheckpointEngine,
    private readonly jobs: JobRegistry,
    private readonly now: () => number = Date.now,
  ) {}

  take(vm: CheckpointVm, request: TakeCheckpointRequest): Promise<CheckpointView> {
    return this.asJob(vm, 'checkpoint.take', `Take checkpoint “${request.name.trim()}”`, (phase) => this.engine.take(vm, request, phase), (cp) => ({
      checkpointId: cp.id,
      kind: cp.kind,
      stunMs: cp.stunMs,
      wallMs: cp.wallMs,
      ...(cp.memoryMethod ? { memoryMethod: cp.memoryMethod } : {}),
      sizeBytes: cp.sizeBytes,
      ...(cp.memoryFullBytes !== undefined ? { memoryFullBytes: cp.memoryFullBytes, memoryBaseId: cp.memoryBaseId ?? null } : {}),
    }));
  }

  revert(vm: CheckpointVm, checkpointId: string): Promise<CheckpointTreeView> {
    return this.asJob(vm, 'checkpoint.revert', 'Revert to checkpoint', (phase) => this.engine.revert(vm, checkpointId, phase), () => ({ checkpointId }));
  }

  delete(vm: CheckpointVm, checkpointId: string): Promise<CheckpointTreeView> {
    return this.asJob(vm, 'checkpoint.delete', 'Delete checkpoint', (phase) => this.engine.delete(vm, checkpointId, phase), () => ({ checkpointId }));
  }

  commit(vm: CheckpointVm, request: CommitRequest): Promise<CheckpointTreeView> {
    const title = request.mode === 'fold' ? 'Commit checkpoints into the base disks' : 'Commit checkpoints into a copy';
    return this.asJob(vm, 'checkpoint.commit', title, (phase) => this.engine.commit(vm, request, phase), () => ({ mode: request.mode }));
  }

  private async asJob<T>(vm: CheckpointVm, kind: string, title: string, work: (phase: PhaseReporter) => Promise<T>, summary: (value: T) => Record<string, unknown>): Promise<T> {
    const spec: JobSpec = { kind, title, targets: [{ hostId: vm.hostId, uuid: vm.uuid }] };
    let outcome: { value: T } | { error: unknown } | undefined;
    const job = this.jobs.start(spec, async (ctx) => {
      const started = this.now();
      try {
        const value = await work((phase) => ctx.report({ phase, figures: {} }));
        outcome = { value };
        return { ...summary(value), durationMs: this.now() - started };
      } catch (error) {
        outcome = { error };
        throw error;
      }
    });
    await this.jobs.wait(job.id);
    if (!outcome) throw new Error(`checkpoint job ${job.id} ended without an outcome`);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
}
