import type { Deployment } from '../../core/endpoints/endpoint.js';
import type { Context } from '../../services/context.js';
import { revokeWorkloadToken } from '../../services/identity/workload-tokens.js';
import type { ServingMetrics } from '../../serving/serving-metrics.js';
import type { Served } from './served-deployments.js';

/**
 * Moves a deployment's stored state along with its pool's (Succeeded once an instance is ready,
 * Failed with the pool's reason), reports its instances as metrics, and retires the previous
 * version once the new one is ready (the old pool drains; no request is dropped).
 */
export class DeploymentStatusController {
  constructor(
    private readonly context: Context,
    private readonly metrics: ServingMetrics,
  ) {}

  /** Brings the stored state of `deployment` in step with the pool that serves it. */
  async reconcile(served: Served, deployment: Deployment<'online'>): Promise<void> {
    const status = served.pool.status();
    const labels = { workspace: deployment.workspace, endpoint: deployment.endpoint, deployment: deployment.name };
    this.metrics.instances.set({ ...labels, state: 'ready' }, status.readyInstances);
    this.metrics.instances.set({ ...labels, state: 'desired' }, status.desiredInstances);
    this.metrics.inFlight.set(labels, status.inFlight + status.queued);
    if (served.previous && status.readyInstances > 0) {
      void served.previous.pool.drain();
      // The replaced version's processes are on their way out: their identity goes now.
      if (served.previous.tokenId) await revokeWorkloadToken(this.context, served.previous.tokenId);
      served.previous = undefined;
    }
    const state =
      status.state === 'ready' || (status.readyInstances > 0 && status.state === 'degraded')
        ? 'Succeeded'
        : status.state === 'failed'
          ? 'Failed'
          : undefined;
    const reason =
      state === 'Succeeded' ? (status.readyInstances < status.desiredInstances ? (status.reason ?? null) : null) : (status.reason ?? null);
    if (served.etag === deployment.etag && state && (deployment.state !== state || deployment.reason !== reason)) {
      await this.context.store.repositories.endpoints.updateDeployment(
        deployment.workspace,
        deployment.endpoint,
        deployment.name,
        { state, reason },
        deployment.etag,
      );
      served.deployment = { ...deployment, state, reason };
    }
  }
}
