import { cancelEventOf } from '../../core/jobs/cancel-request.js';
import type { ComputeBackend } from '../../backends/compute-backend.js';
import type { Job } from '../../core/jobs/job.js';
import { transition, type JobEvent as LifecycleEvent } from '../../core/jobs/job-lifecycle.js';
import type { Caller } from '../../services/context.js';
import { revokeJobTokens } from '../../services/identity/workload-tokens.js';
import { saveLogs, saveOutputs } from '../../services/jobs/finalize-attempt.js';
import type { SystemMetricsSampler } from '../../services/jobs/system-metrics-sampler.js';
import { updateRun } from '../../services/tracking/run-service.js';
import type { CheckpointSaving } from './checkpoints.js';
import { progressOf } from './cluster-shape.js';
import { jobKey, type RunnerState } from './runner-state.js';

const system: Caller = { actor: 'system:job-runner', requestId: null };

/**
 * Ends attempts: turns how an attempt ended (exit code, loss, stop request) into a lifecycle event,
 * and applies it with everything that goes with it — logs and checkpoints saved, node time counted,
 * nodes freed, outputs registered, the MLflow run closed (or set back to scheduled for a retry).
 */
export class AttemptCompletion {
  constructor(
    private readonly state: RunnerState,
    private readonly checkpoints: CheckpointSaving,
    private readonly systemMetrics: SystemMetricsSampler,
  ) {}

  /** Finishes a job whose attempt is no longer running: canceled, timed out, evicted or lost, or exited with `exitCode`. */
  async attemptEnded(
    job: Job,
    exitCode: number | null,
    lostReason: string | null,
    backend: ComputeBackend,
    detail?: string,
  ): Promise<void> {
    const now = this.state.now();
    const stop = job.stopRequest;
    const cancel = cancelEventOf(stop);
    if (cancel) return this.finish(job, cancel, now);
    if (stop === 'timeout')
      return this.finish(job, { type: 'timed-out', timeoutSeconds: Number((job.spec.limits as { timeout?: number }).timeout) }, now);
    if (stop?.startsWith('evict') || lostReason !== null) {
      const reason = stop?.startsWith('evict')
        ? `eviction of a low-priority node (${stop.slice('evict:'.length) || 'preempted'})`
        : lostReason!;
      return this.finish(job, { type: 'infrastructure-failed', reason }, now);
    }
    if (exitCode !== 0 && job.handle) await backend.stop(job.handle, this.state.options.graceSeconds);
    return this.finish(job, { type: 'process-exited', exitCode: exitCode ?? 1, detail }, now);
  }

  /**
   * Applies a lifecycle event and everything that goes with it: logs and checkpoints saved, node
   * time counted, nodes freed (an evicted node is gone), outputs registered, the run closed.
   */
  async finish(job: Job, event: LifecycleEvent, now: number): Promise<void> {
    const { context, options } = this.state;
    const repositories = context.store.repositories;
    let progress = transition(progressOf(job), event, this.state.policy());
    // No process of the attempt runs any more: its identity goes, whether the job ends or is requeued (the next attempt gets a fresh one).
    await revokeJobTokens(context, job);
    const ran = job.startedAt !== null && job.handle !== null;
    if (ran) {
      await saveLogs(context, job, options.jobsRoot, progress.state !== 'Queued').catch((error: unknown) =>
        context.logger.warn(
          { err: error, job: jobKey(job) },
          `job runner: the logs of job ${jobKey(job)} attempt ${job.attempt} were not saved to its outputs; they stay only in its attempt folder`,
        ),
      );
      await this.checkpoints.save(job, 'as its attempt ended');
    }
    const nodeSeconds = job.nodeSeconds + (ran && job.startedAt !== null ? ((now - job.startedAt) / 1000) * job.instanceCount : 0);
    const evicted = event.type === 'infrastructure-failed';
    await this.release(job, now, evicted);
    if (progress.state === 'Finalizing') {
      await repositories.jobs.update(
        job.workspace,
        job.name,
        { state: 'Finalizing', reason: null, exitCode: progress.exitCode, nodeSeconds, nodes: null },
        now,
      );
      try {
        const registered = await saveOutputs(context, system, { ...job, nodeSeconds }, options.jobsRoot);
        progress = transition(progress, { type: 'outputs-saved' }, this.state.policy());
        progress.reason =
          registered.length > 0
            ? `outputs registered: ${registered.map((item) => `${item.output} → ${item.name}:${item.version}`).join(', ')}`
            : null;
      } catch (error) {
        progress = { ...progress, state: 'Failed', reason: `saving outputs failed: ${(error as Error).message}` };
      }
    }
    const ended = progress.state === 'Queued' ? null : now;
    await repositories.jobs.update(
      job.workspace,
      job.name,
      {
        state: progress.state,
        reason: progress.reason,
        exitCode: progress.exitCode,
        retries: progress.retries,
        nodeSeconds,
        nodes: null,
        handle: null,
        stopRequest: null,
        endedAt: ended,
        ...(progress.state === 'Queued' ? { startedAt: null } : {}),
      },
      now,
    );
    if (progress.state !== 'Queued') {
      const status = progress.state === 'Completed' ? 'FINISHED' : progress.state === 'Canceled' ? 'KILLED' : 'FAILED';
      await updateRun(context, job.workspace, job.runId, { status, endTime: now }).catch((error: unknown) =>
        this.runNotUpdated(job, status, error),
      );
    } else {
      await updateRun(context, job.workspace, job.runId, { status: 'SCHEDULED' }).catch((error: unknown) =>
        this.runNotUpdated(job, 'SCHEDULED', error),
      );
    }
    this.checkpoints.forget(job);
    this.systemMetrics.forget(job);
    this.state.wake();
    // A pipeline waiting on this job goes on at once, not at its runner's next tick.
    if (progress.state !== 'Queued') options.onJobEnded?.(job);
  }

  /** Frees the job's nodes: idle again, or removed when the platform took them (eviction, loss). */
  async release(job: Job, now: number, nodeTaken: boolean): Promise<void> {
    for (const nodeId of job.nodes) {
      await this.state.context.store.repositories.jobs.updateNode(
        job.workspace,
        nodeId,
        nodeTaken
          ? { state: 'removed', job: null, removedAt: now, removedReason: 'evicted or lost' }
          : { state: 'idle', job: null, idleSince: now },
      );
    }
  }

  /** The job's state is recorded either way; only its MLflow run keeps showing the old status. */
  private runNotUpdated(job: Job, status: string, error: unknown): void {
    this.state.context.logger.warn(
      { err: error, job: jobKey(job), runId: job.runId },
      `job runner: the MLflow run ${job.runId} of job ${jobKey(job)} was not set to ${status}; it shows its previous status`,
    );
  }
}
