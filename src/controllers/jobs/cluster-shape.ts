import type { ClusterShape, NodeState } from '../../core/compute/cluster-scheduler.js';
import { isComputeOfType, sizeOf, tierOf } from '../../core/compute/compute-spec.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import type { Job } from '../../core/jobs/job.js';
import type { JobProgress } from '../../core/jobs/job-lifecycle.js';
import type { ResourceOf } from '../../core/resources/resource.js';
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
export function clusterShape(compute: ResourceOf<'compute'>): ClusterShape & { size: string; tier: string } {
  const { spec } = compute;
  const size = sizeOf(spec);
  const sku = findSku(size);
  const vcpusPerNode = sku?.vcpus ?? 4;
  const family = sku?.family ?? 'unknown';
  if (isComputeOfType(spec, 'amlcompute')) {
    return {
      minInstances: spec.min_instances,
      maxInstances: spec.max_instances,
      idleSeconds: spec.idle_time_before_scale_down,
      vcpusPerNode,
      family,
      size,
      tier: tierOf(spec),
    };
  }
  if (isComputeOfType(spec, 'computeinstance'))
    return { minInstances: 0, maxInstances: 1, idleSeconds: 0, vcpusPerNode, family, size, tier: tierOf(spec) };
  // Attached computes (slurm): their nodes are the cluster's own, billed by nobody here and outside the workspace's quotas.
  return { minInstances: 0, maxInstances: 1_000, idleSeconds: 0, vcpusPerNode, family, size, tier: 'attached' };
}
