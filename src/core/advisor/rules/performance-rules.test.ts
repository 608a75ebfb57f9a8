import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { armTemplate as arm, azureMlFile, type Fields, ml, verdicts, yamlFile as yaml } from '../../../../test/support/advisor-files.js';

const deployment = azureMlFile.onlineDeployment;
const armDeployment = (properties: Record<string, unknown>, sku?: unknown) =>
  ({ type: `${ml}/workspaces/onlineEndpoints/deployments`, name: 'ws/ep1/blue', properties, ...(sku ? { sku } : {}) }) as const;
const cluster = azureMlFile.cluster;
const job = azureMlFile.commandJob;
const sweep = (fields: Fields = {}) => azureMlFile.sweepJob({ compute: 'azureml:cpu', ...fields });

describe('TRL-PERF-001 deployment autoscale', () => {
  it('fails a fixed instance count and an autoscale range with no room; passes target_utilization with room', () => {
    assert.deepEqual(verdicts('TRL-PERF-001', { 'd.yml': deployment() }), [
      'failed ep1/blue: scale_settings.type is default: 3 fixed instance(s) whatever the load',
    ]);
    assert.deepEqual(
      verdicts('TRL-PERF-001', {
        'd.yml': deployment({ scale_settings: '{type: target_utilization, min_instances: 3, max_instances: 3}' }),
      }),
      ['failed ep1/blue: scale_settings.max_instances is 3, no more than min_instances (3)'],
    );
    assert.deepEqual(
      verdicts('TRL-PERF-001', {
        'd.yml': deployment({ scale_settings: '{type: target_utilization, min_instances: 3, max_instances: 10}' }),
      }),
      ['passed ep1/blue:'],
    );
  });

  it('in ARM, counts an enabled autoscale setting that targets the deployment', () => {
    const fixed = armDeployment({ scaleSettings: { scaleType: 'Default' } }, { name: 'Default', capacity: 2 });
    assert.deepEqual(verdicts('TRL-PERF-001', { 't.json': arm(fixed) }), [
      'failed ws/ep1/blue: properties.scaleSettings.scaleType is default: 2 fixed instance(s) whatever the load',
    ]);
    const autoscale = (enabled: boolean) => ({
      type: 'Microsoft.Insights/autoscalesettings',
      name: 'blue-autoscale',
      properties: {
        enabled,
        targetResourceUri: `[resourceId('${ml}/workspaces/onlineEndpoints/deployments', 'ws', 'ep1', 'blue')]`,
        profiles: [],
      },
    });
    assert.deepEqual(verdicts('TRL-PERF-001', { 't.json': arm(fixed, autoscale(true)) }), ['passed ws/ep1/blue:']);
    assert.deepEqual(verdicts('TRL-PERF-001', { 't.json': arm(fixed, autoscale(false)) }), [
      'failed ws/ep1/blue: properties.scaleSettings.scaleType is default: 2 fixed instance(s) whatever the load',
    ]);
  });
});

describe('TRL-PERF-002 concurrency and workers', () => {
  it('fails more workers than concurrent requests, passes a match; applies only with WORKER_COUNT', () => {
    assert.deepEqual(verdicts('TRL-PERF-002', { 'd.yml': deployment({ environment_variables: '{WORKER_COUNT: 4}' }) }), [
      'failed ep1/blue: environment_variables.WORKER_COUNT is 4 but request_settings.max_concurrent_requests_per_instance is 1',
    ]);
    assert.deepEqual(
      verdicts('TRL-PERF-002', {
        'd.yml': deployment({ environment_variables: '{WORKER_COUNT: 4}', request_settings: '{max_concurrent_requests_per_instance: 4}' }),
      }),
      ['passed ep1/blue:'],
    );
    assert.deepEqual(verdicts('TRL-PERF-002', { 'd.yml': deployment() }), []);
    assert.deepEqual(
      verdicts('TRL-PERF-002', {
        't.json': arm(
          armDeployment({ environmentVariables: { WORKER_COUNT: '2' }, requestSettings: { maxConcurrentRequestsPerInstance: 1 } }),
        ),
      }),
      [
        'failed ws/ep1/blue: properties.environmentVariables.WORKER_COUNT is 2 but properties.requestSettings.maxConcurrentRequestsPerInstance is 1',
      ],
    );
  });
});

