import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isTrellisError } from '../errors.js';
import { stepDependencies } from '../pipelines/pipeline-graph.js';
import { jobFileType, parsePipelineFile } from './parse-pipeline-file.js';

// The Azure ML examples, kept verbatim (see test/fixtures/azureml-examples/NOTICE.md).
const basics = fileURLToPath(new URL('../../../test/fixtures/azureml-examples/cli/jobs/basics/', import.meta.url));

/** The problems of a refused file, as 'path@line: message'. */
function refusal(text: string): string[] {
  try {
    parsePipelineFile(text, 'pipeline.yml');
  } catch (error) {
    assert.ok(isTrellisError(error) && error.status === 422, String(error));
    return error.problems.map((problem) => `${problem.path}@${problem.line ?? '?'}: ${problem.message}`);
  }
  assert.fail('the file was accepted');
}

describe('parsePipelineFile', () => {
  it('reads every hello-pipeline example of azureml-examples, with its steps and what they wait for', () => {
    const files = readdirSync(basics).filter((name) => name.startsWith('hello-pipeline'));
    assert.equal(files.length, 14);
    for (const file of files) {
      const text = readFileSync(join(basics, file), 'utf8');
      assert.equal(jobFileType(text, file), 'pipeline');
      const { pipeline } = parsePipelineFile(text, file);
      assert.ok(Object.keys(pipeline.jobs).length >= 1, file);
    }
    const abc = parsePipelineFile(readFileSync(join(basics, 'hello-pipeline-abc.yml'), 'utf8'), 'abc.yml').pipeline;
    assert.deepEqual(Object.fromEntries(stepDependencies(abc)), { a: [], b: [], c: ['b'] });
    assert.deepEqual(abc.jobs.a!.inputBindings, { hello_string: { kind: 'pipelineInput', name: 'hello_string_top_level_input' } });
    assert.equal(abc.settings?.default_compute, 'azureml:cpu-cluster');
    const file = parsePipelineFile(readFileSync(join(basics, 'hello-pipeline-customize-output-file.yml'), 'utf8'), 'f.yml').pipeline;
    assert.deepEqual(file.jobs.hello_world!.outputBindings, { output: 'output' });
    assert.equal(file.outputs?.output?.type, 'uri_file');
  });

  it('lists the local paths of every step and of the pipeline inputs, once each', () => {
    const text = [
      'type: pipeline',
      'inputs:',
      '  data: {type: uri_folder, path: ./data}',
      'jobs:',
      '  prep:',
      '    command: ls ${{inputs.raw}}',
      '    code: ./src',
      '    environment: azureml:trellis-python@latest',
      '    inputs:',
      '      raw: ${{parent.inputs.data}}',
      '  train:',
      '    command: ls',
      '    code: ./src',
      '    environment: azureml:trellis-python@latest',
      '',
    ].join('\n');
    assert.deepEqual(
      parsePipelineFile(text, 'p.yml').localPaths.map((local) => `${local.value}@${local.line}`),
      ['./data@3', './src@7'],
    );
  });

  it('refuses bindings that lead nowhere, a cycle and bad steps, listing every problem with its line', () => {
    const text = [
      'type: pipeline',
      'inputs:',
      '  rows: 10',
      'outputs:',
      '  final: {type: uri_folder}',
      'jobs:',
      '  a:',
      '    command: echo ${{inputs.x}}',
      '    environment: azureml:trellis-python@latest',
      '    inputs:',
      '      x: ${{parent.jobs.b.outputs.out}}',
      '      y: ${{parent.inputs.rowz}}',
      '      z: ${{parent.jobs.ghost.outputs.out}}',
      '    outputs:',
      '      out:',
      '  b:',
      '    command: echo',
      '    environment: azureml:trellis-python@latest',
      '    inputs:',
      '      x: ${{parent.jobs.a.outputs.missing}}',
      '      w: ${{parent.jobs.a.outputs.out}}',
      '    outputs:',
      '      out: ${{parent.outputs.finale}}',
      '',
    ].join('\n');
    assert.deepEqual(
      refusal(text),
      [
        "jobs.a.inputs.y@12: the pipeline has no input 'rowz'; its inputs: rows — declare it under the pipeline's inputs or fix the name",
        "jobs.a.inputs.z@13: there is no step 'ghost'; the steps: a, b",
        "jobs.b.inputs.x@20: step 'a' has no output 'missing'; its outputs: out — declare it under jobs.a.outputs or fix the name",
        "jobs.b.outputs.out@23: the pipeline has no output 'finale'; its outputs: final — declare it under the pipeline's outputs or fix the name",
        'jobs.a@7: the steps wait for each other in a cycle: a → b → a; a step can read only outputs of steps that do not read its own',
      ].sort((x, y) => Number(x.split('@')[1]!.split(':')[0]) - Number(y.split('@')[1]!.split(':')[0])),
    );

    const steps = refusal(
      [
        'type: pipeline',
        'jobs:',
        '  a:',
        '    command: echo',
        '    enviroment: azureml:trellis-python@latest',
        '  b:',
        '    type: parallel',
        '  c:',
        '    component: azureml:prep:1',
        '  d:',
        '    command: echo ${{inputs.x}}',
        '    environment: azureml:trellis-python@latest',
        '    inputs:',
        '      x: ${{parent.job.a.outputs.out}}',
        '',
      ].join('\n'),
    );
    assert.deepEqual(steps, [
      // Missing: located at its step, in the words a command job gets.
      'jobs.a.environment@3: must be an environment reference (azureml:<name>:<version> or azureml:<name>@latest) or an inline environment mapping',
      "jobs.a.enviroment@5: unknown field 'enviroment'; did you mean 'environment'?",
      // A parallel step needs its input_data and task (core/azureml/parallel-step-schema.ts).
      'jobs.b.input_data@6: is required',
      'jobs.b.task@6: is required',
      // The server puts registered components inline before parsing; a reference still here was never resolved.
      "jobs.c.component@9: component 'azureml:prep:1' was not resolved: name a registered one as azureml:<name>:<version> or azureml:<name>@latest, or a local file that trellis job create reads",
      "jobs.d.inputs.x@14: '${{parent.job.a.outputs.out}}' is not a binding Trellis can follow: use ${{parent.inputs.<name>}}, ${{parent.outputs.<name>}} or ${{parent.jobs.<step>.outputs.<name>}}",
    ]);
    assert.deepEqual(refusal('type: pipeline\njobs: {}\n'), ['jobs@2: a pipeline needs at least one step under jobs']);
  });

  it("runs a step's inline component as a command job: defaults filled, every input checked against its type, min, max and enum", () => {
    const component = [
      '    component:',
      '      name: train',
      '      version: 2',
      '      type: command',
      '      command: python train.py ${{inputs.epochs}} ${{inputs.optimizer}} ${{inputs.data}} ${{outputs.model}}',
      '      environment: azureml:trellis-python@latest',
      '      inputs:',
      '        epochs: {type: integer, min: 1, max: 100, default: 10}',
      '        optimizer: {type: string, enum: [adam, sgd], default: adam}',
      '        data: {type: uri_folder}',
      '      outputs:',
      '        model: {type: uri_folder}',
    ];
    const good = parsePipelineFile(
      ['type: pipeline', 'jobs:', '  train:', ...component, '    inputs:', '      data: {type: uri_folder, path: ./data}', ''].join('\n'),
      'p.yml',
    ).pipeline.jobs.train!;
    assert.equal(good.component, 'train:2');
    assert.equal(good.command, 'python train.py ${{inputs.epochs}} ${{inputs.optimizer}} ${{inputs.data}} ${{outputs.model}}');
    assert.deepEqual(good.inputs, {
      epochs: { type: 'integer', default: 10 },
      optimizer: { type: 'string', default: 'adam' },
      data: { type: 'uri_folder', path: './data' },
    });
    assert.deepEqual(Object.keys(good.outputs ?? {}), ['model']);
    assert.equal(good.alwaysRun, undefined, 'a deterministic component may be reused');
    const never = parsePipelineFile(
      [
        'type: pipeline',
        'jobs:',
        '  train:',
        ...component.map((line) => line.replace('      type: command', '      type: command\n      is_deterministic: false')),
        '    inputs:',
        '      data: {type: uri_folder, path: ./data}',
        '  again:',
        '    command: echo',
        '    environment: azureml:trellis-python@latest',
        '    force_rerun: true',
        '',
      ].join('\n'),
      'p.yml',
    ).pipeline.jobs;
    assert.equal(never.train!.alwaysRun, 'nondeterministic');
    assert.equal(never.again!.alwaysRun, 'forced');

    const bad = refusal(
      [
        'type: pipeline',
        'jobs:',
        '  train:',
        ...component,
        '    inputs:',
        '      epochs: 500',
        '      optimizer: rmsprop',
        '      learning_rate: 0.1',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      bad,
      [
        "jobs.train.inputs.epochs@17: input 'epochs' of component train must be at most 100, got 500",
        'jobs.train.inputs.optimizer@18: input \'optimizer\' of component train must be one of adam, sgd, got "rmsprop"',
        "jobs.train.inputs.learning_rate@19: component train has no input 'learning_rate'; its inputs: epochs, optimizer, data",
        "jobs.train.inputs.data@16: input 'data' of component train is required (uri_folder); give it a value or a binding",
      ].sort((x, y) => Number(x.split('@')[1]!.split(':')[0]) - Number(y.split('@')[1]!.split(':')[0])),
    );
  });
});
