import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { differingParts, reuseExplanation, reuseKeyOf, type StepContent } from './reuse-key.js';

const train: StepContent = {
  command: 'python train.py --epochs ${{inputs.epochs}} --data ${{inputs.data}}',
  code: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
  environment: 'trellis-python-sklearn:1',
  settings: { environment_variables: { SEED: '1' } },
  inputs: { epochs: { literal: 10 }, data: { content: 'sha256:2222222222222222222222222222222222222222222222222222222222222222' } },
  outputs: { model: { type: 'uri_folder' } },
};

describe('reuse keys of pipeline steps', () => {
  it('are equal for the same content, whatever the order of inputs', () => {
    const reordered: StepContent = { ...train, inputs: { data: train.inputs.data!, epochs: train.inputs.epochs! } };
    assert.equal(reuseKeyOf(reordered).key, reuseKeyOf(train).key);
    assert.deepEqual(differingParts(reuseKeyOf(reordered), reuseKeyOf(train)), []);
  });

  it('name each part that changed: a parameter, an input file, the code; an input added or removed', () => {
    const changed: StepContent = {
      ...train,
      code: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
      inputs: { epochs: { literal: 20 }, data: train.inputs.data!, lr: { literal: 0.1 } },
    };
    assert.notEqual(reuseKeyOf(changed).key, reuseKeyOf(train).key);
    assert.deepEqual(differingParts(reuseKeyOf(changed), reuseKeyOf(train)), ['code', 'inputs.epochs', 'inputs.lr (added)']);
    const fewer: StepContent = { ...train, inputs: { epochs: train.inputs.epochs! } };
    assert.deepEqual(differingParts(reuseKeyOf(fewer), reuseKeyOf(train)), ['inputs.data (removed)']);
    // A literal 10 and the text "10" are different parameters.
    const text: StepContent = { ...train, inputs: { ...train.inputs, epochs: { literal: '10' } } };
    assert.deepEqual(differingParts(reuseKeyOf(text), reuseKeyOf(train)), ['inputs.epochs']);
  });

  it('say in words why a step was reused or ran', () => {
    assert.equal(reuseExplanation({ reused: true, from: 'p1-train' }), 'reused: the same as job p1-train, whose outputs it passes on');
    assert.equal(
      reuseExplanation({ reused: false, why: 'changed', since: 'p1-train', parts: ['inputs.data'] }),
      'ran: inputs.data changed since job p1-train',
    );
    // The same key as a job that had not completed: nothing to reuse, and nothing changed.
    assert.equal(
      reuseExplanation({ reused: false, why: 'changed', since: 'p1-train', parts: [] }),
      'ran: the same as job p1-train, which had not completed, so had no outputs to reuse',
    );
    assert.equal(reuseExplanation({ reused: false, why: 'forced' }), 'ran: force_rerun is set');
    assert.equal(reuseExplanation({ reused: false, why: 'first' }), 'ran: no earlier run of the same step to reuse');
  });
});
