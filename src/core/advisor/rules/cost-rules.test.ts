import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { armTemplate as arm, azureMlFile, ml, verdicts } from '../../../../test/support/advisor-files.js';

const cluster = azureMlFile.cluster;
const instance = azureMlFile.instance;
const armCompute = (computeType: string, properties: Record<string, unknown>) =>
  arm({ type: `${ml}/workspaces/computes`, name: 'ws/cpu', properties: { computeType, properties } });
const sweep = azureMlFile.sweepJob;
const armSweep = (properties: Record<string, unknown>) =>
  arm({
    type: `${ml}/workspaces/jobs`,
    name: 'ws/tune',
    properties: { jobType: 'Sweep', samplingAlgorithm: { samplingAlgorithmType: 'Random' }, ...properties },
  });

describe('TRL-COST-001 cluster scales to zero', () => {
  it('fails min_instances above 0, passes 0 (the default); skips compute instances', () => {
    assert.deepEqual(verdicts('TRL-COST-001', { 'cpu.yml': cluster({ min_instances: '2' }) }), [
      'failed cpu: min_instances is 2: 2 nodes stay allocated when no job runs',
    ]);
    assert.deepEqual(verdicts('TRL-COST-001', { 'cpu.yml': cluster() }), ['passed cpu:']);
    assert.deepEqual(verdicts('TRL-COST-001', { 'ci.yml': instance() }), []);
    assert.deepEqual(
      verdicts('TRL-COST-001', { 't.json': armCompute('AmlCompute', { scaleSettings: { minNodeCount: 1, maxNodeCount: 4 } }) }),
      ['failed ws/cpu: properties.properties.scaleSettings.minNodeCount is 1: 1 node stays allocated when no job runs'],
    );
    assert.deepEqual(
      verdicts('TRL-COST-001', { 't.json': armCompute('AmlCompute', { scaleSettings: { minNodeCount: 0, maxNodeCount: 4 } }) }),
      ['passed ws/cpu:'],
    );
  });
});

describe('TRL-COST-002 cluster idle time', () => {
  it('fails more than an hour idle, passes an hour or less', () => {
    assert.deepEqual(verdicts('TRL-COST-002', { 'cpu.yml': cluster({ idle_time_before_scale_down: '7200' }) }), [
      'failed cpu: idle_time_before_scale_down is 2 h',
    ]);
    assert.deepEqual(verdicts('TRL-COST-002', { 'cpu.yml': cluster({ idle_time_before_scale_down: '3600' }) }), ['passed cpu:']);
    assert.deepEqual(
      verdicts('TRL-COST-002', { 't.json': armCompute('AmlCompute', { scaleSettings: { nodeIdleTimeBeforeScaleDown: 'PT1H30M' } }) }),
      ['failed ws/cpu: properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown is 1 h 30 min'],
    );
    assert.deepEqual(
      verdicts('TRL-COST-002', { 't.json': armCompute('AmlCompute', { scaleSettings: { nodeIdleTimeBeforeScaleDown: 'PT120S' } }) }),
      ['passed ws/cpu:'],
    );
    assert.deepEqual(
      verdicts('TRL-COST-002', { 't.json': armCompute('AmlCompute', { scaleSettings: { nodeIdleTimeBeforeScaleDown: 'two hours' } }) }),
      ['unknown ws/cpu: properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown is two hours: not an ISO 8601 duration'],
    );
  });
});

