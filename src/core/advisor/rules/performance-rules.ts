import { seedLines } from '../seed-lines.js';
import { defineStaticRule, isUndecided, type StaticRule, undecided, written } from '../static-rule.js';
import { isUnresolved } from '../static-subject.js';
import { fromArm, shown } from './rule-helpers.js';
import { clusterNodeLimit, computeNamed, subjectsOfKind } from './subject-relations.js';

const deploymentAutoscale = defineStaticRule({
  id: 'TRL-PERF-001',
  pillar: 'performance',
  severity: 'medium',
  title: 'Online deployment cannot scale with its load',
  seed: seedLines.autoscaleDeployments,
  why: 'A fixed number of instances is either too few at peak (latency and errors climb) or too many the rest of the time. In an ARM template, an enabled Microsoft.Insights autoscale setting targeting the deployment counts as autoscale.',
  fix: 'Set scale_settings: {type: target_utilization, min_instances: <n>, max_instances: <m larger than n>}.',
  fixIn: { 'arm-template': 'Add a Microsoft.Insights/autoscaleSettings resource whose targetResourceUri is the deployment.' },
  appliesTo: 'online deployments',
  kinds: ['online-deployment'],
  check(deployment, all) {
    const scale = deployment.scaleType;
    if (isUnresolved(scale)) return undecided(deployment, 'scaleType', scale);
    if (scale === 'target_utilization') {
      const { minInstances: min, maxInstances: max } = deployment;
      if (isUnresolved(min)) return undecided(deployment, 'minInstances', min);
      if (isUnresolved(max)) return undecided(deployment, 'maxInstances', max);
      // Azure's defaults for target_utilization: 1 and 1.
      if ((max ?? 1) > (min ?? 1)) return [];
      return [
        {
          message: `${written(deployment, 'maxInstances')} is ${max ?? 1}, no more than min_instances (${min ?? 1})`,
          field: 'maxInstances',
        },
      ];
    }
    if (fromArm(deployment)) {
      const settings = subjectsOfKind(all, 'autoscale-setting');
      if (settings.some((setting) => setting.target === deployment.localName && setting.enabled !== false)) return [];
      const unknown = settings.map((setting) => setting.target).find(isUnresolved);
      if (unknown) return { undecided: `an autoscale setting's target is ${unknown.unresolved}: ${unknown.reason}` };
    }
    const count = deployment.instanceCount;
    const instances = isUnresolved(count) ? count.unresolved : String(count ?? 1);
    return [
      {
        message: `${written(deployment, 'scaleType')} is ${shown(scale, 'default')}: ${instances} fixed instance(s) whatever the load`,
        field: 'scaleType',
      },
    ];
  },
});

const concurrencyMatchesWorkers = defineStaticRule({
  id: 'TRL-PERF-002',
  pillar: 'performance',
  severity: 'low',
  title: 'Deployment admits fewer concurrent requests than it has workers',
  seed: seedLines.deploymentCompute,
  why: 'The inference server starts WORKER_COUNT workers, but the platform sends each instance at most max_concurrent_requests_per_instance requests at a time: the other workers idle while requests queue.',
  fix: 'Set request_settings.max_concurrent_requests_per_instance to the WORKER_COUNT.',
  fixIn: { 'arm-template': 'Set properties.requestSettings.maxConcurrentRequestsPerInstance to the WORKER_COUNT.' },
  appliesTo: 'online deployments that set WORKER_COUNT',
  kinds: ['online-deployment'],
  applies: (deployment) => deployment.workerCount !== undefined,
  check(deployment) {
    const workers = deployment.workerCount;
    if (isUnresolved(workers)) return undecided(deployment, 'workerCount', workers);
    const concurrency = deployment.maxConcurrentRequestsPerInstance;
    if (isUnresolved(concurrency)) return undecided(deployment, 'maxConcurrentRequestsPerInstance', concurrency);
    // Azure's default: one request at a time.
    if (workers === undefined || workers <= (concurrency ?? 1)) return [];
    const message = `${written(deployment, 'workerCount')} is ${workers} but ${written(deployment, 'maxConcurrentRequestsPerInstance')} is ${shown(concurrency, 'default: 1')}`;
    return [{ message, field: 'maxConcurrentRequestsPerInstance' }];
  },
});

