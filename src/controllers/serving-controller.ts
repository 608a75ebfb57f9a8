import type { Deployment } from '../core/endpoints/endpoint.js';
import type { Context } from '../services/context.js';
import { revokeDeploymentTokens } from '../services/identity/workload-tokens.js';
import { EndpointRouter } from '../serving/endpoint-router.js';
import { ServingMetrics } from '../serving/serving-metrics.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { Autoscaler } from './serving/autoscaler.js';
import { deploymentFolder, logFilesIn } from './serving/deployment-logs.js';
import { DeploymentProfiler } from './serving/deployment-profiler.js';
import { DeploymentStatusController } from './serving/deployment-status.js';
import { ModelPreparation, type ModelPreparationOptions } from './serving/model-preparation.js';
import { PayloadCollection } from './serving/payload-collection.js';
import { RolloutController } from './serving/rollout-controller.js';
import { RoutingController } from './serving/routing.js';
import { answeringVersion, ServedDeployments, servedKey } from './serving/served-deployments.js';
import { realTimers, type Timers } from './timers.js';

export interface ServingOptions extends ModelPreparationOptions {
  tickMs: number;
  /** The timers the loop ticks on (tests pass fake ones); the real ones by default. */
  timers?: Timers;
  /** Where scoring requests are counted: the server's /metrics registry, which outlives this controller; its own by default. */
  metrics?: ServingMetrics;
  /**
   * Where this server's instances are said to run (several servers on one database): each pass
   * writes what it serves and how many instances are ready, so other servers send scoring calls here.
   */
  placement?: { server: string; address: () => string };
}

/**
 * Online deployments, served: one reconcile loop runs the serving controllers in order, each one
 * concern (controllers/serving/): rollouts step, versions not served yet are prepared, stored
 * states follow the pools, target_utilization deployments autoscale, deleted deployments stop,
 * and the router's routes are published — rollouts first, so a step's traffic is published in
 * the same pass. This class only composes them and answers the API's questions.
 */
export class ServingController {
  readonly router: EndpointRouter;
  readonly metrics: ServingMetrics;
  /** Load tests of deployments and the sizing recommended from them. */
  readonly profiler: DeploymentProfiler;
  private readonly served = new ServedDeployments();
  private readonly payloads: PayloadCollection;
  private readonly rollouts: RolloutController;
  private readonly preparation: ModelPreparation;
  private readonly status: DeploymentStatusController;
  private readonly autoscaler: Autoscaler;
  private readonly routing: RoutingController;
  private readonly loop: ReconcileLoop;
  /** Whether the last placements written said this server serves nothing. */
  private publishedNothing = false;

  constructor(
    private readonly context: Context,
    private readonly options: ServingOptions,
  ) {
    this.metrics = options.metrics ?? new ServingMetrics();
    this.payloads = new PayloadCollection(context);
    this.router = new EndpointRouter({
      now: () => context.clock().getTime(),
      onRequest: this.metrics.record,
      collector: this.payloads.collector,
    });
    this.rollouts = new RolloutController(context, this.router);
    this.profiler = new DeploymentProfiler(context, (workspace, endpoint, deployment) => this.statusOf(workspace, endpoint, deployment));
    this.preparation = new ModelPreparation(context, options, this.served, this.payloads, () => this.wake());
    this.status = new DeploymentStatusController(context, this.metrics);
    this.autoscaler = new Autoscaler(context);
    this.routing = new RoutingController(context, this.router, this.served);
    this.loop = new ReconcileLoop({
      name: 'serving controller',
      reconcile: () => this.reconcile(),
      intervalMs: options.tickMs,
      timers: options.timers ?? realTimers,
      logger: context.logger,
    });
  }

  /** Starts the loop and returns after its first pass. */
  async start(): Promise<void> {
    this.loop.start();
    await this.idle();
  }

  /** Asks for a reconcile soon; calls made while one runs fold into one more. */
  wake(): void {
    this.loop.wake();
  }

  /** Reconciles now and returns when the router has the store's view (after a traffic or key change). */
  async refresh(): Promise<void> {
    await this.idle();
    this.wake();
    await this.idle();
  }

  /** Waits until no reconcile is in flight. */
  async idle(): Promise<void> {
    await this.loop.idle();
  }

  /** Stops reconciling, writes the payloads collected so far, and drains every pool. */
  async close(): Promise<void> {
    this.preparation.close();
    this.profiler.close();
    const stopping = this.loop.close();
    await this.payloads.flush();
    await stopping;
    const placement = this.options.placement;
    // Other servers stop sending calls here before the instances drain.
    if (placement)
      await this.context.store.repositories.servingPlacements
        .withdraw(placement.server)
        .catch((error: unknown) =>
          this.context.logger.warn({ err: error }, "serving: this server's placements could not be removed; they go stale on their own"),
        );
    await this.served.drainAll(2_000);
  }

  /**
   * The log files of a deployment (`get-logs`): the preparation log and instance logs of the
   * version the store names (also when it failed before any instance started), then those of the
   * version still serving, when that is an older one.
   */
  async logFilesOf(deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name' | 'etag'>): Promise<string[]> {
    const folders = [deploymentFolder(this.options.servingRoot, deployment, deployment.etag)];
    const served = this.served.get(servedKey(deployment));
    if (served && served.folder !== folders[0]) folders.push(served.folder);
    return logFilesIn(folders, this.context.logger);
  }

  /** Where a deployment stands in this process (for `show`): instances, readiness, why not ready. */
  statusOf(workspace: string, endpoint: string, deployment: string) {
    return this.served.get(`${workspace}/${endpoint}/${deployment}`)?.pool.status();
  }

  private async reconcile(): Promise<void> {
    const repositories = this.context.store.repositories;
    // Rollouts first: a step's new traffic is then published in this same pass.
    await this.rollouts.reconcile();
    const endpoints = await repositories.endpoints.allEndpoints();
    // Batch deployments run as jobs (services/endpoints/batch-service.ts): nothing to serve.
    const deployments = await repositories.endpoints.allDeploymentsOf('online');
    for (const deployment of deployments) {
      const served = this.served.get(servedKey(deployment));
      this.preparation.reconcile(deployment);
      if (!served) continue;
      await this.status.reconcile(served, deployment);
      await this.autoscaler.reconcile(served, deployment);
    }
    // Deployments deleted (or whose endpoint was): stop serving them, and their identities go.
    for (const retired of this.served.retireAllBut(new Set(deployments.map(servedKey))))
      await revokeDeploymentTokens(this.context, retired.deployment);
    await this.routing.reconcile(endpoints, deployments);
    await this.publishPlacements();
  }

  /** Says in the database which deployments this server serves and how many of their instances are ready. */
  private async publishPlacements(): Promise<void> {
    const placement = this.options.placement;
    if (!placement) return;
    const served = [...this.served.values()].map((entry) => ({
      workspace: entry.deployment.workspace,
      endpoint: entry.deployment.endpoint,
      deployment: entry.deployment.name,
      readyInstances: answeringVersion(entry).pool.readyInstances().length,
    }));
    // Serving nothing, and said so already: no write each second on a server with no online deployment.
    if (served.length === 0 && this.publishedNothing) return;
    await this.context.store.repositories.servingPlacements.publish(placement.server, placement.address(), served);
    this.publishedNothing = served.length === 0;
  }
}
