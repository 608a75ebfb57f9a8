import type { V1Deployment } from '@kubernetes/client-node';

/**
 * Where the instances of one version stand, read from its Deployment's status: how many are
 * wanted, how many pass their readiness probe, and why the rollout is stuck when Kubernetes says
 * so (ProgressDeadlineExceeded, a ReplicaFailure such as a quota refusal). Pure.
 */

export interface InstanceSetReadiness {
  /** spec.replicas: the instances wanted. */
  desired: number;
  /** status.readyReplicas: the instances that pass their readiness probe (they get traffic through the Service). */
  ready: number;
  /** Whether the Deployment exists at all. */
  exists: boolean;
  /** Why not every instance is ready, when Kubernetes says why. */
  reason: string | undefined;
  /** True when Kubernetes gave up on the rollout (no instance will become ready without a change). */
  isFailed: boolean;
}

/** The readiness of a Deployment as read from the API server; undefined: it is gone. */
export function instanceSetReadiness(deployment: V1Deployment | undefined): InstanceSetReadiness {
  if (!deployment) return { desired: 0, ready: 0, exists: false, reason: 'its Kubernetes Deployment is gone', isFailed: true };
  const desired = deployment.spec?.replicas ?? 1;
  const ready = deployment.status?.readyReplicas ?? 0;
  const conditions = deployment.status?.conditions ?? [];
  const stuck = conditions.find(
    (condition) =>
      (condition.type === 'Progressing' && condition.status === 'False') ||
      (condition.type === 'ReplicaFailure' && condition.status === 'True'),
  );
  const reason =
    ready >= desired
      ? undefined
      : stuck
        ? `${stuck.reason ?? stuck.type}${stuck.message ? `: ${stuck.message}` : ''}`
        : `${ready} of ${desired} instance(s) ready in Kubernetes`;
  return { desired, ready, exists: true, reason, isFailed: ready === 0 && desired > 0 && stuck !== undefined };
}
