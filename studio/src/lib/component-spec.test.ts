import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { componentCode, componentEnvironment, componentInputs, componentOutputs, isDeterministic } from './component-spec.js';

describe('component spec', () => {
  it('reads each input with its type, default, bounds and allowed values', () => {
    const inputs = componentInputs({
      inputs: {
        epochs: { type: 'integer', min: 1, max: 100, default: 10 },
        optimizer: { type: 'string', enum: ['adam', 'sgd'], description: 'the optimizer' },
        data: { type: 'uri_folder', optional: true, mode: 'ro_mount' },
      },
    });
    assert.deepEqual(inputs, [
      {
        name: 'epochs',
        type: 'integer',
        default: '10',
        isOptional: false,
        min: '1',
        max: '100',
        enum: undefined,
        mode: undefined,
        description: undefined,
      },
      {
        name: 'optimizer',
        type: 'string',
        default: undefined,
        isOptional: false,
        min: undefined,
        max: undefined,
        enum: ['adam', 'sgd'],
        mode: undefined,
        description: 'the optimizer',
      },
      {
        name: 'data',
        type: 'uri_folder',
        default: undefined,
        isOptional: true,
        min: undefined,
        max: undefined,
        enum: undefined,
        mode: 'ro_mount',
        description: undefined,
      },
    ]);
  });

  it('reads outputs, uri_folder unless typed', () => {
    assert.deepEqual(componentOutputs({ outputs: { model: { type: 'mlflow_model' }, logs: {} } }), [
      { name: 'model', type: 'mlflow_model', mode: undefined, description: undefined },
      { name: 'logs', type: 'uri_folder', mode: undefined, description: undefined },
    ]);
  });

  it('says the environment: a reference as written, an inline one by what it is built from', () => {
    assert.equal(componentEnvironment({ environment: 'azureml:trellis-node@latest' }), 'azureml:trellis-node@latest');
    assert.equal(componentEnvironment({ environment: { name: 'inline', image: 'python' } }), 'inline: image python');
    assert.equal(
      componentEnvironment({ environment: { image: 'python:3.11', conda_file: { dependencies: [] } } }),
      'inline: image python:3.11, with a conda file',
    );
    assert.equal(componentEnvironment({ environment: { build: { path: './docker' } } }), 'inline: built from ./docker');
  });

  it('finds the folder the code was uploaded from in the status', () => {
    const spec = { code: 'trellis://folders/sha256:abc' };
    assert.deepEqual(componentCode(spec, { content: [{ path: 'code', uploadedFrom: './src' }] }), {
      address: 'trellis://folders/sha256:abc',
      uploadedFrom: './src',
    });
    assert.deepEqual(componentCode(spec, {}), { address: 'trellis://folders/sha256:abc', uploadedFrom: undefined });
    assert.equal(componentCode({}, {}), undefined);
  });

  it('is deterministic unless the file says false', () => {
    assert.equal(isDeterministic({}), true);
    assert.equal(isDeterministic({ is_deterministic: false }), false);
  });
});
