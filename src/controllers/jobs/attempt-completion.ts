import { cancelEventOf } from '../../core/jobs/cancel-request.js';
import type { ComputeBackend } from '../../backends/compute-backend.js';
import type { Job } from '../../core/jobs/job.js';
import { transition, type JobEvent as LifecycleEvent } from '../../core/jobs/job-lifecycle.js';
import type { Caller } from '../../services/context.js';
import { revokeJobTokens } from '../../services/identity/workload-tokens.js';
import { saveLogs, saveOutputs } from '../../services/jobs/finalize-attempt.js';
import type { SystemMetricsSampler } from '../../services/jobs/system-metrics-sampler.js';
import { updateRunWithin } from '../../services/tracking/run-service.js';
import type { Repositories } from '../../store/store.js';
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
    // Its attempt exited with 0 before the restart: whatever the poll or a stop request says now, finishing goes on.
    if (job.state === 'Finalizing') return this.finish(job, { type: 'outputs-saved' }, now);
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
   * The database sees three commits at most: the token revoked, the nodes freed and Finalizing
   * together; the outputs registered; the job's end and its run's together. Logs, checkpoints
   * and outputs are stored at once, after the first and before the last.
   */
  async finish(job: Job, event: LifecycleEvent, now: number): Promise<void> {
    const { context, options } = this.state;
    // A job already Finalizing had its attempt end with exit code 0 before a server that was
    // finishing it died: its first commit is made, and it goes on from there whatever the poll says.
    const resumed = job.state === 'Finalizing';
    let progress = resumed ? progressOf(job) : transition(progressOf(job), event, this.state.policy());
    const ran = job.startedAt !== null && job.handle !== null;
    const nodeSeconds =
      job.nodeSeconds + (ran && !resumed && job.startedAt !== null ? ((now - job.startedAt) / 1000) * job.instanceCount : 0);
    const evicted = !resumed && event.type === 'infrastructure-failed';
    const finalizing = progress.state === 'Finalizing';
    if (!resumed)
      await context.store.transaction(async (transaction) => {
        // No process of the attempt runs any more: its identity goes, whether the job ends or is requeued (the next attempt gets a fresh one).
        await revokeJobTokens(context, job, transaction);
        await this.release(job, now, evicted, transaction);
        if (finalizing)
          await transaction.jobs.update(
            job.workspace,
            job.name,
            { state: 'Finalizing', reason: null, exitCode: progress.exitCode, nodeSeconds, nodes: null },
            now,
          );
      });
    // The attempt's logs, checkpoints and outputs are stored side by side, their writes and fsyncs
    // overlapping; none of the three rejects, so all have ended before the job's end is written.
    const [, , outputs] = await Promise.all([
      ran ? this.saveLogs(job, progress.state !== 'Queued') : undefined,
      ran ? this.checkpoints.save(job, 'as its attempt ended') : undefined,
      finalizing
        ? saveOutputs(context, system, { ...job, nodeSeconds }, options.jobsRoot).then(
            (registered) => ({ registered }),
            (error: unknown) => ({ error }),
          )
        : undefined,
    ]);
    if (outputs && 'error' in outputs)
      progress = { ...progress, state: 'Failed', reason: `saving outputs failed: ${(outputs.error as Error).message}` };
    else if (outputs) {
      progress = transition(progress, { type: 'outputs-saved' }, this.state.policy());
      progress.reason =
        outputs.registered.length > 0
          ? `outputs registered: ${outputs.registered.map((item) => `${item.output} → ${item.name}:${item.version}`).join(', ')}`
          : null;
    }
    const isRequeued = progress.state === 'Queued';
    const status = isRequeued
      ? 'SCHEDULED'
      : progress.state === 'Completed'
        ? 'FINISHED'
        : progress.state === 'Canceled'
          ? 'KILLED'
          : 'FAILED';
    // The job's end (or its return to the queue) and its run's status land in one commit.
    const isRunUpdated = await context.store.transaction(async (transaction) => {
      await transaction.jobs.update(
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
          endedAt: isRequeued ? null : now,
          ...(isRequeued ? { startedAt: null } : {}),
        },
        now,
      );
      return updateRunWithin(transaction, job.workspace, job.runId, isRequeued ? { status } : { status, endTime: now });
    });
    if (!isRunUpdated) this.runNotUpdated(job, status, 'the run is gone or deleted');
    this.checkpoints.forget(job);
    this.systemMetrics.forget(job);
    this.state.wake();
    // A pipeline waiting on this job goes on at once, not at its runner's next tick.
    if (!isRequeued) options.onJobEnded?.(job);
  }

  /** Saves the attempt's logs as run artifacts; a failure is logged, never thrown (the logs stay in the attempt folder). */
  private async saveLogs(job: Job, isFinal: boolean): Promise<void> {
    const { context, options } = this.state;
    await saveLogs(context, job, options.jobsRoot, isFinal).catch((error: unknown) =>
      context.logger.warn(
        { err: error, job: jobKey(job) },
        `job runner: the logs of job ${jobKey(job)} attempt ${job.attempt} were not saved to its outputs; they stay only in its attempt folder`,
      ),
    );
  }

  /**
   * Frees the job's nodes: idle again, or removed when the platform took them (eviction, loss).
   * `repositories`: a transaction the caller holds, so the nodes are freed with the job's own change.
   */
  async release(
    job: Job,
    now: number,
    nodeTaken: boolean,
    repositories: Repositories = this.state.context.store.repositories,
  ): Promise<void> {
    for (const nodeId of job.nodes) {
      await repositories.jobs.updateNode(
        job.workspace,
        nodeId,
        nodeTaken
          ? { state: 'removed', job: null, removedAt: now, removedReason: 'evicted or lost' }
          : { state: 'idle', job: null, idleSince: now },
      );
    }
  }

  /** The job's state is recorded either way; only its MLflow run keeps showing the old status. */
  private runNotUpdated(job: Job, status: string, why: string): void {
    this.state.context.logger.warn(
      { job: jobKey(job), runId: job.runId, why },
      `job runner: the MLflow run ${job.runId} of job ${jobKey(job)} was not set to ${status}; it shows its previous status`,
    );
  }
}
