import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePipelineFile } from '../azureml/parse-pipeline-file.js';
import { isTrellisError } from '../errors.js';
import { checkBindingTypes } from './binding-types.js';

/** A pipeline with a step `train` running an inline component with the given inputs, bound as given. */
function pipeline(componentInputs: string, stepInputs: string, pipelineInputs = ''): string {
  return `type: pipeline
${pipelineInputs ? `inputs:\n${pipelineInputs}\n` : ''}jobs:
  prep:
    command: echo > \${{outputs.clean}}/x
    environment: azureml:trellis-python@latest
    outputs:
      clean: {type: uri_folder}
  train:
    component:
      type: command
      name: train
      version: 2
      command: echo
      environment: azureml:trellis-python@latest
      inputs:
${componentInputs}
    inputs:
${stepInputs}
`;
}

function problemsOf(text: string): string[] {
  try {
    parsePipelineFile(text, 'pipeline.yml');
  } catch (error) {
    assert.ok(isTrellisError(error) && error.status === 422, String(error));
    return error.problems.map((problem) => `${problem.path}@${problem.line ?? '?'}: ${problem.message}`);
  }
  return [];
}

describe('checkBindingTypes', () => {
  it('refuses a uri_folder output bound to an integer input, naming the field, both types and what fits', () => {
    const problems = problemsOf(
      pipeline('        epochs: {type: integer}', '      epochs: ${{parent.jobs.prep.outputs.clean}}', '  rounds: 3\n  rate: 0.5'),
    );
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0]!, /^jobs\.train\.inputs\.epochs@\d+: /);
    assert.match(
      problems[0]!,
      /\$\{\{parent\.jobs\.prep\.outputs\.clean\}\} is uri_folder data, which cannot go into the literal input 'epochs' of component train:2 \(integer\)/,
    );
    assert.match(problems[0]!, /pipeline inputs that fit integer: \$\{\{parent\.inputs\.rounds\}\}$/);
  });

  it('refuses a literal pipeline input bound to a data input, and a value the input does not take', () => {
    const problems = problemsOf(
      pipeline(
        '        data: {type: uri_folder}\n        epochs: {type: integer, max: 10}\n        schedule: {type: string, enum: [step, time-based]}',
        '      data: ${{parent.inputs.rate}}\n      epochs: ${{parent.inputs.rounds}}\n      schedule: ${{parent.inputs.schedule}}',
        '  rounds: 30\n  rate: 0.5\n  schedule: weekly',
      ),
    );
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(
      problems.join('\n'),
      /inputs\.data@\d+: \$\{\{parent\.inputs\.rate\}\} gives a number value \(0\.5\), not data, to input 'data'.*data that fits: \$\{\{parent\.jobs\.prep\.outputs\.clean\}\}/,
    );
    assert.match(problems.join('\n'), /inputs\.epochs@\d+: .*gives 30, which does not fit: the value must be at most 10, got 30/);
    assert.match(problems.join('\n'), /inputs\.schedule@\d+: .*must be one of step, time-based, got "weekly"/);
  });

  it('accepts data of any type into data inputs, integers into numbers, and typed pipeline inputs that fit', () => {
    const text = pipeline(
      '        table: {type: mltable}\n        rate: {type: number}\n        rounds: {type: integer}',
      '      table: ${{parent.jobs.prep.outputs.clean}}\n      rate: ${{parent.inputs.rounds}}\n      rounds: ${{parent.inputs.typed}}',
      '  rounds: 3\n  typed: {type: integer, default: 4}',
    );
    assert.deepEqual(problemsOf(text), []);
    assert.deepEqual(checkBindingTypes(parsePipelineFile(text, 'pipeline.yml').pipeline), []);
  });
});