describe('TRL-COST-003 compute instance idle shutdown (PSRule Azure.ML.ComputeIdleShutdown)', () => {
  it('fails an instance with neither idle shutdown nor a stop schedule; passes either', () => {
    assert.deepEqual(verdicts('TRL-COST-003', { 'ci.yml': instance() }), [
      'failed ci: idle_time_before_shutdown_minutes is not set and no schedule stops the instance',
    ]);
    assert.deepEqual(verdicts('TRL-COST-003', { 'ci.yml': instance({ idle_time_before_shutdown_minutes: '60' }) }), ['passed ci:']);
    assert.deepEqual(
      verdicts('TRL-COST-003', {
        'ci.yml': instance({ schedules: '{compute_start_stop: [{action: stop, trigger: {type: cron, expression: "0 19 * * *"}}]}' }),
      }),
      ['passed ci:'],
    );
    assert.deepEqual(verdicts('TRL-COST-003', { 'cpu.yml': cluster() }), []);
  });

  it('reads idleTimeBeforeShutdown and computeStartStop in ARM', () => {
    assert.deepEqual(verdicts('TRL-COST-003', { 't.json': armCompute('ComputeInstance', { vmSize: 'Standard_DS3_v2' }) }), [
      'failed ws/cpu: properties.properties.idleTimeBeforeShutdown is not set and no schedule stops the instance',
    ]);
    assert.deepEqual(verdicts('TRL-COST-003', { 't.json': armCompute('ComputeInstance', { idleTimeBeforeShutdown: 'PT30M' }) }), [
      'passed ws/cpu:',
    ]);
    assert.deepEqual(
      verdicts('TRL-COST-003', {
        't.json': armCompute('ComputeInstance', {
          schedules: { computeStartStop: [{ action: 'Stop', status: 'Disabled', triggerType: 'Cron' }] },
        }),
      }),
      ['failed ws/cpu: properties.properties.idleTimeBeforeShutdown is not set and no schedule stops the instance'],
    );
  });
});

describe('TRL-COST-004 sweep early termination', () => {
  it('fails a sweep without a policy, passes one with; skips bayesian sweeps', () => {
    assert.deepEqual(verdicts('TRL-COST-004', { 's.yml': sweep() }), [
      'failed tune: early_termination is not set: every trial runs to its end',
    ]);
    assert.deepEqual(verdicts('TRL-COST-004', { 's.yml': sweep({ early_termination: '{type: median_stopping}' }) }), ['passed tune:']);
    assert.deepEqual(verdicts('TRL-COST-004', { 's.yml': sweep({ sampling_algorithm: 'bayesian' }) }), []);
    assert.deepEqual(verdicts('TRL-COST-004', { 't.json': armSweep({}) }), [
      'failed ws/tune: properties.earlyTermination is not set: every trial runs to its end',
    ]);
    assert.deepEqual(verdicts('TRL-COST-004', { 't.json': armSweep({ earlyTermination: { policyType: 'Bandit', slackFactor: 0.1 } }) }), [
      'passed ws/tune:',
    ]);
  });
});

describe('TRL-COST-005 sweep limits', () => {
  it('fails a sweep with neither trial nor time limit, passes either', () => {
    assert.deepEqual(verdicts('TRL-COST-005', { 's.yml': sweep() }), [
      'failed tune: neither limits.max_total_trials nor limits.timeout is set: up to 1,000 trials over 7 days',
    ]);
    assert.deepEqual(verdicts('TRL-COST-005', { 's.yml': sweep({ limits: '{timeout: 7200}' }) }), ['passed tune:']);
    assert.deepEqual(verdicts('TRL-COST-005', { 't.json': armSweep({ limits: { jobLimitsType: 'Sweep', maxTotalTrials: 40 } }) }), [
      'passed ws/tune:',
    ]);
    assert.deepEqual(
      verdicts('TRL-COST-005', { 't.json': armSweep({ limits: { jobLimitsType: 'Sweep', maxTotalTrials: "[parameters('n')]" } }) }),
      [
        "unknown ws/tune: properties.limits.maxTotalTrials is [parameters('n')]: an ARM expression, known only when the template is deployed",
      ],
    );
  });
});

describe('TRL-COST-006 command job timeout', () => {
  const job = azureMlFile.commandJob;
  it('fails a job without limits.timeout, passes one with it', () => {
    assert.deepEqual(verdicts('TRL-COST-006', { 'j.yml': job() }), ['failed train: limits.timeout is not set']);
    assert.deepEqual(verdicts('TRL-COST-006', { 'j.yml': job({ limits: '{timeout: 3600}' }) }), ['passed train:']);
    const armJob = (limits?: unknown) =>
      arm({ type: `${ml}/workspaces/jobs`, name: 'ws/train', properties: { jobType: 'Command', limits } });
    assert.deepEqual(verdicts('TRL-COST-006', { 't.json': armJob() }), ['failed ws/train: properties.limits.timeout is not set']);
    assert.deepEqual(verdicts('TRL-COST-006', { 't.json': armJob({ jobLimitsType: 'Command', timeout: 'PT4H' }) }), ['passed ws/train:']);
  });
});
