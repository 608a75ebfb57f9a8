import type { ClusterShape, NodeState } from '../../core/compute/cluster-scheduler.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import type { Job } from '../../core/jobs/job.js';
import type { JobProgress } from '../../core/jobs/job-lifecycle.js';
import type { Resource } from '../../core/resources/resource.js';
import type { ComputeNode } from '../../store/job-repository.js';

/** The part of a stored job the lifecycle's transitions read and write. */
export function progressOf(job: Job): JobProgress {
  return { state: job.state, reason: job.reason, retries: job.retries, exitCode: job.exitCode };
}

/** A stored node as the scheduler sees it (a removed node is never listed live; it counts as idle). */
export function toNodeState(node: ComputeNode): NodeState {
  return {
    id: node.nodeId,
    state: node.state === 'removed' ? 'idle' : node.state,
    ...(node.idleSince !== null ? { idleSince: node.idleSince } : {}),
  };
}

/** A compute as the scheduler sees it: amlcompute from its spec; other types hold as many jobs as are sent (their own scheduler queues them). */
export function clusterShape(compute: Resource): ClusterShape & { size: string; tier: string } {
  const spec = compute.spec as {
    type?: string;
    size?: string;
    min_instances?: number;
    max_instances?: number;
    idle_time_before_scale_down?: number;
    tier?: string;
  };
  const size = spec.size ?? 'Standard_DS3_v2';
  const sku = findSku(size);
  const vcpus = sku?.vcpus ?? 4;
  const family = sku?.family ?? 'unknown';
  if (spec.type === 'amlcompute') {
    return {
      minInstances: spec.min_instances ?? 0,
      maxInstances: spec.max_instances ?? 4,
      idleSeconds: spec.idle_time_before_scale_down ?? 120,
      vcpusPerNode: vcpus,
      family,
      size,
      tier: spec.tier ?? 'dedicated',
    };
  }
  if (spec.type === 'computeinstance')
    return { minInstances: 0, maxInstances: 1, idleSeconds: 0, vcpusPerNode: vcpus, family, size, tier: 'dedicated' };
  // Attached computes (slurm): their nodes are the cluster's own, billed by nobody here and outside the workspace's quotas.
  return { minInstances: 0, maxInstances: 1_000, idleSeconds: 0, vcpusPerNode: vcpus, family, size, tier: 'attached' };
}
