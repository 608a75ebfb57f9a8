import type { Deployment } from '../../core/endpoints/endpoint.js';
import type { Resource } from '../../core/resources/resource.js';
import { isComputeOfType } from '../../core/compute/compute-spec.js';
import type { Context } from '../../services/context.js';

/**
 * The Kubernetes compute a deployment's instances run on: its endpoint's `compute`, read again at
 * each preparation (the endpoint's create checked it; the compute may have been deleted since).
 * Undefined when the endpoint has none: its instances are worker processes of this server.
 */
export async function clusterTargetOf(context: Context, deployment: Deployment<'online'>): Promise<Resource | undefined> {
  const endpoint = await context.store.repositories.endpoints.getEndpoint(deployment.workspace, deployment.endpoint);
  const name = endpoint?.compute;
  if (name === null || name === undefined) return undefined;
  const compute = await context.store.repositories.resources.get({ workspace: deployment.workspace, kind: 'compute', name, version: null });
  if (!compute)
    throw new Error(
      `endpoint ${deployment.endpoint} runs on compute '${name}', which no longer exists in workspace '${deployment.workspace}': attach it again (trellis compute create) and update the deployment`,
    );
  if (!isComputeOfType(compute.spec, 'kubernetes'))
    throw new Error(`endpoint ${deployment.endpoint} runs on compute '${name}', which is now of type ${compute.spec.type}, not kubernetes`);
  return compute;
}
