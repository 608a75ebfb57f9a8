import type { ResourceOf } from '../core/resources/resource.js';
import type { Context } from '../services/context.js';
import { SystemMetricsSampler } from '../services/jobs/system-metrics-sampler.js';
import { AttemptCompletion } from './jobs/attempt-completion.js';
import { AttemptMonitor } from './jobs/attempt-monitor.js';
import { AttemptPreparation } from './jobs/attempt-preparation.js';
import { CheckpointSaving } from './jobs/checkpoints.js';
import { ClusterScheduling } from './jobs/cluster-scheduling.js';
import type { JobRunnerOptions } from './jobs/job-runner-options.js';
import { recoverAfterRestart } from './jobs/restart-recovery.js';
import { jobKey, RunnerState } from './jobs/runner-state.js';
import { SimulatedEvictions } from './jobs/simulated-evictions.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { realTimers } from './timers.js';

export type { JobRunnerOptions } from './jobs/job-runner-options.js';

/**
 * The reconcile loop of jobs on compute: reads what the store says (queued and live jobs, the
 * nodes of each cluster), asks the pure scheduler what to do, and does it — adds and removes
 * nodes, prepares and launches attempts, polls them, and finishes them. Everything it needs to
 * go on is in the store and in the backends' handles, so after a restart (kill -9 included) it
 * picks up where it was: finished attempts are recorded once, running ones are found again.
 * This class only composes the concerns in controllers/jobs/ and runs them in order.
 */
export class JobRunner {
  private readonly loop: ReconcileLoop;
  private readonly state: RunnerState;
  private readonly evictions: SimulatedEvictions;
  private readonly monitor: AttemptMonitor;
  private readonly completion: AttemptCompletion;
  private readonly scheduling: ClusterScheduling;

  constructor(
    private readonly context: Context,
    options: JobRunnerOptions,
  ) {
    this.state = new RunnerState(context, options, () => this.wake());
    const systemMetrics = new SystemMetricsSampler(context, { intervalMs: options.systemMetricsIntervalSeconds * 1000 });
    const checkpoints = new CheckpointSaving(this.state);
    this.completion = new AttemptCompletion(this.state, checkpoints, systemMetrics);
    this.monitor = new AttemptMonitor(this.state, checkpoints, systemMetrics, this.completion);
    this.scheduling = new ClusterScheduling(this.state, new AttemptPreparation(this.state, this.completion), this.completion);
    this.evictions = new SimulatedEvictions(this.state);
    this.loop = new ReconcileLoop({
      name: 'job runner',
      reconcile: () => this.reconcile(),
      intervalMs: options.tickMs,
      timers: options.timers ?? realTimers,
      logger: context.logger,
    });
  }

  /** Recovers from a restart, then reconciles at every tick and wake. */
  async start(): Promise<void> {
    await recoverAfterRestart(this.state, this.completion);
    this.loop.start();
  }

  /** Asks for a reconcile soon; calls made while one runs fold into one more. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops reconciling, after the pass in flight. */
  async close(): Promise<void> {
    await this.loop.close();
  }

  /** Waits until no reconcile is in flight (for tests and the benchmark). */
  async idle(): Promise<void> {
    await this.loop.idle();
  }

  /** One pass: simulated evictions, then running attempts (a finished one frees its nodes), then each cluster's queue. */
  private async reconcile(): Promise<void> {
    const repositories = this.context.store.repositories;
    const live = await repositories.jobs.live();
    // Each compute is read once per reconcile, however many of its jobs are live.
    const computes = new Map<string, Promise<ResourceOf<'compute'> | undefined>>();
    const computeOf = (workspace: string, name: string) => {
      const cacheKey = `${workspace}/${name}`;
      let found = computes.get(cacheKey);
      if (!found) {
        found = repositories.resources.get({ workspace, kind: 'compute', name, version: null });
        computes.set(cacheKey, found);
      }
      return found;
    };
    await this.evictions.reconcile(computeOf);
    // Running attempts first: a finished one frees its nodes for the queue.
    for (const job of live.filter((candidate) => candidate.state === 'Running' || candidate.state === 'Finalizing')) {
      if (!this.state.busy.has(jobKey(job))) await this.monitor.check(job, await computeOf(job.workspace, job.compute));
    }
    const clusters = new Map<string, { workspace: string; compute: string }>();
    for (const job of live) clusters.set(`${job.workspace}/${job.compute}`, { workspace: job.workspace, compute: job.compute });
    for (const node of await repositories.jobs.allLiveNodes())
      clusters.set(`${node.workspace}/${node.compute}`, { workspace: node.workspace, compute: node.compute });
    for (const { workspace, compute } of clusters.values())
      await this.scheduling.schedule(workspace, compute, await computeOf(workspace, compute));
  }
}
