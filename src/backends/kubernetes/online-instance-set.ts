import { renderOnlineManifests, serviceUrl, type OnlineManifestInput } from './online-deployment-manifest.js';
import type { KubernetesInstances } from './online-instances.js';

/**
 * One version's instances on a Kubernetes compute as the serving pool drives them
 * (serving/cluster-pool.ts `ClusterInstanceSet`): apply renders the Deployment, Service and
 * Secret with the replicas wanted and applies them; scale, remove and readiness act on that
 * Deployment by name; calls go to the Service's cluster address unless `address` says otherwise
 * (a Trellis outside the cluster reaching Services through a proxy or a gateway).
 */
export function kubernetesInstanceSet(
  instances: KubernetesInstances,
  input: Omit<OnlineManifestInput, 'replicas'>,
  address?: (name: string, namespace: string) => string,
) {
  // The name depends on the version only, not on the replicas.
  const { name } = renderOnlineManifests({ ...input, replicas: 0 });
  return {
    id: `${input.namespace}/${name}`,
    address: (address ?? serviceUrl)(name, input.namespace),
    apply: (replicas: number) => instances.apply(renderOnlineManifests({ ...input, replicas })),
    scale: (replicas: number) => instances.scale(name, replicas),
    remove: (graceSeconds: number) => instances.remove(name, graceSeconds),
    readiness: () => instances.readiness(name),
  };
}
