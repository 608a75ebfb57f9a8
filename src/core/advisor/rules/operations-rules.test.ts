import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageTag } from './operations-rules.js';
import { armTemplate as arm, azureMlFile, ml, verdicts, yamlFile as yaml } from '../../../../test/support/advisor-files.js';

const deployment = azureMlFile.onlineDeployment;
const armDeployment = (properties: Record<string, unknown>) =>
  arm({ type: `${ml}/workspaces/onlineEndpoints/deployments`, name: 'ws/ep1/blue', properties });

describe('TRL-OPS-001 inference data collection', () => {
  it('fails a deployment that collects nothing, passes one with an enabled collection', () => {
    assert.deepEqual(verdicts('TRL-OPS-001', { 'd.yml': deployment() }), ['failed ep1/blue: data_collector enables no collection']);
    assert.deepEqual(
      verdicts('TRL-OPS-001', { 'd.yml': deployment({ data_collector: '{collections: {model_inputs: {enabled: false}}}' }) }),
      ['failed ep1/blue: data_collector.collections enables no collection'],
    );
    assert.deepEqual(
      verdicts('TRL-OPS-001', {
        'd.yml': deployment({ data_collector: '{collections: {model_inputs: {enabled: true}, model_outputs: {enabled: true}}}' }),
      }),
      ['passed ep1/blue:'],
    );
    assert.deepEqual(verdicts('TRL-OPS-001', { 't.json': armDeployment({}) }), [
      'failed ws/ep1/blue: properties.dataCollector enables no collection',
    ]);
    assert.deepEqual(
      verdicts('TRL-OPS-001', {
        't.json': armDeployment({ dataCollector: { collections: { model_inputs: { dataCollectionMode: 'Enabled' } } } }),
      }),
      ['passed ws/ep1/blue:'],
    );
  });
});

describe('TRL-OPS-002 Application Insights', () => {
  it('fails a deployment without it, passes one with it', () => {
    assert.deepEqual(verdicts('TRL-OPS-002', { 'd.yml': deployment() }), [
      'failed ep1/blue: app_insights_enabled is not set (default: false)',
    ]);
    assert.deepEqual(verdicts('TRL-OPS-002', { 'd.yml': deployment({ app_insights_enabled: 'true' }) }), ['passed ep1/blue:']);
    assert.deepEqual(verdicts('TRL-OPS-002', { 't.json': armDeployment({ appInsightsEnabled: false }) }), [
      'failed ws/ep1/blue: properties.appInsightsEnabled is false',
    ]);
    assert.deepEqual(verdicts('TRL-OPS-002', { 't.json': armDeployment({ appInsightsEnabled: true }) }), ['passed ws/ep1/blue:']);
  });
});

describe('TRL-OPS-003 image tag', () => {
  const environment = (image: string) =>
    yaml({ $schema: 'https://azuremlschemas.azureedge.net/latest/environment.schema.json', name: 'env', image });
  it('fails an untagged or latest image, passes a fixed tag or a digest; checks inline environments too', () => {
    assert.deepEqual(verdicts('TRL-OPS-003', { 'e.yml': environment('mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04') }), [
      'failed env: image mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04 has no tag (it means latest)',
    ]);
    assert.deepEqual(verdicts('TRL-OPS-003', { 'e.yml': environment('python:latest') }), [
      'failed env: image python:latest is tagged latest',
    ]);
    assert.deepEqual(verdicts('TRL-OPS-003', { 'e.yml': environment('mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1') }), [
      'passed env:',
    ]);
    const job = yaml({ type: 'command', name: 'train', command: 'python t.py', environment: '{image: "localhost:5000/trainer"}' });
    assert.deepEqual(verdicts('TRL-OPS-003', { 'j.yml': job }), [
      'failed train/environment: environment.image localhost:5000/trainer has no tag (it means latest)',
    ]);
    const version = (image: string) => arm({ type: `${ml}/registries/environments/versions`, name: 'shared/env/1', properties: { image } });
    assert.deepEqual(verdicts('TRL-OPS-003', { 't.json': version('python@sha256:abc') }), ['passed shared/env/1:']);
    assert.deepEqual(verdicts('TRL-OPS-003', { 't.json': version('python') }), [
      'failed shared/env/1: properties.image python has no tag (it means latest)',
    ]);
  });

  it('tells a tag from a registry port', () => {
    assert.equal(imageTag('localhost:5000/trainer'), undefined);
    assert.equal(imageTag('localhost:5000/trainer:1.2'), '1.2');
    assert.equal(imageTag('trainer@sha256:0abc'), 'digest');
  });
});

