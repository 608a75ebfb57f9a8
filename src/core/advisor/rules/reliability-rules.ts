import { seedLines } from '../seed-lines.js';
import { defineStaticRule, isUndecided, type StaticRule, undecided, written } from '../static-rule.js';
import { isUnresolved } from '../static-subject.js';
import { fromArm, shown } from './rule-helpers.js';
import { clusterNodeLimit, computeNamed } from './subject-relations.js';

/** Azure ML's guidance for production online deployments: three instances or more. */
export const minimumInstances = 3;

const deploymentRedundancy = defineStaticRule({
  id: 'TRL-REL-001',
  pillar: 'reliability',
  severity: 'medium',
  title: `Online deployment runs fewer than ${minimumInstances} instances`,
  seed: seedLines.redundancy,
  why: `With fewer than ${minimumInstances} instances, one failing node or an instance being upgraded leaves the deployment with little or no capacity; Azure ML recommends at least ${minimumInstances} instances for production deployments.`,
  fix: `Set instance_count: ${minimumInstances} (or scale_settings.min_instances: ${minimumInstances} with target_utilization).`,
  fixIn: {
    'arm-template': `Set sku.capacity to ${minimumInstances} (or properties.scaleSettings.minInstances with TargetUtilization).`,
  },
  appliesTo: 'online deployments',
  kinds: ['online-deployment'],
  check(deployment) {
    const scale = deployment.scaleType;
    if (isUnresolved(scale)) return undecided(deployment, 'scaleType', scale);
    const field = scale === 'target_utilization' ? 'minInstances' : 'instanceCount';
    const floor = deployment[field];
    if (isUnresolved(floor)) return undecided(deployment, field, floor);
    // Azure's defaults: one instance (sku.capacity, and min_instances of target_utilization).
    if ((floor ?? 1) >= minimumInstances) return [];
    return [{ message: `${written(deployment, field)} is ${shown(floor, 'default: 1')}`, field }];
  },
});

const batchOnDedicatedNodes = defineStaticRule({
  id: 'TRL-REL-002',
  pillar: 'reliability',
  severity: 'medium',
  title: 'Batch deployment runs on low-priority nodes',
  seed: seedLines.dedicatedTier,
  why: 'Low-priority nodes can be taken back at any moment: a batch scoring job on them stops mid-way and its mini-batches are retried or lost. Decided when the compute is among the files checked.',
  fix: 'Run batch deployments on a cluster with tier: dedicated.',
  fixIn: { 'arm-template': "Point properties.compute at a cluster with vmPriority 'Dedicated'." },
  appliesTo: 'batch deployments that name their compute',
  kinds: ['batch-deployment'],
  applies: (deployment) => deployment.compute !== undefined,
  check(deployment, all) {
    const found = computeNamed(deployment.compute, all);
    if (found === undefined) return [];
    if ('missing' in found) return { undecided: found.missing };
    const tier = found.compute.tier;
    if (isUnresolved(tier)) return undecided(found.compute, 'tier', tier);
    if (tier !== 'low_priority') return [];
    return [{ message: `its compute '${found.compute.name}' has ${written(found.compute, 'tier')} low_priority`, field: 'compute' }];
  },
});

const jobFitsCluster = defineStaticRule({
  id: 'TRL-REL-003',
  pillar: 'reliability',
  severity: 'high',
  title: 'Job asks for more nodes than its cluster can have',
  seed: seedLines.sufficientCompute,
  why: 'A job that needs more nodes than the cluster may scale to waits forever (or is refused) instead of running. Decided when the compute is among the files checked.',
  fix: "Lower resources.instance_count to the cluster's max_instances, or raise max_instances.",
  fixIn: { 'arm-template': 'Lower properties.resources.instanceCount, or raise the cluster’s scaleSettings.maxNodeCount.' },
  appliesTo: 'command jobs and pipeline command steps that name their compute',
  kinds: ['command-job'],
  applies: (job) => job.compute !== undefined,
  check(job, all) {
    const limit = clusterNodeLimit(job.compute, all);
    if (limit === undefined) return [];
    if (isUndecided(limit)) return limit;
    const count = job.instanceCount;
    if (isUnresolved(count)) return undecided(job, 'instanceCount', count);
    if ((count ?? 1) <= limit.max) return [];
    const message = `${written(job, 'instanceCount')} is ${count ?? 1} but compute '${limit.compute.name}' has ${written(limit.compute, 'maxInstances')} ${limit.max}: the job can never start`;
    return [{ message, field: 'instanceCount' }];
  },
});

const batchRetries = defineStaticRule({
  id: 'TRL-REL-004',
  pillar: 'reliability',
  severity: 'medium',
  title: 'Batch deployment never retries a failed mini-batch',
  seed: seedLines.selfHealing,
  why: 'A node lost or a transient error fails its mini-batch for good when retries are off; a few retries let a batch job heal by itself.',
  fix: 'Set settings.retry_settings.max_retries to 3 (the default) or more.',
  fixIn: { 'arm-template': 'Set properties.retrySettings.maxRetries to 3 (the default) or more.' },
  appliesTo: 'batch deployments',
  kinds: ['batch-deployment'],
  check(deployment) {
    const retries = deployment.maxRetries;
    if (isUnresolved(retries)) return undecided(deployment, 'maxRetries', retries);
    if (retries !== 0) return [];
    return [{ message: `${written(deployment, 'maxRetries')} is 0`, field: 'maxRetries' }];
  },
});

const registryRegions = defineStaticRule({
  id: 'TRL-REL-005',
  pillar: 'reliability',
  severity: 'low',
  title: 'Registry is replicated to a single region',
  seed: seedLines.multiRegion,
  why: 'A registry in one region takes every workspace that deploys from it down with that region; Azure ML has no automatic failover, so a second replication region is the recovery path. ARM templates only.',
  fix: 'Add a second region to properties.regionDetails.',
  appliesTo: 'registries in ARM templates',
  kinds: ['registry'],
  applies: (registry) => fromArm(registry),
  check(registry) {
    const regions = registry.regions;
    if (isUnresolved(regions)) return undecided(registry, 'regions', regions);
    if ((regions?.length ?? 0) >= 2) return [];
    const message = `${written(registry, 'regions')} lists ${regions?.length ? `one region (${regions.join(', ')})` : 'no region'}`;
    return [{ message, field: 'regions' }];
  },
});

export const reliabilityRules: readonly StaticRule[] = [
  deploymentRedundancy,
  batchOnDedicatedNodes,
  jobFitsCluster,
  batchRetries,
  registryRegions,
];
