import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSweepFile } from '../azureml/parse-sweep-file.js';
import { searchSpaceReferences, trialCommand, trialJobFields } from './trial-job.js';

describe('trialCommand', () => {
  it('puts each hyperparameter in its place, spaces inside the braces allowed, booleans as Python prints them', () => {
    assert.equal(
      trialCommand(
        'python train.py --lr ${{search_space.lr}} --kernel ${{ search_space.kernel }} --shuffle ${{search_space.shuffle}} --a ${{inputs.a}}',
        {
          lr: 0.01,
          kernel: 'rbf',
          shuffle: true,
        },
      ),
      'python train.py --lr 0.01 --kernel rbf --shuffle True --a ${{inputs.a}}',
    );
  });

  it('lists the names a command refers to, once each', () => {
    assert.deepEqual(searchSpaceReferences('a ${{search_space.x}} ${{search_space.y}} ${{search_space.x}} ${{inputs.z}}'), ['x', 'y']);
  });
});

describe('trialJobFields', () => {
  it("makes a trial's command job from the trial, the sweep's inputs, outputs and compute, and trial_timeout", () => {
    const { sweep, searchSpace } = parseSweepFile(
      [
        'type: sweep',
        'name: tune',
        'compute: azureml:cpu-cluster',
        'trial:',
        '  code: src',
        '  command: python main.py --data ${{inputs.data}} --C ${{search_space.C}}',
        '  environment: azureml:AzureML-sklearn-1.5@latest',
        '  environment_variables: {A: "1"}',
        'inputs:',
        '  data: {type: uri_file, path: https://example.com/iris.csv}',
        'outputs:',
        '  model: {type: uri_folder}',
        'search_space:',
        '  C: {type: uniform, min_value: 0.1, max_value: 1}',
        'sampling_algorithm: random',
        'objective: {goal: maximize, primary_metric: accuracy}',
        'limits: {max_total_trials: 4, trial_timeout: 60}',
      ].join('\n'),
      'sweep.yml',
    );
    const fields = trialJobFields({ ...sweep, name: 'tune', search_space: searchSpace }, 'iris', 3, { C: 0.5 });
    assert.equal(fields.name, 'tune_3');
    assert.equal(fields.command, 'python main.py --data ${{inputs.data}} --C 0.5');
    assert.equal(fields.compute, 'azureml:cpu-cluster');
    assert.equal(fields.code, 'src');
    assert.equal(fields.experiment_name, 'iris');
    assert.deepEqual(fields.limits, { timeout: 60 });
    assert.deepEqual(fields.environment_variables, { A: '1' });
    assert.deepEqual(Object.keys(fields.inputs ?? {}), ['data']);
    assert.deepEqual(Object.keys(fields.outputs ?? {}), ['model']);
  });
});
