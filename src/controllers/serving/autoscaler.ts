import { decideScale, defaultCooldownMs, type ConcurrencySample } from '../../core/endpoints/autoscale.js';
import type { Deployment } from '../../core/endpoints/endpoint.js';
import type { Context } from '../../services/context.js';
import { recordDeploymentInstances } from '../../services/cost/deployment-usage.js';
import type { ServingPool } from '../../serving/serving-pool.js';
import type { Served } from './served-deployments.js';

/** What the autoscaler remembers of one pool: recent concurrency, and when it last polled and scaled. */
interface ScaleHistory {
  samples: ConcurrencySample[];
  lastScaleAt: number | undefined;
  lastPollAt: number;
}

/**
 * Scales target_utilization deployments on the concurrency their pool sees (the decision is
 * core/endpoints/autoscale.ts), and records the new instance count with the reason.
 */
export class Autoscaler {
  /** By pool: a new version (a new pool) starts with no history, as a new deployment does. */
  private readonly history = new WeakMap<ServingPool, ScaleHistory>();

  constructor(private readonly context: Context) {}

  /** Samples the pool of `deployment` and scales it when the decision says so. */
  async reconcile(served: Served, deployment: Deployment<'online'>): Promise<void> {
    const scale = deployment.spec.scale_settings;
    if (scale.type !== 'target_utilization' || served.etag !== deployment.etag) return;
    let history = this.history.get(served.pool);
    if (!history) {
      history = { samples: [], lastScaleAt: undefined, lastPollAt: 0 };
      this.history.set(served.pool, history);
    }
    const now = this.context.clock().getTime();
    const status = served.pool.status();
    history.samples.push({ at: now, inFlight: status.inFlight, queued: status.queued });
    const pollingMs = scale.polling_interval * 1000;
    history.samples = history.samples.filter((sample) => sample.at > now - pollingMs);
    if (now - history.lastPollAt < pollingMs && status.queued === 0) return;
    history.lastPollAt = now;
    const decision = decideScale({
      now,
      current: status.desiredInstances,
      ready: status.readyInstances,
      min: scale.min_instances,
      max: scale.max_instances,
      targetUtilizationPercent: scale.target_utilization_percentage,
      maxConcurrentPerInstance: deployment.spec.request_settings.max_concurrent_requests_per_instance,
      samples: history.samples,
      lastScaleAt: history.lastScaleAt,
      cooldownMs: defaultCooldownMs(pollingMs),
      queueWaitingMs: status.queued > 0 ? 1 : 0,
    });
    if (decision.desired === status.desiredInstances) return;
    history.lastScaleAt = now;
    void served.pool.scaleTo(decision.desired);
    const isWritten = await this.context.store.repositories.endpoints.updateDeployment(
      deployment.workspace,
      deployment.endpoint,
      deployment.name,
      { instanceCount: decision.desired, reason: `autoscale: ${decision.reason}` },
      deployment.etag,
    );
    // Instance-seconds are what an endpoint costs: each scale is kept in the deployment's usage history.
    if (isWritten) await recordDeploymentInstances(this.context.store.repositories, deployment, decision.desired, now);
  }
}
