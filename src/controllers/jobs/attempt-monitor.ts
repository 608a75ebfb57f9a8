import { computeDefaults } from '../../core/azureml/compute-schema.js';
import { sizeOf } from '../../core/compute/compute-spec.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import type { Job } from '../../core/jobs/job.js';
import type { ResourceOf } from '../../core/resources/resource.js';
import type { SystemMetricsSampler } from '../../services/jobs/system-metrics-sampler.js';
import type { AttemptCompletion } from './attempt-completion.js';
import type { CheckpointSaving } from './checkpoints.js';
import { jobKey, type RunnerState } from './runner-state.js';

/**
 * Watches running attempts: enforces their timeout, sends the stops asked for (once per process),
 * saves checkpoints and samples system metrics while they run, and hands an attempt that is no
 * longer running to the completion.
 */
export class AttemptMonitor {
  constructor(
    private readonly state: RunnerState,
    private readonly checkpoints: CheckpointSaving,
    private readonly systemMetrics: SystemMetricsSampler,
    private readonly completion: AttemptCompletion,
  ) {}

  /** Polls a running attempt and moves the job on when it ended, timed out, or must stop. */
  async check(job: Job, compute: ResourceOf<'compute'> | undefined): Promise<void> {
    const { context, options, busy, stopping } = this.state;
    if (!job.handle) return;
    const backend = options.backendFor(compute);
    if (!backend) return;
    const now = this.state.now();
    const timeout = (job.spec.limits as { timeout?: number } | undefined)?.timeout;
    if (job.state === 'Running' && timeout && job.startedAt && now - job.startedAt >= timeout * 1000 && !job.stopRequest) {
      await context.store.repositories.jobs.update(job.workspace, job.name, { stopRequest: 'timeout' }, now);
      job.stopRequest = 'timeout';
    }
    if (job.stopRequest && !stopping.has(jobKey(job))) {
      stopping.add(jobKey(job));
      if (job.stopRequest.startsWith('evict')) await this.checkpoints.save(job, 'before its eviction');
      void backend
        .stop(job.handle, options.graceSeconds)
        .catch((error: unknown) =>
          context.logger.warn(
            { err: error, job: jobKey(job), handle: job.handle },
            `job runner: stopping job ${jobKey(job)} (${job.stopRequest}) failed; its processes may still run until the attempt is polled as ended`,
          ),
        )
        .finally(() => this.state.wake());
    }
    if (job.state === 'Running') {
      await this.checkpoints.maybeSave(job, now);
      // The first sample comes one interval after the start, as MLflow's (it needs two readings for CPU anyway).
      if (job.startedAt !== null && now - job.startedAt >= options.systemMetricsIntervalSeconds * 1000) {
        // A compute deleted while its job runs: the attempt is sized as Azure's default node.
        const sku = findSku(compute ? sizeOf(compute.spec) : computeDefaults.size);
        await this.systemMetrics.sample(job, job.handle, { vcpus: sku?.vcpus ?? 4, memoryGiB: sku?.memoryGiB ?? 14 });
      }
    }
    const state = await backend.poll(job.handle);
    if (state.state === 'running') return;
    busy.add(jobKey(job));
    try {
      await this.completion.attemptEnded(
        job,
        state.state === 'exited' ? state.exitCode : null,
        state.state === 'lost' ? state.reason : null,
        backend,
        state.state === 'exited' ? state.reason : undefined,
      );
    } finally {
      busy.delete(jobKey(job));
      stopping.delete(jobKey(job));
    }
  }
}
