import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PipelineJobBody } from '../src/client/trellis-client.js';
import { findInterpreters } from '../src/environments/find-interpreters.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// Pipeline examples of Azure/azureml-examples with parallel steps and pipeline components, kept
// verbatim (test/fixtures/azureml-examples/NOTICE.md), submitted unchanged with `trellis job create --file`.
const jobs = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs');
const parallelExample = join(jobs, 'pipelines', 'iris-batch-prediction-using-parallel');
const nestedExample = join(
  jobs,
  'pipelines-with-components',
  'pipeline_with_pipeline_component',
  'nyc_taxi_data_regression_with_pipeline_component',
);
// The same pipeline, its components as plain command steps (the flat original of the nested example).
const flatExample = join(jobs, 'pipelines-with-components', 'nyc_taxi_data_regression');
// Built virtualenvs are kept across runs, like a machine's image cache (shared with the other job tests).
const environmentCache = join(repositoryRoot, '.cache', 'environments');

// The iris example's conda file pins scikit-learn 0.23.2 for Python 3.8: its environment builds only where a 3.8 is installed (pyenv).
const python38 = (await findInterpreters()).some((interpreter) => interpreter.version.startsWith('3.8.'));

describe('parallel steps and pipeline components (azureml-examples, unchanged)', () => {
  let trellis: TrellisProcess;
  let scratch: string;

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200' } });
    scratch = await mkdtemp(join(tmpdir(), 'trellis-parallel-'));
    // The cluster the examples name; the parallel step asks for 2 instances of it.
    const cluster = await runCli(
      ['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--min-instances', '0', '--max-instances', '4'],
      { url: trellis.url },
    );
    assert.equal(cluster.code, 0, cluster.stderr);
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('runs iris-batch-prediction-using-parallel: the MLTable cut into mini-batches on 2 nodes, every row predicted into the output file', {
    timeout: 900_000,
    skip: python38
      ? false
      : 'no Python 3.8 here: the example pins scikit-learn 0.23.2 (no wheel for newer Pythons); install one with pyenv',
  }, async () => {
    const result = await runCli(['job', 'create', '--file', join(parallelExample, 'pipeline.yml'), '-o', 'json'], { url: trellis.url });
    assert.equal(result.code, 0, result.stderr);
    const { pipeline, logs } = await ranToEnd(trellis, (JSON.parse(result.stdout) as PipelineJobBody).name, 'iris parallel');
    assert.equal(
      pipeline.state,
      'Completed',
      `${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}\n${Object.values(logs).join('\n')}`,
    );
    const step = pipeline.steps?.find((item) => item.step === 'batch_prediction');
    assert.ok(step?.job, 'the parallel step ran as a job');
    // 84 kB of rows in mini-batches of about 10 kB, scored on 2 nodes.
    assert.match(logs.batch_prediction!, /74 rows/);
    const download = await runCli(['job', 'download', '-n', step.job, '--output-name', 'job_output_file', '--download-path', scratch], {
      url: trellis.url,
    });
    assert.equal(download.code, 0, download.stderr);
    const folder = join(scratch, step.job, 'job_output_file');
    const files = await readdir(folder);
    assert.equal(files.length, 1, `one file, the uri_file output: ${files.join(', ')}`);
    const rows = (await readFile(join(folder, files[0]!), 'utf8')).trim().split('\n');
    // Every data row of iris.csv (its first line is the header, as the MLTable says), in file order:
    // the 4 measurements run() kept and the variety the model predicted.
    const source = (await readFile(join(parallelExample, 'neural-iris-mltable', 'iris.csv'), 'utf8')).trim().split('\n').slice(1);
    assert.equal(rows.length, source.length);
    rows.forEach((row, index) => {
      const cells = row.split(',');
      assert.equal(cells.length, 5, row);
      assert.deepEqual(cells.slice(0, 4).map(Number), source[index]!.split(',').slice(0, 4).map(Number), `row ${index}`);
      assert.match(cells[4]!, /^Iris-(setosa|versicolor|virginica)$/);
    });
    const varieties = new Set(rows.map((row) => row.split(',')[4]));
    assert.equal(varieties.size, 3, 'the model tells all three apart');
  });

  it('runs a parallel step over a folder: 2 files per mini-batch on 2 workers, a failing mini-batch retried, program_arguments in sys.argv', {
    timeout: 600_000,
  }, async () => {
    const folder = join(scratch, 'own-parallel');
    await mkdir(join(folder, 'files'), { recursive: true });
    await mkdir(join(folder, 'src'), { recursive: true });
    for (const [name, words] of [
      ['a.txt', 1],
      ['b.txt', 2],
      ['c.txt', 3],
      ['d.txt', 4],
      ['e.txt', 5],
    ] as const)
      await writeFile(join(folder, 'files', name), `${'word '.repeat(words)}\n`);
    await writeFile(
      join(folder, 'src', 'count.py'),
      [
        'import argparse, os',
        'def init():',
        '    global args',
        '    parser = argparse.ArgumentParser()',
        "    parser.add_argument('--tag')",
        "    parser.add_argument('--marks')",
        '    args, _ = parser.parse_known_args()',
        'def run(mini_batch):',
        '    names = [os.path.basename(path) for path in mini_batch]',
        "    mark = os.path.join(args.marks, 'c-failed-once')",
        "    if 'c.txt' in names and not os.path.exists(mark):",
        "        open(mark, 'w').close()",
        "        raise RuntimeError('c.txt fails the first time')",
        "    return [f'{args.tag},{name},{len(open(path).read().split())}' for name, path in zip(names, mini_batch)]",
        '',
      ].join('\n'),
    );
    await writeFile(
      join(folder, 'pipeline.yml'),
      [
        'type: pipeline',
        'jobs:',
        '  count:',
        '    type: parallel',
        '    compute: azureml:cpu-cluster',
        '    inputs:',
        '      files: {type: uri_folder, path: ./files}',
        '    outputs:',
        '      counts: {type: uri_folder}',
        '    input_data: ${{inputs.files}}',
        '    mini_batch_size: 2',
        '    max_concurrency_per_instance: 2',
        '    retry_settings: {max_retries: 1, timeout: 30}',
        '    task:',
        '      type: run_function',
        '      code: ./src',
        '      entry_script: count.py',
        '      environment: azureml:trellis-python@latest',
        `      program_arguments: --tag words --marks ${folder}`,
        '      append_row_to: ${{outputs.counts}}',
        '',
      ].join('\n'),
    );
    const result = await runCli(['job', 'create', '--file', join(folder, 'pipeline.yml'), '-o', 'json'], { url: trellis.url });
    assert.equal(result.code, 0, result.stderr);
    const { pipeline, logs } = await ranToEnd(trellis, (JSON.parse(result.stdout) as PipelineJobBody).name, 'own parallel');
    assert.equal(pipeline.state, 'Completed', `${pipeline.reason}\n${Object.values(logs).join('\n')}`);
    assert.match(logs.count!, /5 file\(s\) in 3 mini-batch\(es\) of 2/);
    assert.match(logs.count!, /attempt 1 failed: run\(mini_batch\) failed: RuntimeError: c\.txt fails the first time/);
    const job = pipeline.steps?.[0]?.job;
    assert.ok(job);
    const download = await runCli(['job', 'download', '-n', job, '--output-name', 'counts', '--download-path', scratch], {
      url: trellis.url,
    });
    assert.equal(download.code, 0, download.stderr);
    // A folder output gets Azure's parallel_run_step.txt: every file once, in mini-batch order, the retried one included.
    const rows = await readFile(join(scratch, job, 'counts', 'parallel_run_step.txt'), 'utf8');
    assert.equal(rows, 'words,a.txt,1\nwords,b.txt,2\nwords,c.txt,3\nwords,d.txt,4\nwords,e.txt,5\n');
  });

  it('refuses a parallel step without a task, with a bad mini_batch_size, or whose input_data names no input (422, naming the field)', async () => {
    const refusal = async (step: string) =>
      trellis.client
        .submitPipeline('default', { fileName: 'bad.yml', text: `type: pipeline\njobs:\n  score:\n${step}`, uploads: {}, inlined: {} })
        .then(
          () => assert.fail('accepted'),
          (error: unknown) => String(error),
        );
    const inputs =
      '    type: parallel\n    compute: azureml:cpu-cluster\n    inputs:\n      data: {type: uri_folder, path: azureml:nope:1}\n';
    const task = '    task:\n      type: run_function\n      entry_script: score.py\n      environment: azureml:trellis-python@latest\n';
    assert.match(await refusal(`${inputs}    input_data: \${{inputs.data}}\n`), /jobs\.score\.task: .*required/i);
    assert.match(
      await refusal(`${inputs}    input_data: \${{inputs.data}}\n    mini_batch_size: 10kb\n${task}`),
      /line \d+: jobs\.score\.mini_batch_size: input 'data' is uri_folder, whose mini-batches are counted in files/,
    );
    assert.match(
      await refusal(`${inputs}    input_data: \${{inputs.data}}\n    mini_batch_size: lots\n${task}`),
      /jobs\.score\.mini_batch_size: must be a whole number/,
    );
    assert.match(
      await refusal(`${inputs}    input_data: \${{inputs.rows}}\n${task}`),
      /jobs\.score\.input_data: names input 'rows', which the step does not declare; its inputs: data/,
    );
  });
  /**
   * Runs one of the nyc taxi pipelines unchanged and checks what its five steps did: prep read both
   * taxi files, train printed the default split, score printed R² and wrote its report into the
   * pipeline's output. `named` gives a step's name in that pipeline.
   */
  async function runTaxiPipeline(file: string, named: (step: string) => string): Promise<PipelineJobBody> {
    const result = await runCli(['job', 'create', '--file', file, '-o', 'json'], { url: trellis.url });
    assert.equal(result.code, 0, result.stderr);
    const { pipeline, logs } = await ranToEnd(trellis, (JSON.parse(result.stdout) as PipelineJobBody).name, file);
    assert.equal(
      pipeline.state,
      'Completed',
      `${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}\n${Object.values(logs).join('\n')}`,
    );
    // Each step waiting for what it reads (across the components' borders, when nested).
    assert.deepEqual(
      pipeline.steps?.map((step) => [step.step, step.dependsOn]),
      [
        [named('prep_job'), []],
        [named('transform_job'), [named('prep_job')]],
        [named('train_job'), [named('transform_job')]],
        [named('predict_job'), [named('train_job')]],
        [named('score_job'), [named('predict_job'), named('train_job')]],
      ],
    );
    assert.ok(
      pipeline.steps?.every((step) => step.job?.endsWith(step.step.replace('.', '-'))),
      'each step ran as its own job',
    );
    // The pipeline's input folder reached prep (pandas 1.5's DataFrame.append, as in Azure's sklearn-1.5); train used the default split.
    assert.match(logs[named('prep_job')]!, /^reading file: greenTaxiData\.csv \.\.\.$/m);
    assert.match(logs[named('prep_job')]!, /^reading file: yellowTaxiData\.csv \.\.\.$/m);
    assert.match(logs[named('train_job')]!, /^Test split ratio:0\.2$/m);
    assert.match(logs[named('score_job')]!, /^Coefficient of determination: \d/m);
    // The score report, written by the last step into the pipeline's output.
    const score = pipeline.steps?.find((step) => step.step === named('score_job'))?.job;
    assert.ok(score);
    const download = await runCli(['job', 'download', '-n', score, '--output-name', 'score_report', '--download-path', scratch], {
      url: trellis.url,
    });
    assert.equal(download.code, 0, download.stderr);
    const report = await readFile(join(scratch, score, 'score_report', 'score.txt'), 'utf8');
    assert.match(report, /^Scored with the following model:\nLinearRegression\(\)/);
    assert.match(report, /Mean squared error: \d+\.\d\d/);
    return pipeline;
  }

  it('runs nyc_taxi_data_regression_with_pipeline_component: two pipeline components expanded into five steps, each doing its work', {
    timeout: 900_000,
  }, async () => {
    // The components' steps are named <step>.<inner>.
    const inner = (step: string) => `${['prep_job', 'transform_job'].includes(step) ? 'data_pipeline' : 'train_pipeline'}.${step}`;
    await runTaxiPipeline(join(nestedExample, 'pipeline.yml'), inner);
  });

  it('runs nyc_taxi_data_regression: prep, transform, train, predict and score, each doing its work', { timeout: 900_000 }, async () => {
    await runTaxiPipeline(join(flatExample, 'pipeline.yml'), (step) => step);
  });

  it('refuses a pipeline component whose inner step reads an output no step writes, naming the step', async () => {
    const text = [
      'type: pipeline',
      'jobs:',
      '  outer:',
      '    type: pipeline',
      '    component:',
      '      type: pipeline',
      '      jobs:',
      '        first:',
      '          command: echo hi',
      '          environment: azureml:trellis-python@latest',
      '          inputs:',
      '            x: ${{parent.jobs.second.outputs.nope}}',
      '          outputs:',
      '            out: {type: uri_folder}',
      '        second:',
      '          command: echo there',
      '          environment: azureml:trellis-python@latest',
      '          inputs:',
      '            y: ${{parent.jobs.first.outputs.out}}',
      '',
    ].join('\n');
    const refused = await trellis.client.submitPipeline('default', { fileName: 'nested.yml', text, uploads: {}, inlined: {} }).then(
      () => assert.fail('accepted'),
      (error: unknown) => String(error),
    );
    assert.match(refused, /jobs\.outer\.first\.inputs\.x: step 'outer\.second' has no output 'nope'/);
    assert.match(refused, /the steps wait for each other in a cycle: outer\.first → outer\.second → outer\.first/);
  });
});

/** Waits for a pipeline to end; it and each step's log. */
async function ranToEnd(
  trellis: TrellisProcess,
  name: string,
  what: string,
): Promise<{ pipeline: PipelineJobBody; logs: Record<string, string> }> {
  const pipeline = await waitFor(() => trellis.client.getPipeline('default', name), {
    until: (found) => ['Completed', 'Failed', 'Canceled'].includes(found.state),
    timeoutMs: 840_000,
    intervalMs: 250,
    what: `pipeline ${what} to end`,
  });
  const logs: Record<string, string> = {};
  for (const step of pipeline.steps ?? [])
    if (step.job) logs[step.step] = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${step.job}/logs`)).text();
  return { pipeline, logs };
}
