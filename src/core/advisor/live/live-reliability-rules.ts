import { seedLines } from '../seed-lines.js';
import { defineLiveRule, isRecent, type LiveRule, runningSeconds, span } from './live-rule.js';
import { deploymentName, productionOnlineDeployments } from './live-relations.js';
import { liveWindows } from './live-snapshot.js';

const singleInstanceInProduction = defineLiveRule({
  id: 'TRL-REL-101',
  pillar: 'reliability',
  severity: 'high',
  title: 'Production online deployment runs a single instance',
  seed: seedLines.redundancy,
  why: 'One instance is one failure away from no answers at all: a crashed worker, a node restart or an update leaves production without capacity until it is back. Production: the workspace, endpoint or deployment is tagged environment: production (docs/advisor.md).',
  fix: 'Set instance_count: 3 (at least 2), or scale_settings: {type: target_utilization, min_instances: 2, max_instances: <more>}.',
  appliesTo: 'online deployments serving production',
  subjects: productionOnlineDeployments,
  resource: (deployment) => ({ kind: 'online-deployment', name: deploymentName(deployment) }),
  check(deployment) {
    const floor = deployment.scaleType === 'target_utilization' ? (deployment.minInstances ?? 1) : deployment.instanceCount;
    if (floor >= 2) return [];
    return deployment.scaleType === 'target_utilization'
      ? [`scale_settings.min_instances is ${floor}: at quiet times one instance serves production`]
      : [`instance_count is ${floor}: one instance serves production`];
  },
});

/** Longer than this on low-priority nodes, an eviction without a checkpoint loses real work. */
export const checkpointAfterSeconds = 30 * 60;

const lowPriorityCheckpoints = defineLiveRule({
  id: 'TRL-REL-102',
  pillar: 'reliability',
  severity: 'medium',
  title: 'Low-priority job runs without saving checkpoints',
  seed: seedLines.selfHealing,
  why: `Low-priority nodes are taken back at any moment; a job evicted after ${span(checkpointAfterSeconds * 1000)} with nothing in its checkpoint folder starts again from the beginning on its next attempt.`,
  fix: 'Write checkpoints to $TRELLIS_CHECKPOINT_DIR (e.g. every epoch) and resume from what is there at start; or run the job on a dedicated cluster.',
  appliesTo: `jobs of the last 7 days on low-priority clusters that ran ${span(checkpointAfterSeconds * 1000)} or more`,
  subjects(snapshot) {
    const lowPriority = new Set(snapshot.computes.filter((compute) => compute.tier === 'low_priority').map((compute) => compute.name));
    return snapshot.jobs.filter(
      (job) =>
        lowPriority.has(job.compute) &&
        isRecent(job, snapshot.now, liveWindows.recent) &&
        runningSeconds(job, snapshot.now) >= checkpointAfterSeconds,
    );
  },
  resource: (job) => ({ kind: 'job', name: job.name }),
  check(job, snapshot) {
    if (job.checkpointFiles === undefined) return { undecided: 'its checkpoint folder was not read' };
    if (job.checkpointFiles > 0) return [];
    return [
      `ran ${span(runningSeconds(job, snapshot.now) * 1000)} on low-priority compute '${job.compute}' and saved no checkpoint: an eviction restarts it from scratch`,
    ];
  },
});

export const liveReliabilityRules: readonly LiveRule[] = [singleInstanceInProduction, lowPriorityCheckpoints];
