import { seedLines } from '../seed-lines.js';
import { defineLiveRule, isRecent, isUnfinished, type LiveRule, span } from './live-rule.js';
import { deploymentName, productionOnlineDeployments } from './live-relations.js';
import { type JobFacts, type LiveSnapshot, liveWindows } from './live-snapshot.js';

const productionWithoutAutoscale = defineLiveRule({
  id: 'TRL-PERF-101',
  pillar: 'performance',
  severity: 'medium',
  title: 'Production online deployment does not autoscale',
  seed: seedLines.autoscaleDeployments,
  why: 'A fixed number of instances is too few at peak, when latency and errors climb, and too many the rest of the time; production traffic is rarely flat.',
  fix: 'Set scale_settings: {type: target_utilization, min_instances: 2, max_instances: <more than min>, target_utilization_percentage: 70}.',
  appliesTo: 'online deployments serving production',
  subjects: productionOnlineDeployments,
  resource: (deployment) => ({ kind: 'online-deployment', name: deploymentName(deployment) }),
  check(deployment) {
    if (deployment.scaleType !== 'target_utilization')
      return [`scale_settings.type is ${deployment.scaleType ?? 'default'}: ${deployment.instanceCount} instance(s) whatever the load`];
    const min = deployment.minInstances ?? 1;
    const max = deployment.maxInstances ?? 1;
    if (max > min) return [];
    return [`scale_settings.max_instances is ${max}, no more than min_instances (${min}): it cannot grow`];
  },
});

/** A compute whose jobs' median wait in the queue is above this (seconds) is short of capacity. */
export const longQueueWaitSeconds = 15 * 60;
/** Fewer jobs than this in the window are a one-off, not a pattern. */
const judgedAfterJobs = 3;

/** How long a job waited for its compute: until it first left the queue, or until now (or its end) if it never did. */
export function queueWait(job: JobFacts, now: number): number {
  const left = job.dequeuedAt ?? (isUnfinished(job) ? now : (job.endedAt ?? now));
  return Math.max(0, left - job.submittedAt);
}

function recentJobsByCompute(snapshot: LiveSnapshot): Array<{ compute: string; jobs: JobFacts[] }> {
  const byCompute = new Map<string, JobFacts[]>();
  for (const job of snapshot.jobs) {
    if (!isRecent(job, snapshot.now, liveWindows.recent)) continue;
    byCompute.set(job.compute, [...(byCompute.get(job.compute) ?? []), job]);
  }
  return [...byCompute].map(([compute, jobs]) => ({ compute, jobs })).filter((entry) => entry.jobs.length >= judgedAfterJobs);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const longQueueWaits = defineLiveRule({
  id: 'TRL-PERF-102',
  pillar: 'performance',
  severity: 'medium',
  title: 'Jobs wait long for their compute',
  seed: seedLines.trainingCompute,
  why: 'When half the jobs sent to a compute wait in its queue longer than they would take to run, the compute is sized below the demand on it (max_instances, the workspace quota, or its size).',
  fix: "Raise the cluster's max_instances (or the workspace's quota), or send some jobs to another compute.",
  appliesTo: `computes that got ${judgedAfterJobs} jobs or more in the last ${span(liveWindows.recent)}`,
  subjects: recentJobsByCompute,
  resource: (entry) => ({ kind: 'compute', name: entry.compute }),
  check(entry, snapshot) {
    const waits = entry.jobs.map((job) => queueWait(job, snapshot.now));
    const typical = median(waits);
    if (typical <= longQueueWaitSeconds * 1000) return [];
    return [
      `the median wait in its queue was ${span(typical)} over ${entry.jobs.length} jobs of the last ${span(liveWindows.recent)} (longest ${span(Math.max(...waits))})`,
    ];
  },
});

export const livePerformanceRules: readonly LiveRule[] = [productionWithoutAutoscale, longQueueWaits];
