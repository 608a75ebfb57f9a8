import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipelineInputs, pipelineOutputs, pipelineSettings, stepBindings, stepComponents } from './pipeline-spec.js';

// A pipeline's spec as the API sends it: the file, each step's bindings parsed beside its inputs and outputs.
const spec = {
  type: 'pipeline',
  settings: { default_compute: 'azureml:cpu-cluster', continue_on_step_failure: true },
  inputs: {
    rows: 100,
    raw: { type: 'uri_folder', path: 'azureml:raw-data:2', mode: 'ro_mount' },
  },
  outputs: { model: { type: 'mlflow_model', name: 'trained', mode: 'upload' } },
  jobs: {
    prep: {
      command: 'python prep.py',
      inputBindings: { raw: { kind: 'pipelineInput', name: 'raw' } },
      outputBindings: {},
    },
    train: {
      command: 'python train.py',
      component: 'train:3',
      inputBindings: {
        clean: { kind: 'stepOutput', step: 'prep', name: 'clean' },
        rows: { kind: 'pipelineInput', name: 'rows' },
      },
      outputBindings: { model: 'model' },
    },
  },
};

describe('pipeline spec', () => {
  it('says each input: a literal as written, a data input with its path and mode', () => {
    assert.deepEqual(pipelineInputs(spec), [
      { name: 'rows', value: '100' },
      { name: 'raw', value: 'uri_folder azureml:raw-data:2 (ro_mount)' },
    ]);
  });

  it('says each output with the asset name it asks for and the step outputs that write it', () => {
    assert.deepEqual(pipelineOutputs(spec), [
      { name: 'model', type: 'mlflow_model', mode: 'upload', assetName: 'trained', writtenBy: ['train.model'] },
    ]);
  });

  it('lists the settings as written', () => {
    assert.deepEqual(pipelineSettings(spec), [
      { name: 'default_compute', value: 'azureml:cpu-cluster' },
      { name: 'continue_on_step_failure', value: 'true' },
    ]);
  });

  it("joins steps by the outputs they read, not the pipeline's inputs", () => {
    assert.deepEqual(stepBindings(spec), [{ from: 'prep', output: 'clean', to: 'train', input: 'clean' }]);
    assert.deepEqual([...stepComponents(spec)], [['train', 'train:3']]);
  });

  it('reads a spec without these parts as having none', () => {
    for (const empty of [{}, { inputs: 'odd', jobs: { a: 'odd' } }]) {
      assert.deepEqual(pipelineInputs(empty), []);
      assert.deepEqual(pipelineOutputs(empty), []);
      assert.deepEqual(pipelineSettings(empty), []);
      assert.deepEqual(stepBindings(empty), []);
      assert.equal(stepComponents(empty).size, 0);
    }
  });
});
