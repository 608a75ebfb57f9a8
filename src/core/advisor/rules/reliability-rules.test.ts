import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { armTemplate as arm, azureMlFile, type Fields, ml, verdicts } from '../../../../test/support/advisor-files.js';

const deployment = azureMlFile.onlineDeployment;
const batchDeployment = (fields: Fields = {}) => azureMlFile.batchDeployment({ compute: 'azureml:cpu', ...fields });
const cluster = azureMlFile.cluster;
const job = (fields: Fields = {}) => azureMlFile.commandJob({ compute: 'azureml:cpu', ...fields });

describe('TRL-REL-001 online deployment redundancy', () => {
  it('fails fewer than 3 instances, fixed or as the autoscale floor; passes 3', () => {
    assert.deepEqual(verdicts('TRL-REL-001', { 'd.yml': deployment({ instance_count: '1' }) }), ['failed ep1/blue: instance_count is 1']);
    assert.deepEqual(verdicts('TRL-REL-001', { 'd.yml': deployment() }), ['passed ep1/blue:']);
    assert.deepEqual(
      verdicts('TRL-REL-001', {
        'd.yml': deployment({ instance_count: '2', scale_settings: '{type: target_utilization, min_instances: 2, max_instances: 6}' }),
      }),
      ['failed ep1/blue: scale_settings.min_instances is 2'],
    );
  });

  it('reads sku.capacity and scaleSettings.minInstances in ARM', () => {
    const armDeployment = (extra: Record<string, unknown>) =>
      arm({ type: `${ml}/workspaces/onlineEndpoints/deployments`, name: 'ws/ep1/blue', properties: {}, ...extra });
    assert.deepEqual(verdicts('TRL-REL-001', { 't.json': armDeployment({}) }), [
      'failed ws/ep1/blue: sku.capacity is not set (default: 1)',
    ]);
    assert.deepEqual(verdicts('TRL-REL-001', { 't.json': armDeployment({ sku: { name: 'Default', capacity: 3 } }) }), [
      'passed ws/ep1/blue:',
    ]);
    assert.deepEqual(
      verdicts('TRL-REL-001', {
        't.json': armDeployment({ properties: { scaleSettings: { scaleType: 'TargetUtilization', minInstances: "[parameters('min')]" } } }),
      }),
      [
        "unknown ws/ep1/blue: properties.scaleSettings.minInstances is [parameters('min')]: an ARM expression, known only when the template is deployed",
      ],
    );
  });
});

describe('TRL-REL-002 batch deployment on dedicated nodes', () => {
  it('fails a low-priority cluster, passes a dedicated one, is unknown without the compute file', () => {
    assert.deepEqual(verdicts('TRL-REL-002', { 'b.yml': batchDeployment(), 'cpu.yml': cluster({ tier: 'low_priority' }) }), [
      "failed scoring/nightly: its compute 'cpu' has tier low_priority",
    ]);
    assert.deepEqual(verdicts('TRL-REL-002', { 'b.yml': batchDeployment(), 'cpu.yml': cluster() }), ['passed scoring/nightly:']);
    assert.deepEqual(verdicts('TRL-REL-002', { 'b.yml': batchDeployment() }), [
      "unknown scoring/nightly: its compute 'cpu' is not among the files checked; check them together",
    ]);
    assert.deepEqual(verdicts('TRL-REL-002', { 'b.yml': batchDeployment({ compute: undefined }) }), []);
  });

  it('relates an ARM batch deployment to its cluster by the compute id', () => {
    const template = arm(
      {
        type: `${ml}/workspaces/computes`,
        name: 'ws/cpu',
        properties: { computeType: 'AmlCompute', properties: { vmPriority: 'LowPriority' } },
      },
      {
        type: `${ml}/workspaces/batchEndpoints/deployments`,
        name: 'ws/scoring/nightly',
        properties: { compute: `[resourceId('${ml}/workspaces/computes', 'ws', 'cpu')]` },
      },
    );
    assert.deepEqual(verdicts('TRL-REL-002', { 't.json': template }), [
      "failed ws/scoring/nightly: its compute 'ws/cpu' has properties.properties.vmPriority low_priority",
    ]);
  });
});

describe('TRL-REL-003 job fits its cluster', () => {
  it('fails a job asking for more nodes than max_instances, passes one that fits', () => {
    assert.deepEqual(
      verdicts('TRL-REL-003', { 'j.yml': job({ resources: '{instance_count: 8}' }), 'cpu.yml': cluster({ max_instances: '4' }) }),
      ["failed train: resources.instance_count is 8 but compute 'cpu' has max_instances 4: the job can never start"],
    );
    assert.deepEqual(
      verdicts('TRL-REL-003', { 'j.yml': job({ resources: '{instance_count: 4}' }), 'cpu.yml': cluster({ max_instances: '4' }) }),
      ['passed train:'],
    );
    assert.deepEqual(verdicts('TRL-REL-003', { 'j.yml': job({ compute: undefined }) }), []);
  });

  it('reads the node limit of an ARM cluster', () => {
    const template = arm(
      {
        type: `${ml}/workspaces/computes`,
        name: 'ws/cpu',
        properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 2 } } },
      },
      {
        type: `${ml}/workspaces/jobs`,
        name: 'ws/train',
        properties: { jobType: 'Command', computeId: 'azureml:cpu', resources: { instanceCount: 3 } },
      },
    );
    assert.deepEqual(verdicts('TRL-REL-003', { 't.json': template }), [
      "failed ws/train: properties.resources.instanceCount is 3 but compute 'ws/cpu' has properties.properties.scaleSettings.maxNodeCount 2: the job can never start",
    ]);
  });
});

describe('TRL-REL-004 batch retries', () => {
  it('fails max_retries 0, passes the default', () => {
    assert.deepEqual(verdicts('TRL-REL-004', { 'b.yml': batchDeployment({ settings: '{retry_settings: {max_retries: 0}}' }) }), [
      'failed scoring/nightly: settings.retry_settings.max_retries is 0',
    ]);
    assert.deepEqual(verdicts('TRL-REL-004', { 'b.yml': batchDeployment() }), ['passed scoring/nightly:']);
    const armBatch = (maxRetries: number) =>
      arm({
        type: `${ml}/workspaces/batchEndpoints/deployments`,
        name: 'ws/scoring/nightly',
        properties: { retrySettings: { maxRetries } },
      });
    assert.deepEqual(verdicts('TRL-REL-004', { 't.json': armBatch(0) }), [
      'failed ws/scoring/nightly: properties.retrySettings.maxRetries is 0',
    ]);
    assert.deepEqual(verdicts('TRL-REL-004', { 't.json': armBatch(2) }), ['passed ws/scoring/nightly:']);
  });
});

describe('TRL-REL-005 registry regions', () => {
  it('fails one region, passes two (ARM only)', () => {
    const registry = (...locations: string[]) =>
      arm({ type: `${ml}/registries`, name: 'shared', properties: { regionDetails: locations.map((location) => ({ location })) } });
    assert.deepEqual(verdicts('TRL-REL-005', { 't.json': registry('westeurope') }), [
      'failed shared: properties.regionDetails lists one region (westeurope)',
    ]);
    assert.deepEqual(verdicts('TRL-REL-005', { 't.json': registry('westeurope', 'northeurope') }), ['passed shared:']);
  });
});
