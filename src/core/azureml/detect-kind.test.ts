import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectFileKind, detectKind } from './detect-kind.js';

const latest = (name: string) => `https://azuremlschemas.azureedge.net/latest/${name}.schema.json`;

describe('detectKind', () => {
  it('reads the kind from $schema', () => {
    const cases: [string, string][] = [
      ['workspace', 'workspace'],
      ['environment', 'environment'],
      ['data', 'data'],
      ['code', 'code'],
      ['model', 'model'],
      ['amlCompute', 'compute'],
      ['computeInstance', 'compute'],
      ['vmCompute', 'compute'],
      ['kubernetesCompute', 'compute'],
    ];
    for (const [name, kind] of cases) assert.deepEqual(detectKind({ $schema: latest(name) }), { kind, from: '$schema' });
    assert.equal(detectKind({ $schema: ' https://azuremlschemas.azureedge.net/development/Model.schema.json?x=1 ' }).kind, 'model');
  });

  it('prefers $schema over type', () => {
    assert.deepEqual(detectKind({ $schema: latest('data'), type: 'mlflow_model' }), { kind: 'data', from: '$schema' });
  });

  it('falls back to type, ignoring case', () => {
    const cases: [string, string][] = [
      ['amlcompute', 'compute'],
      ['ComputeInstance', 'compute'],
      ['kubernetes', 'compute'],
      ['virtualmachine', 'compute'],
      ['synapsespark', 'compute'],
      ['slurm', 'compute'],
      ['uri_file', 'data'],
      ['uri_folder', 'data'],
      ['mltable', 'data'],
      ['custom_model', 'model'],
      ['mlflow_model', 'model'],
      ['triton_model', 'model'],
    ];
    for (const [type, kind] of cases) assert.deepEqual(detectKind({ type }), { kind, from: 'type' });
  });

  it('reads hub and project workspaces from kind', () => {
    assert.deepEqual(detectKind({ kind: 'hub' }), { kind: 'workspace', from: 'kind' });
    assert.deepEqual(detectKind({ kind: 'Project' }), { kind: 'workspace', from: 'kind' });
  });

  it('ignores a $schema it does not know, as Azure ML does', () => {
    assert.deepEqual(detectKind({ $schema: 'https://example.com/mine.json', type: 'uri_file' }), { kind: 'data', from: 'type' });
  });

  it('names other Azure ML file kinds', () => {
    const detection = detectKind({ $schema: latest('managedOnlineEndpoint') });
    assert.equal(detection.kind, null);
    assert.ok(detection.kind === null && detection.isOtherKind);
    assert.match(detection.kind === null ? detection.problem.message : '', /this file is an online endpoint/);
    const dataImport = detectKind({ $schema: 'http://azureml/sdk-2-0/DataImport.json', type: 'mltable' });
    assert.match(dataImport.kind === null ? dataImport.problem.message : '', /data import/);
  });

  it('says how to fix an undetectable kind', () => {
    const detection = detectKind({ name: 'x', type: 'command' });
    assert.ok(detection.kind === null && !detection.isOtherKind);
    assert.match(detection.problem.message, /add \$schema .*trellis <kind> create --file/);
  });
});

describe('detectFileKind', () => {
  it('reads endpoint and deployment kinds from $schema', () => {
    const cases: [string, string][] = [
      ['managedOnlineEndpoint', 'online-endpoint'],
      ['kubernetesOnlineEndpoint', 'online-endpoint'],
      ['managedOnlineDeployment', 'online-deployment'],
      ['kubernetesOnlineDeployment', 'online-deployment'],
      ['batchEndpoint', 'batch-endpoint'],
      ['batchDeployment', 'batch-deployment'],
      ['modelBatchDeployment', 'batch-deployment'],
      ['pipelineComponentBatchDeployment', 'batch-deployment'],
      ['amlCompute', 'compute'],
    ];
    for (const [name, kind] of cases) assert.deepEqual(detectFileKind({ $schema: latest(name) }), { kind, from: '$schema' });
    // The SDK's own schema names, as in the data_collector examples of the Azure ML docs.
    assert.deepEqual(detectFileKind({ $schema: 'http://azureml/sdk-2-0/OnlineDeployment.json' }), {
      kind: 'online-deployment',
      from: '$schema',
    });
  });

  it('tells endpoints and deployments by their fields when there is no $schema', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'blue', endpoint_name: 'ep', instance_type: 'Standard_DS3_v2' }, 'online-deployment'],
      [{ name: 'blue', endpoint_name: 'ep', type: 'kubernetes', model: 'azureml:m:1' }, 'online-deployment'],
      [{ name: 'dpl', endpoint_name: 'ep', compute: 'azureml:cpu' }, 'batch-deployment'],
      [{ name: 'dpl', endpoint_name: 'ep', type: 'model' }, 'batch-deployment'],
      [{ name: 'dpl', endpoint_name: 'ep', mini_batch_size: 10 }, 'batch-deployment'],
      [{ name: 'ep', traffic: { blue: 100 } }, 'online-endpoint'],
      [{ name: 'ep', auth_mode: 'key' }, 'online-endpoint'],
      [{ name: 'ep', auth_mode: 'aad_token' }, 'batch-endpoint'],
      [{ name: 'ep', defaults: { deployment_name: 'dpl' } }, 'batch-endpoint'],
    ];
    for (const [document, kind] of cases) assert.deepEqual(detectFileKind(document), { kind, from: 'fields' }, JSON.stringify(document));
    // A Kubernetes compute is still a compute.
    assert.deepEqual(detectFileKind({ name: 'k8s', type: 'kubernetes' }), { kind: 'compute', from: 'type' });
  });

  it('says how to tell an online deployment from a batch one', () => {
    const detection = detectFileKind({ name: 'blue', endpoint_name: 'ep', model: 'azureml:m:1' });
    assert.ok(detection.kind === null && !detection.isOtherKind);
    assert.match(detection.problem.message, /a deployment \(it has endpoint_name\), but not whether online or batch; add \$schema/);
  });

  it('leaves endpoints to their own command in detectKind', () => {
    const byFields = detectKind({ name: 'blue', endpoint_name: 'ep', instance_count: 1 });
    assert.ok(byFields.kind === null && byFields.isOtherKind);
    assert.match(byFields.problem.message, /this file is an online deployment, .*; create it with trellis online-deployment create --file/);
    const undecided = detectKind({ name: 'blue', endpoint_name: 'ep' });
    assert.ok(undecided.kind === null && undecided.isOtherKind);
  });
});