describe('TRL-OPS-004 registered model', () => {
  it('fails model files given with a deployment, passes a registered model', () => {
    assert.deepEqual(verdicts('TRL-OPS-004', { 'd.yml': deployment({ model: '{path: ./model, type: mlflow_model}' }) }), [
      "failed ep1/blue: model gives the model's files (./model) instead of a registered model",
    ]);
    assert.deepEqual(verdicts('TRL-OPS-004', { 'd.yml': deployment() }), ['passed ep1/blue:']);
    const batch = arm({
      type: `${ml}/workspaces/batchEndpoints/deployments`,
      name: 'ws/scoring/nightly',
      properties: { model: { referenceType: 'DataPath', datastoreId: '/datastores/x', path: 'model' } },
    });
    assert.deepEqual(verdicts('TRL-OPS-004', { 't.json': batch }), [
      "failed ws/scoring/nightly: properties.model gives the model's files (DataPath) instead of a registered model",
    ]);
  });
});

describe('TRL-OPS-005 workspace resource logs', () => {
  const workspace = { type: `${ml}/workspaces`, name: 'ws', properties: {} };
  it('fails an ARM workspace without a diagnostic setting; passes one with logs enabled, in either form', () => {
    assert.deepEqual(verdicts('TRL-OPS-005', { 't.json': arm(workspace) }), [
      'failed ws: no diagnostic setting in the template sends its resource logs',
    ]);
    const extension = {
      type: 'Microsoft.Insights/diagnosticSettings',
      name: 'logs',
      scope: `[resourceId('${ml}/workspaces', 'ws')]`,
      properties: { logs: [{ categoryGroup: 'allLogs', enabled: true }] },
    };
    assert.deepEqual(verdicts('TRL-OPS-005', { 't.json': arm(workspace, extension) }), ['passed ws:']);
    const nested = {
      ...workspace,
      resources: [
        {
          type: 'providers/diagnosticSettings',
          name: 'Microsoft.Insights/logs',
          properties: { logs: [{ category: 'AmlComputeJobEvent', enabled: true }] },
        },
      ],
    };
    assert.deepEqual(verdicts('TRL-OPS-005', { 't.json': arm(nested) }), ['passed ws:']);
    const disabled = { ...extension, properties: { logs: [{ categoryGroup: 'allLogs', enabled: false }] } };
    assert.deepEqual(verdicts('TRL-OPS-005', { 't.json': arm(workspace, disabled) }), [
      'failed ws: no diagnostic setting in the template sends its resource logs',
    ]);
    const hidden = { ...extension, scope: "[parameters('workspaceId')]" };
    assert.deepEqual(verdicts('TRL-OPS-005', { 't.json': arm(workspace, hidden) }), [
      "unknown ws: a diagnostic setting's target or logs are [parameters('workspaceId')]: an ARM expression, known only when the template is deployed",
    ]);
  });

  it('does not apply to YAML workspaces', () => {
    const workspaceFile = yaml({ $schema: 'https://azuremlschemas.azureedge.net/latest/workspace.schema.json', name: 'ws' });
    assert.deepEqual(verdicts('TRL-OPS-005', { 'ws.yml': workspaceFile }), []);
  });
});
