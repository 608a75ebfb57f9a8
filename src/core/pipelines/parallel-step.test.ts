import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parallelStepFields } from '../azureml/parallel-step-schema.js';
import { parallelCommand } from './parallel-step.js';

const written = {
  type: 'parallel',
  inputs: { rows: { type: 'mltable', path: './table' }, model: { type: 'uri_folder', path: './model' } },
  outputs: { scores: { type: 'uri_file' } },
  input_data: '${{inputs.rows}}',
  mini_batch_size: '10kb',
  resources: { instance_count: 2 },
  max_concurrency_per_instance: 2,
  mini_batch_error_threshold: 5,
  retry_settings: { max_retries: 2, timeout: 60 },
  logging_level: 'DEBUG',
  task: {
    type: 'run_function',
    code: './script',
    entry_script: 'score.py',
    environment: 'azureml:trellis-python@latest',
    program_arguments: '--model ${{inputs.model}}',
    append_row_to: '${{outputs.scores}}',
  },
};

describe('parallel steps', () => {
  it("become the batch driver's command over input_data, the settings and program_arguments passed on", () => {
    const made = parallelStepFields(written);
    assert.ok('fields' in made, JSON.stringify(made));
    assert.equal(made.fields.code, './script');
    assert.deepEqual(made.fields.resources, { instance_count: 2 });
    const fields = { command: 'x', environment: 'e', inputs: written.inputs, outputs: written.outputs, resources: { instance_count: 2 } };
    const command = parallelCommand(made.parallel, fields, ['node', 'driver.js']);
    const [head, args] = command.split(' -- ');
    assert.equal(args, '--model ${{inputs.model}}');
    assert.match(
      head!,
      /^node driver\.js --input \$\{\{inputs\.rows\}\} --output-file \$\{\{outputs\.scores\}\} --code "\$PWD" --nodes 2 --settings \S+$/,
    );
    const settings = JSON.parse(Buffer.from(head!.split('--settings ')[1]!, 'base64').toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(settings, {
      mini_batch_size: 10240,
      max_concurrency_per_instance: 2,
      output_action: 'append_row',
      retry_settings: { max_retries: 2, timeout: 60 },
      error_threshold: -1,
      mini_batch_error_threshold: 5,
      logging_level: 'debug',
      scoring_script: 'score.py',
      input_type: 'mltable',
    });
  });

  it('name what is wrong: no task, input_data or append_row_to naming nothing, a size for a file input', () => {
    const problems = (step: Record<string, unknown>) => {
      const made = parallelStepFields(step);
      return 'problems' in made ? made.problems.map((problem) => `${problem.path.join('.')}: ${problem.message}`) : [];
    };
    const { task: _task, ...withoutTask } = written;
    assert.match(problems(withoutTask).join('\n'), /^task: /);
    assert.match(
      problems({ ...written, input_data: '${{inputs.nope}}' }).join('\n'),
      /^input_data: names input 'nope', which the step does not declare; its inputs: rows, model$/,
    );
    assert.match(
      problems({ ...written, task: { ...written.task, append_row_to: '${{outputs.other}}' } }).join('\n'),
      /^task\.append_row_to: names output 'other'/,
    );
    assert.match(
      problems({ ...written, inputs: { ...written.inputs, rows: { type: 'uri_folder', path: './files' } } }).join('\n'),
      /^mini_batch_size: input 'rows' is uri_folder, whose mini-batches are counted in files/,
    );
    assert.match(
      problems({ ...written, task: { ...written.task, type: 'model' } }).join('\n'),
      /^task\.type: Trellis runs parallel tasks of type run_function/,
    );
  });
});