const trainingComputeChosen = defineStaticRule({
  id: 'TRL-PERF-003',
  pillar: 'performance',
  severity: 'low',
  title: 'Job chooses no compute',
  seed: seedLines.trainingCompute,
  why: 'With neither a compute nor an instance type, the job runs on serverless compute of the default size, chosen for no workload in particular: too small for deep learning, too large for a quick script.',
  fix: 'Set compute: azureml:<cluster>, or resources.instance_type for serverless compute.',
  fixIn: { 'arm-template': 'Set properties.computeId, or properties.resources.instanceType.' },
  appliesTo: 'command and sweep jobs, and pipeline steps',
  kinds: ['command-job', 'sweep-job'],
  check(job) {
    if (job.compute !== undefined || job.instanceType !== undefined) return [];
    return [{ message: `neither ${written(job, 'compute')} nor ${written(job, 'instanceType')} is set`, field: 'compute' }];
  },
});

const clusterForTraining = defineStaticRule({
  id: 'TRL-PERF-004',
  pillar: 'performance',
  severity: 'low',
  title: 'Training job runs on a compute instance',
  seed: seedLines.clustersForTraining,
  why: 'A compute instance is one machine: the job cannot scale out, and it competes with the notebooks of whoever uses the instance. Decided when the compute is among the files checked.',
  fix: 'Run training on a compute cluster (type: amlcompute).',
  appliesTo: 'command and sweep jobs, and pipeline steps, that name their compute',
  kinds: ['command-job', 'sweep-job'],
  applies: (job) => job.compute !== undefined,
  check(job, all) {
    const found = computeNamed(job.compute, all);
    if (found === undefined) return [];
    if ('missing' in found) return { undecided: found.missing };
    const type = found.compute.computeType;
    if (isUnresolved(type)) return undecided(found.compute, 'computeType', type);
    if (type !== 'computeinstance') return [];
    return [{ message: `its compute '${found.compute.name}' is a compute instance`, field: 'compute' }];
  },
});

const sweepParallelism = defineStaticRule({
  id: 'TRL-PERF-005',
  pillar: 'performance',
  severity: 'low',
  title: 'Sweep runs more trials at once than its cluster has nodes',
  seed: seedLines.capacityPlanning,
  why: 'Trials past the cluster’s node limit wait in the queue: the sweep takes longer than its max_concurrent_trials promises. Decided when the compute is among the files checked.',
  fix: "Lower limits.max_concurrent_trials to the cluster's max_instances, or raise max_instances.",
  fixIn: { 'arm-template': 'Lower properties.limits.maxConcurrentTrials, or raise the cluster’s scaleSettings.maxNodeCount.' },
  appliesTo: 'sweep jobs that name their compute and max_concurrent_trials',
  kinds: ['sweep-job'],
  applies: (sweep) => sweep.compute !== undefined && sweep.maxConcurrentTrials !== undefined,
  check(sweep, all) {
    const limit = clusterNodeLimit(sweep.compute, all);
    if (limit === undefined) return [];
    if (isUndecided(limit)) return limit;
    const concurrent = sweep.maxConcurrentTrials;
    if (isUnresolved(concurrent)) return undecided(sweep, 'maxConcurrentTrials', concurrent);
    if (concurrent === undefined || concurrent <= limit.max) return [];
    const message = `${written(sweep, 'maxConcurrentTrials')} is ${concurrent} but compute '${limit.compute.name}' has ${written(limit.compute, 'maxInstances')} ${limit.max}`;
    return [{ message, field: 'maxConcurrentTrials' }];
  },
});

export const performanceRules: readonly StaticRule[] = [
  deploymentAutoscale,
  concurrencyMatchesWorkers,
  trainingComputeChosen,
  clusterForTraining,
  sweepParallelism,
];