describe('TRL-PERF-003 job chooses its compute', () => {
  it('fails a job with neither compute nor instance type, passes either', () => {
    assert.deepEqual(verdicts('TRL-PERF-003', { 'j.yml': job() }), ['failed train: neither compute nor resources.instance_type is set']);
    assert.deepEqual(verdicts('TRL-PERF-003', { 'j.yml': job({ compute: 'azureml:cpu' }) }), ['passed train:']);
    assert.deepEqual(verdicts('TRL-PERF-003', { 'j.yml': job({ resources: '{instance_type: Standard_NC6s_v3}' }) }), ['passed train:']);
    assert.deepEqual(verdicts('TRL-PERF-003', { 's.yml': sweep({ compute: undefined }) }), [
      'failed tune: neither compute nor resources.instance_type is set',
    ]);
    const armJob = (properties: Record<string, unknown>) =>
      arm({ type: `${ml}/workspaces/jobs`, name: 'ws/train', properties: { jobType: 'Command', ...properties } });
    assert.deepEqual(verdicts('TRL-PERF-003', { 't.json': armJob({}) }), [
      'failed ws/train: neither properties.computeId nor properties.resources.instanceType is set',
    ]);
    assert.deepEqual(verdicts('TRL-PERF-003', { 't.json': armJob({ computeId: "[parameters('compute')]" }) }), ['passed ws/train:']);
  });
});

describe('TRL-PERF-004 training on a cluster', () => {
  it('fails a job on a compute instance, passes one on a cluster, is unknown without the compute file', () => {
    const instance = yaml({ name: 'ci', type: 'computeinstance' });
    assert.deepEqual(verdicts('TRL-PERF-004', { 'j.yml': job({ compute: 'azureml:ci' }), 'ci.yml': instance }), [
      "failed train: its compute 'ci' is a compute instance",
    ]);
    assert.deepEqual(verdicts('TRL-PERF-004', { 's.yml': sweep(), 'cpu.yml': cluster() }), ['passed tune:']);
    assert.deepEqual(verdicts('TRL-PERF-004', { 'j.yml': job({ compute: 'azureml:gpu' }) }), [
      "unknown train: its compute 'gpu' is not among the files checked; check them together",
    ]);
  });
});

describe('TRL-PERF-005 sweep parallelism and cluster size', () => {
  it('fails more concurrent trials than nodes, passes no more', () => {
    assert.deepEqual(
      verdicts('TRL-PERF-005', { 's.yml': sweep({ limits: '{max_concurrent_trials: 8}' }), 'cpu.yml': cluster({ max_instances: '4' }) }),
      ["failed tune: limits.max_concurrent_trials is 8 but compute 'cpu' has max_instances 4"],
    );
    assert.deepEqual(
      verdicts('TRL-PERF-005', { 's.yml': sweep({ limits: '{max_concurrent_trials: 4}' }), 'cpu.yml': cluster({ max_instances: '4' }) }),
      ['passed tune:'],
    );
    assert.deepEqual(verdicts('TRL-PERF-005', { 's.yml': sweep(), 'cpu.yml': cluster() }), []);
  });

  it('reads an ARM sweep and cluster', () => {
    const template = arm(
      {
        type: `${ml}/workspaces/computes`,
        name: 'ws/gpu',
        properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 2 } } },
      },
      {
        type: `${ml}/workspaces/jobs`,
        name: 'ws/tune',
        properties: { jobType: 'Sweep', computeId: 'azureml:gpu', limits: { jobLimitsType: 'Sweep', maxConcurrentTrials: 6 } },
      },
    );
    assert.deepEqual(verdicts('TRL-PERF-005', { 't.json': template }), [
      "failed ws/tune: properties.limits.maxConcurrentTrials is 6 but compute 'ws/gpu' has properties.properties.scaleSettings.maxNodeCount 2",
    ]);
  });
});
