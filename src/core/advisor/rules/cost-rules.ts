import { seedLines } from '../seed-lines.js';
import { defineStaticRule, type StaticRule, undecided, written } from '../static-rule.js';
import { isUnresolved } from '../static-subject.js';
import { duration, isComputeType } from './rule-helpers.js';

/** Longer than this, idle nodes are waste rather than a warm pool between iterations. */
export const maxIdleSeconds = 3600;

const clusterScalesToZero = defineStaticRule({
  id: 'TRL-COST-001',
  pillar: 'cost',
  severity: 'medium',
  title: 'Compute cluster never scales to zero',
  seed: seedLines.clusterScaling,
  why: 'Nodes kept by min_instances are allocated, and billed, around the clock whether or not a job runs.',
  fix: 'Set min_instances: 0.',
  fixIn: { 'arm-template': 'Set properties.properties.scaleSettings.minNodeCount to 0.' },
  appliesTo: 'compute clusters',
  kinds: ['compute'],
  applies: (compute) => isComputeType(compute.computeType, ['amlcompute']),
  check(compute) {
    if (isUnresolved(compute.computeType)) return undecided(compute, 'computeType', compute.computeType);
    const min = compute.minInstances;
    if (isUnresolved(min)) return undecided(compute, 'minInstances', min);
    if (!min) return [];
    return [
      {
        message: `${written(compute, 'minInstances')} is ${min}: ${min === 1 ? '1 node stays' : `${min} nodes stay`} allocated when no job runs`,
        field: 'minInstances',
      },
    ];
  },
});

const clusterIdleTime = defineStaticRule({
  id: 'TRL-COST-002',
  pillar: 'cost',
  severity: 'low',
  title: `Compute cluster keeps idle nodes for over ${duration(maxIdleSeconds)}`,
  seed: seedLines.clusterScaling,
  why: `Every job leaves its nodes billed for the whole idle time; beyond ${duration(maxIdleSeconds)} that is waste rather than a warm pool between iterations.`,
  fix: `Set idle_time_before_scale_down to ${maxIdleSeconds} seconds or less (Azure's default is 120).`,
  fixIn: { 'arm-template': 'Set properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown to PT1H or less (default PT120S).' },
  appliesTo: 'compute clusters',
  kinds: ['compute'],
  applies: (compute) => isComputeType(compute.computeType, ['amlcompute']),
  check(compute) {
    if (isUnresolved(compute.computeType)) return undecided(compute, 'computeType', compute.computeType);
    const idle = compute.idleTimeBeforeScaleDown;
    if (isUnresolved(idle)) return undecided(compute, 'idleTimeBeforeScaleDown', idle);
    if (idle === undefined || idle <= maxIdleSeconds) return [];
    return [{ message: `${written(compute, 'idleTimeBeforeScaleDown')} is ${duration(idle)}`, field: 'idleTimeBeforeScaleDown' }];
  },
});

const instanceIdleShutdown = defineStaticRule({
  id: 'TRL-COST-003',
  pillar: 'cost',
  severity: 'high',
  title: 'Compute instance never shuts down when idle',
  seed: seedLines.idleShutdown,
  why: 'A compute instance bills for every hour it runs, used or not; an idle shutdown (or a schedule that stops it) ends the forgotten nights and weekends. PSRule accepts only the idle shutdown; the seed line also accepts a stop schedule.',
  fix: 'Set idle_time_before_shutdown_minutes (e.g. 60), or a schedule that stops the instance.',
  fixIn: {
    'arm-template': "Set properties.properties.idleTimeBeforeShutdown (e.g. 'PT60M'), or a computeStartStop schedule with action Stop.",
  },
  appliesTo: 'compute instances',
  alsoKnownAs: ['PSRule for Azure: Azure.ML.ComputeIdleShutdown', 'Azure Policy 679ddf89-ab8f-48a5-9029-e76054077449'],
  kinds: ['compute'],
  applies: (compute) => isComputeType(compute.computeType, ['computeinstance']),
  check(compute) {
    if (isUnresolved(compute.computeType)) return undecided(compute, 'computeType', compute.computeType);
    const idle = compute.idleTimeBeforeShutdown;
    if (isUnresolved(idle)) return undecided(compute, 'idleTimeBeforeShutdown', idle);
    if (idle !== undefined && idle > 0) return [];
    const stops = compute.hasStopSchedule;
    if (isUnresolved(stops)) return undecided(compute, 'hasStopSchedule', stops);
    if (stops === true) return [];
    const message = `${written(compute, 'idleTimeBeforeShutdown')} is ${idle === undefined ? 'not set' : idle} and no schedule stops the instance`;
    return [{ message, field: 'idleTimeBeforeShutdown' }];
  },
});

