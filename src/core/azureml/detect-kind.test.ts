import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectKind } from './detect-kind.js';

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
