import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRuntime } from './runtime-choice.js';

describe('runtime choice', () => {
  it('follows the scoring script when there is one', () => {
    assert.deepEqual(chooseRuntime(['model.pkl'], 'score.py'), { runtime: 'python-script' });
    assert.deepEqual(chooseRuntime(['model.onnx'], 'score.mjs'), { runtime: 'node-script' });
    assert.match((chooseRuntime([], 'score.rb') as { error: string }).error, /neither Python/);
  });

  it('serves an MLflow model or a single .onnx file with no code', () => {
    assert.deepEqual(chooseRuntime(['MLmodel', 'model.pkl', 'conda.yaml'], undefined), { runtime: 'mlflow' });
    assert.deepEqual(chooseRuntime(['iris.onnx'], undefined), { runtime: 'onnx' });
  });

  it('says what the model holds and what to add when it cannot serve it', () => {
    assert.match((chooseRuntime(['a.onnx', 'b.onnx'], undefined) as { error: string }).error, /2 \.onnx files/);
    const error = (chooseRuntime(['model.pkl'], undefined) as { error: string }).error;
    assert.match(error, /holds model\.pkl/);
    assert.match(error, /code_configuration/);
  });
});
