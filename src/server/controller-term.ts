import { join } from 'node:path';
import { loadAttemptSecret } from '../backends/kubernetes/attempt-token.js';
import type { TrellisConfig } from '../config/config.js';
import { BudgetWatcher } from '../controllers/budget-watcher.js';
import { ComputeInstanceController } from '../controllers/compute-instance-controller.js';
import { JobRunner, type JobRunnerOptions } from '../controllers/job-runner.js';
import { PipelineRunner } from '../controllers/pipeline-runner.js';
import { ScheduleRunner } from '../controllers/schedule-runner.js';
import { ServingController } from '../controllers/serving-controller.js';
import { SweepRunner } from '../controllers/sweep-runner.js';
import { serverTrustVariables } from '../config/server-trust.js';
import type { ServingMetrics } from '../serving/serving-metrics.js';
import type { Context } from '../services/context.js';
import type { AlertmanagerClient } from '../services/monitoring/alertmanager-client.js';

/** The controllers, by the topic that wakes each one (its signal between servers, see store/signals.ts). */
export const controllerTopics = [
  'job-runner',
  'pipeline-runner',
  'sweep-runner',
  'scheduler',
  'serving',
  'budget-watcher',
  'compute-instances',
] as const;
export type ControllerTopic = (typeof controllerTopics)[number];

/** What a term's controllers are made with: the server's parts that outlive a term. */
export interface ControllerTermOptions {
  context: Context;
  config: TrellisConfig;
  /** Where this server listens (jobs log to it; instances and notebooks reach it). */
  url: () => string;
  jobsRoot: string;
  /** The backends jobs run on: made once per process (a local job's process outlives a term, and a restart). */
  backendFor: JobRunnerOptions['backendFor'];
  /** Whether this server may still start job processes: checked just before each launch (false once its lease may have lapsed). */
  mayLaunch: () => boolean;
  /** This server's /metrics registry: scoring counters of its terms, and monitor gauges. */
  servingMetrics: ServingMetrics;
  alertmanager: AlertmanagerClient | undefined;
  /** Several servers on one database: this server's id and address, written with the deployments it serves. */
  placement?: { server: string; address: () => string } | undefined;
}

/**
 * The controllers of one term of leadership: made and started when this server takes the
 * controllers' lease, closed when it loses it. Each term makes them anew, as a restart would, so
 * a server that leads again starts from the store like the first time (a closed reconcile loop
 * does not start again). Everything they need to go on is in the store and the backends' handles.
 */
export class ControllerTerm {
  private constructor(
    readonly jobs: JobRunner,
    readonly pipelines: PipelineRunner,
    readonly sweeps: SweepRunner,
    readonly schedules: ScheduleRunner,
    readonly serving: ServingController,
    readonly budgets: BudgetWatcher,
    readonly computeInstances: ComputeInstanceController,
  ) {}