const sweepEarlyTermination = defineStaticRule({
  id: 'TRL-COST-004',
  pillar: 'cost',
  severity: 'medium',
  title: 'Sweep has no early termination policy',
  seed: seedLines.terminationPolicies,
  why: 'Without a policy every trial runs to its end, however poor its metric; bandit, median stopping or truncation selection stop the hopeless ones early. Not applied to bayesian sampling, which Azure ML runs without early termination.',
  fix: 'Add early_termination, e.g. {type: bandit, slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 5}.',
  fixIn: { 'arm-template': "Add properties.earlyTermination, e.g. {policyType: 'Bandit', slackFactor: 0.1, evaluationInterval: 1}." },
  appliesTo: 'sweep jobs and pipeline sweep steps, except bayesian ones',
  kinds: ['sweep-job'],
  applies: (sweep) => sweep.samplingAlgorithm !== 'bayesian',
  check(sweep) {
    const policy = sweep.earlyTermination;
    if (isUnresolved(policy)) return undecided(sweep, 'earlyTermination', policy);
    if (policy !== undefined) return [];
    return [{ message: `${written(sweep, 'earlyTermination')} is not set: every trial runs to its end`, field: 'earlyTermination' }];
  },
});

const sweepLimits = defineStaticRule({
  id: 'TRL-COST-005',
  pillar: 'cost',
  severity: 'medium',
  title: 'Sweep sets no limit on its trials or time',
  seed: seedLines.spendingLimits,
  why: "Left out, the limits are Azure's defaults of 1,000 trials and 7 days: a sweep meant as an experiment can spend like a project.",
  fix: 'Set limits.max_total_trials and limits.timeout to what the experiment is worth.',
  fixIn: { 'arm-template': 'Set properties.limits.maxTotalTrials and properties.limits.timeout.' },
  appliesTo: 'sweep jobs and pipeline sweep steps',
  kinds: ['sweep-job'],
  check(sweep) {
    const { maxTotalTrials: trials, timeout } = sweep;
    if (trials !== undefined && !isUnresolved(trials)) return [];
    if (timeout !== undefined && !isUnresolved(timeout)) return [];
    if (isUnresolved(trials)) return undecided(sweep, 'maxTotalTrials', trials);
    if (isUnresolved(timeout)) return undecided(sweep, 'timeout', timeout);
    const message = `neither ${written(sweep, 'maxTotalTrials')} nor ${written(sweep, 'timeout')} is set: up to 1,000 trials over 7 days`;
    return [{ message, field: 'maxTotalTrials' }];
  },
});

const jobTimeout = defineStaticRule({
  id: 'TRL-COST-006',
  pillar: 'cost',
  severity: 'low',
  title: 'Command job has no timeout',
  seed: seedLines.terminationPolicies,
  why: 'A job that hangs or never converges keeps its nodes, and the bill running, until someone notices and cancels it.',
  fix: 'Set limits.timeout (seconds) to a bound the job should never need.',
  fixIn: { 'arm-template': "Set properties.limits.timeout (e.g. 'PT4H')." },
  appliesTo: 'command jobs and pipeline command steps',
  kinds: ['command-job'],
  check(job) {
    const timeout = job.timeout;
    if (isUnresolved(timeout)) return undecided(job, 'timeout', timeout);
    if (timeout !== undefined) return [];
    return [{ message: `${written(job, 'timeout')} is not set`, field: 'timeout' }];
  },
});

export const costRules: readonly StaticRule[] = [
  clusterScalesToZero,
  clusterIdleTime,
  instanceIdleShutdown,
  sweepEarlyTermination,
  sweepLimits,
  jobTimeout,
];
