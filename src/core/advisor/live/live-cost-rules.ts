import { seedLines } from '../seed-lines.js';
import { defineLiveRule, isRecent, isUnfinished, type LiveRule, span } from './live-rule.js';
import { type ComputeFacts, type JobFacts, type LiveSnapshot, liveWindows, type NodeFacts } from './live-snapshot.js';

const clusters = (snapshot: LiveSnapshot) => snapshot.computes.filter((compute) => compute.type === 'amlcompute');

interface ByCompute {
  jobs: Map<string, JobFacts[]>;
  nodes: Map<string, NodeFacts[]>;
}

/**
 * A snapshot's jobs and nodes by compute, each in the snapshot's order, grouped once per snapshot:
 * the rules look them up per cluster, and filtering every job for each of 200 clusters (twice, for
 * the subjects and the check) took most of a 10,000-resource workspace's evaluation.
 */
const byComputeOf = new WeakMap<LiveSnapshot, ByCompute>();

function byCompute(snapshot: LiveSnapshot): ByCompute {
  let grouped = byComputeOf.get(snapshot);
  if (grouped === undefined) {
    grouped = { jobs: groupBy(snapshot.jobs), nodes: groupBy(snapshot.nodes) };
    byComputeOf.set(snapshot, grouped);
  }
  return grouped;
}

function groupBy<Item extends { compute: string }>(items: readonly Item[]): Map<string, Item[]> {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const group = groups.get(item.compute);
    if (group === undefined) groups.set(item.compute, [item]);
    else group.push(item);
  }
  return groups;
}

const jobsOn = (snapshot: LiveSnapshot, compute: string): readonly JobFacts[] => byCompute(snapshot).jobs.get(compute) ?? [];

const idleMinimumNodes = defineLiveRule({
  id: 'TRL-COST-101',
  pillar: 'cost',
  severity: 'medium',
  title: 'Cluster keeps nodes up with no job to run',
  seed: seedLines.clusterScaling,
  why: 'min_instances nodes never scale down: once no job has run for longer than the idle time, they are paid for waiting. Only a cluster that really needs a warm node (a latency target on job start) should keep one.',
  fix: "Set min_instances: 0 in the compute's YAML and apply it again.",
  appliesTo: 'compute clusters with min_instances above 0',
  subjects: (snapshot) => clusters(snapshot).filter((compute) => compute.minInstances > 0),
  resource: (compute) => ({ kind: 'compute', name: compute.name }),
  check(compute, snapshot) {
    const jobs = jobsOn(snapshot, compute.name);
    if (jobs.some(isUnfinished)) return [];
    const lastActive = Math.max(compute.updatedAt, ...jobs.map((job) => job.endedAt ?? job.submittedAt));
    const idle = snapshot.now - lastActive;
    if (idle <= compute.idleTimeBeforeScaleDown * 1000) return [];
    const since =
      jobs.length === 0 ? `no job has run on it since it was last changed, ${span(idle)} ago` : `its last job ended ${span(idle)} ago`;
    return [
      `min_instances is ${compute.minInstances} and ${since}, past its idle time of ${span(compute.idleTimeBeforeScaleDown * 1000)}: ${compute.minInstances} node(s) held for nothing`,
    ];
  },
});

const sweepWithoutEarlyTermination = defineLiveRule({
  id: 'TRL-COST-102',
  pillar: 'cost',
  severity: 'medium',
  title: 'Sweep runs without early termination',
  seed: seedLines.terminationPolicies,
  why: 'Every trial of such a sweep runs to its end, however poor its metric; bandit, median stopping or truncation selection stop the hopeless ones early. Bayesian sampling is left out: Azure ML runs it without early termination.',
  fix: 'Add early_termination to the sweep, e.g. {type: bandit, slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 5}.',
  appliesTo: `sweep jobs running, or submitted or ended in the last ${span(liveWindows.recent)}, except bayesian ones`,
  subjects: (snapshot) =>
    snapshot.sweeps.filter((sweep) => sweep.samplingAlgorithm !== 'bayesian' && isRecent(sweep, snapshot.now, liveWindows.recent)),
  resource: (sweep) => ({ kind: 'sweep-job', name: sweep.name }),
  check(sweep) {
    if (sweep.hasEarlyTermination) return [];
    return [`${sweep.state.toLowerCase()} ${sweep.samplingAlgorithm} sweep with no early_termination: every trial runs to its end`];
  },
});

/** Below this share of their up time busy with jobs, a cluster's nodes are mostly paid for waiting. */
export const lowUtilization = 0.2;
/** Clusters up less than this (node-seconds) over the window are too little to judge. */
const judgedAfterNodeSeconds = 3600;

/** The part of [start, end) inside [from, to), in ms. */
function overlap(start: number, end: number, from: number, to: number): number {
  return Math.max(0, Math.min(end, to) - Math.max(start, from));
}