  /** Makes the controllers and starts them in order; one that fails to start closes those started before it. */
  static async start(options: ControllerTermOptions): Promise<ControllerTerm> {
    const { context, config, url } = options;
    const trust = serverTrustVariables(config);
    // The runners wake each other through these: each is made after the ones it wakes are named.
    const wake: { [topic in ControllerTopic]?: () => void } = {};
    const runner = new JobRunner(context, {
      jobsRoot: options.jobsRoot,
      ...config.jobs,
      // Jobs log to their workspace's MLflow tracking URI on this server, as on Azure ML.
      trackingUriFor: (workspace) => (workspace === 'default' ? url() : `${url()}/workspaces/${workspace}/mlflow`),
      serverTrust: trust,
      mayLaunch: options.mayLaunch,
      onJobEnded: (job) => {
        // A job's cost is final when it ends: budgets are measured again.
        wake['budget-watcher']?.();
        if (job.tags['trellis.pipeline'] !== undefined) wake['pipeline-runner']?.();
        if (job.tags['trellis.sweep'] !== undefined) wake['sweep-runner']?.();
      },
      backendFor: options.backendFor,
    });
    const pipelines = new PipelineRunner(context, {
      tickMs: config.jobs.tickMs,
      wakeJobs: () => runner.wake(),
      wakeSweeps: () => wake['sweep-runner']?.(),
    });
    const sweeps = new SweepRunner(context, {
      tickMs: config.jobs.tickMs,
      wakeJobs: () => runner.wake(),
      // A pipeline's sweep step ended: the steps after it may go on.
      onSweepEnded: (sweep) => {
        if (sweep.tags['trellis.pipeline'] !== undefined) pipelines.wake();
      },
    });
    const schedules = new ScheduleRunner(context, {
      tickMs: config.schedules.tickMs,
      wakeRunners: () => {
        runner.wake();
        pipelines.wake();
      },
    });
    const serving = new ServingController(context, {
      servingRoot: join(config.home, 'serving'),
      environmentCache: config.jobs.environmentCache,
      tickMs: 1000,
      serverUrl: url,
      serverTrust: trust,
      metrics: options.servingMetrics,
      ...(options.placement ? { placement: options.placement } : {}),
      // Endpoints on a Kubernetes compute: pods fetch their version's bundle from the public URL with a token signed by this secret.
      cluster: { publicUrl: () => config.publicUrl ?? url(), secret: await loadAttemptSecret(config.home) },
    });
    // Budgets: thresholds alerted once a month (Alertmanager, a budget's webhook); enforcing ones spent hold new jobs queued.
    const budgets = new BudgetWatcher(context, {
      tickMs: config.budgets.tickMs,
      priceList: config.prices,
      alerts: { alertmanager: options.alertmanager, publicUrl: () => config.publicUrl ?? url() },
      wakeJobs: () => runner.wake(),
    });
    // Compute instances: JupyterLab per instance, for its assigned user, reached through this server.
    const computeInstances = new ComputeInstanceController(context, {
      instancesRoot: join(config.home, 'compute-instances'),
      environmentCache: config.jobs.environmentCache,
      tickMs: config.computeInstances.tickMs,
      serverUrl: url,
      serverTrust: trust,
    });
    const term = new ControllerTerm(runner, pipelines, sweeps, schedules, serving, budgets, computeInstances);
    wake['sweep-runner'] = () => sweeps.wake();
    wake['pipeline-runner'] = () => pipelines.wake();
    wake['budget-watcher'] = () => budgets.wake();
    try {
      // Before the runner's first pass: a workspace whose enforcing budget was spent before a restart keeps its jobs queued.
      await budgets.measureAll();
      await runner.start();
      budgets.start();
      pipelines.start();
      sweeps.start();
      // After the runners: the slots missed while no server ran fire on this first pass.
      schedules.start();
      await serving.start();
      computeInstances.start();
    } catch (error) {
      await term
        .close()
        .catch((closeError: unknown) => context.logger.warn({ err: closeError }, 'closing the controllers after a failed start'));
      throw error;
    }
    return term;
  }

  /** Asks the controller of `topic` for a pass soon. */
  wake(topic: ControllerTopic): void {
    const controllers: Record<ControllerTopic, { wake(): void }> = {
      'job-runner': this.jobs,
      'pipeline-runner': this.pipelines,
      'sweep-runner': this.sweeps,
      scheduler: this.schedules,
      serving: this.serving,
      'budget-watcher': this.budgets,
      'compute-instances': this.computeInstances,
    };
    controllers[topic].wake();
  }

  /** Stops every controller after its pass in flight (a controller not started stops at once); serving drains its instances. */
  async close(): Promise<void> {
    await this.schedules.close();
    await this.pipelines.close();
    await this.sweeps.close();
    await this.jobs.close();
    await this.budgets.close();
    await this.serving.close();
    await this.computeInstances.close();
  }
}
