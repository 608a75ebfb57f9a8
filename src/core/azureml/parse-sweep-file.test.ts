import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { parsePipelineFile } from './parse-pipeline-file.js';
import { parseSweepFile } from './parse-sweep-file.js';

const jobs = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs');

function problemsOf(text: string): string[] {
  try {
    parseSweepFile(text, 'sweep.yml');
  } catch (error) {
    if (!isTrellisError(error)) throw error;
    return error.problems.map((problem) => `${problem.line ?? '-'} ${problem.path}: ${problem.message}`);
  }
  return [];
}

const head = [
  'type: sweep',
  'trial:',
  '  command: python t.py --x ${{search_space.x}}',
  '  environment: azureml:AzureML-sklearn-1.5@latest',
];

describe('parseSweepFile', () => {
  it("parses azureml-examples' three sweep files, their local code among the paths to upload", async () => {
    for (const file of [
      'basics/hello-sweep.yml',
      'single-step/scikit-learn/iris/job-sweep.yml',
      'single-step/lightgbm/iris/job-sweep.yml',
    ]) {
      const { sweep, searchSpace, localPaths } = parseSweepFile(await readFile(join(jobs, file), 'utf8'), file);
      assert.equal(sweep.sampling_algorithm.type, 'random', file);
      assert.ok(Object.keys(searchSpace).length >= 2, file);
      assert.deepEqual(
        localPaths.map((local) => [local.value, local.use]),
        [['src', 'upload']],
        file,
      );
    }
  });

  it('lists every problem with its field and line, each saying what to do', () => {
    const problems = problemsOf(
      [
        ...head,
        'search_space:',
        '  x: {type: uniform, min_value: 3, max_value: 1}',
        '  y: {type: normall, mu: 0, sigma: 1}',
        'sampling_algorithm: random',
        'limits: {max_total_trials: 2, max_concurrent_trials: 3}',
      ].join('\n'),
    );
    assert.ok(
      problems.some((problem) => /^7 search_space\.y\.type: .*normal/.test(problem)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((problem) => /objective/.test(problem)),
      problems.join('\n'),
    );
  });

  it('refuses names no hyperparameter, grid over a range, contradicting limits and a bad policy', () => {
    const problems = problemsOf(
      [
        ...head.slice(0, 2),
        '  command: python t.py --x ${{search_space.x}} --w ${{search_space.w}}',
        head[3],
        'search_space:',
        '  x: {type: uniform, min_value: 0, max_value: 1}',
        'sampling_algorithm: grid',
        'objective: {goal: maximize, primary_metric: acc}',
        'limits: {max_total_trials: 2, max_concurrent_trials: 3, timeout: 60, trial_timeout: 120}',
        'early_termination: {type: bandit, slack_factor: 0.1, slack_amount: 0.2}',
      ].join('\n'),
    );
    const expected = [
      /^3 trial\.command: \$\{\{search_space\.w\}\} names no hyperparameter; search_space has x/,
      /^6 search_space\.x\.type: grid sampling takes choice expressions only/,
      /^9 limits\.max_concurrent_trials: 3 trials at once is more than max_total_trials \(2\)/,
      /^9 limits\.trial_timeout: a trial may run 120 s, longer than the whole sweep/,
      /^10 early_termination\.slack_amount: a bandit policy takes slack_factor or slack_amount, not both/,
    ];
    for (const pattern of expected)
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `${pattern}\n${problems.join('\n')}`,
      );
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });
});

describe('a sweep step of a pipeline', () => {
  it("parses pipeline_with_hyperparameter_sweep's sweep step as its trial component, the swept inputs set", async () => {
    const folder = join(jobs, 'pipelines-with-components', 'pipeline_with_hyperparameter_sweep');
    const component = (await readFile(join(folder, 'train.yml'), 'utf8')).replace(/^/gm, '      ');
    const text = (await readFile(join(folder, 'pipeline.yml'), 'utf8'))
      .replace('    trial: ./train.yml', `    trial:\n${component}`)
      .replace(
        '    component: ./predict.yml',
        '    component: {type: command, command: echo, environment: azureml:x@latest, inputs: {model: {type: mlflow_model}, test_data: {type: uri_folder}}, outputs: {predict_result: {type: uri_folder}}}',
      );
    const { pipeline } = parsePipelineFile(text, 'pipeline.yml');
    const step = pipeline.jobs.sweep_step;
    assert.ok(step?.sweep, 'the step is a sweep');
    assert.deepEqual(Object.keys(step.sweep.search_space), ['c_value', 'kernel', 'coef0']);
    assert.equal(step.sweep.objective.primary_metric, 'training_f1_score');
    assert.equal(step.sweep.limits.max_total_trials, 5);
    assert.match(step.command, /--C \$\{\{inputs\.c_value\}\}/);
    // Each swept input has a value of its type for the component's checks; every trial gets its own.
    assert.equal(step.inputs?.c_value, 0.5);
    assert.equal(step.inputs?.kernel, 'rbf');
  });

  it('refuses a sweep step without a trial, and a swept input also given a value', () => {
    assert.throws(
      () =>
        parsePipelineFile(
          [
            'type: pipeline',
            'jobs:',
            '  s:',
            '    type: sweep',
            '    inputs: {lr: 0.1}',
            '    search_space: {lr: {type: uniform, min_value: 0, max_value: 1}}',
            '    sampling_algorithm: random',
            '    objective: {goal: minimize, primary_metric: loss}',
          ].join('\n'),
          'pipeline.yml',
        ),
      (error: unknown) =>
        isTrellisError(error) && error.problems.some((problem) => problem.path === 'jobs.s.trial' && /needs a trial/.test(problem.message)),
    );
    assert.throws(
      () =>
        parsePipelineFile(
          [
            'type: pipeline',
            'jobs:',
            '  s:',
            '    type: sweep',
            '    trial: {type: command, command: "echo ${{inputs.lr}}", environment: azureml:x@latest, inputs: {lr: {type: number}}}',
            '    inputs: {lr: 0.1}',
            '    search_space: {lr: {type: uniform, min_value: 0, max_value: 1}}',
            '    sampling_algorithm: random',
            '    objective: {goal: minimize, primary_metric: loss}',
          ].join('\n'),
          'pipeline.yml',
        ),
      (error: unknown) =>
        isTrellisError(error) &&
        error.problems.some((problem) => problem.path === 'jobs.s.inputs.lr' && /is swept \(search_space\.lr\)/.test(problem.message)),
    );
  });
});