/** Node-seconds a job held its compute's nodes within [from, to): its ended attempts (just before its end), and the running one. */
function busyNodeSeconds(job: JobFacts, from: number, to: number): number {
  const count = Math.max(1, job.instanceCount);
  let busy = 0;
  if (job.nodeSeconds > 0) {
    // Ended attempts, placed just before the job's end (or its current start): where they most likely were.
    const end = isUnfinished(job) ? (job.startedAt ?? to) : (job.endedAt ?? to);
    busy += (overlap(end - (job.nodeSeconds / count) * 1000, end, from, to) / 1000) * count;
  }
  if (isUnfinished(job) && job.startedAt !== null) busy += (overlap(job.startedAt, to, from, to) / 1000) * count;
  return busy;
}

/** Up and busy node-seconds of a cluster over the utilisation window. */
export function clusterUtilization(compute: ComputeFacts, snapshot: LiveSnapshot): { up: number; busy: number } {
  const to = snapshot.now;
  const from = to - liveWindows.utilization;
  const up = (byCompute(snapshot).nodes.get(compute.name) ?? []).reduce(
    (sum, node) => sum + overlap(node.createdAt, node.removedAt ?? to, from, to) / 1000,
    0,
  );
  const busy = jobsOn(snapshot, compute.name).reduce((sum, job) => sum + busyNodeSeconds(job, from, to), 0);
  return { up, busy: Math.min(busy, up) };
}

const lowClusterUtilization = defineLiveRule({
  id: 'TRL-COST-103',
  pillar: 'cost',
  severity: 'medium',
  title: `Cluster nodes are busy less than ${lowUtilization * 100}% of the time they are up`,
  seed: seedLines.scaleDownWhenIdle,
  why: 'A node costs the same busy or idle. Nodes kept by min_instances, a long idle_time_before_scale_down, or jobs that leave most nodes waiting make a cluster pay mostly for nothing.',
  fix: 'Set min_instances: 0 and a short idle_time_before_scale_down (120 s), so nodes go when jobs end; size max_instances to the jobs that really run at once.',
  appliesTo: `compute clusters whose nodes were up at least one node-hour in the last ${span(liveWindows.utilization)}`,
  subjects: (snapshot) => clusters(snapshot).filter((compute) => clusterUtilization(compute, snapshot).up >= judgedAfterNodeSeconds),
  resource: (compute) => ({ kind: 'compute', name: compute.name }),
  check(compute, snapshot) {
    const { up, busy } = clusterUtilization(compute, snapshot);
    const share = busy / up;
    if (share >= lowUtilization) return [];
    return [
      `its nodes ran jobs ${Math.round(share * 100)}% of the ${(up / 3600).toFixed(1)} node-hours they were up in ${span(liveWindows.utilization)}`,
    ];
  },
});

const staleEnvironments = defineLiveRule({
  id: 'TRL-COST-104',
  pillar: 'cost',
  severity: 'low',
  title: `Environment unused for ${span(liveWindows.usage)}`,
  seed: seedLines.optimizeComponents,
  why: 'An environment no job or deployment uses still keeps its built virtualenv or image in the cache and its versions in every list, and someone still has to patch what it pins.',
  fix: 'Archive it (trellis environment archive --name <name>), or delete it; a shared base belongs in a registry.',
  appliesTo: `environments whose newest version is over ${span(liveWindows.usage)} old`,
  subjects(snapshot) {
    const byName = new Map<string, { name: string; versions: number; newest: number }>();
    for (const environment of snapshot.environments) {
      const entry = byName.get(environment.name) ?? { name: environment.name, versions: 0, newest: 0 };
      entry.versions += 1;
      entry.newest = Math.max(entry.newest, environment.createdAt);
      byName.set(environment.name, entry);
    }
    return [...byName.values()].filter((entry) => entry.newest <= snapshot.now - liveWindows.usage);
  },
  resource: (environment) => ({ kind: 'environment', name: environment.name }),
  check(environment, snapshot) {
    const since = snapshot.now - liveWindows.usage;
    const usedByJob = snapshot.jobs.some((job) => job.environment?.name === environment.name && job.submittedAt >= since);
    const usedByDeployment = snapshot.deployments.some((deployment) => deployment.environment?.name === environment.name);
    if (usedByJob || usedByDeployment) return [];
    return [
      `no job or deployment used any of its ${environment.versions} version(s) in ${span(liveWindows.usage)}; the newest was made ${span(snapshot.now - environment.newest)} ago`,
    ];
  },
});

export const liveCostRules: readonly LiveRule[] = [
  idleMinimumNodes,
  sweepWithoutEarlyTermination,
  lowClusterUtilization,
  staleEnvironments,
];
