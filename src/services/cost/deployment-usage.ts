import type { Deployment } from '../../core/endpoints/endpoint.js';
import type { Repositories } from '../../store/store.js';

/**
 * Records an online deployment's instances from `at` on — at create, every change of its count
 * (updates, the autoscaler) and its deletion (0) — in the append-only history cost reads, which
 * outlives the deployment. Batch deployments run as jobs, which are priced as jobs: nothing here.
 * A managed deployment's instances are Azure-sized (instance_type, dedicated); a Kubernetes one's
 * run on the cluster's own machines (attached).
 */
export async function recordDeploymentInstances(
  repositories: Repositories,
  deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name' | 'spec'>,
  instances: number,
  at: number,
): Promise<void> {
  const endpoint = await repositories.endpoints.getEndpoint(deployment.workspace, deployment.endpoint);
  if (endpoint?.type !== 'online') return;
  const spec: Record<string, unknown> = { ...deployment.spec };
  const tags =
    typeof spec.tags === 'object' && spec.tags !== null
      ? Object.fromEntries(Object.entries(spec.tags).map(([key, value]) => [key, String(value)]))
      : {};
  await repositories.cost.recordDeploymentUsage({
    workspace: deployment.workspace,
    endpoint: deployment.endpoint,
    deployment: deployment.name,
    at,
    instances,
    size: typeof spec.instance_type === 'string' ? spec.instance_type : 'kubernetes',
    tier: spec.type === 'kubernetes' ? 'attached' : 'dedicated',
    compute: null,
    tags: { ...endpoint.tags, ...tags },
  });
}
