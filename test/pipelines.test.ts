import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PipelineJobBody } from '../src/client/trellis-client.js';
import { ApiError } from '../src/client/api-error.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

const environment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const jobSettings = {
  TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
  TRELLIS_JOB_TICK_MS: '200',
  TRELLIS_JOB_GRACE_SECONDS: '2',
};
const ended = (pipeline: PipelineJobBody) => ['Completed', 'Failed', 'Canceled'].includes(pipeline.state);

/** A pipeline file: steps given as [name, command, reads-from-step?]; each step writes an output `out`. */
function pipelineFile(steps: Array<[string, string, string?]>, settings: string[] = []): string {
  const lines = ['type: pipeline', 'settings:', '  default_compute: azureml:serverless', ...settings.map((line) => `  ${line}`), 'jobs:'];
  for (const [name, command, upstream] of steps) {
    lines.push(`  ${name}:`, `    command: ${command}`, `    environment: ${environment}`, '    outputs:', '      out:');
    if (upstream) lines.push('    inputs:', `      before: \${{parent.jobs.${upstream}.outputs.out}}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('pipeline jobs', () => {
  let trellis: TrellisProcess;
  let scratch: string;

  const submit = (text: string) => trellis.client.submitPipeline('default', { fileName: 'pipeline.yml', text, uploads: {}, inlined: {} });
  const waitForEnd = (name: string) =>
    waitFor(() => trellis.client.getPipeline('default', name), {
      until: ended,
      timeoutMs: 300_000,
      intervalMs: 200,
      what: `pipeline ${name} to end`,
    });
  const stepOf = (pipeline: PipelineJobBody, step: string) => {
    const found = pipeline.steps?.find((item) => item.step === step);
    assert.ok(found, `no step ${step}`);
    return found;
  };

  before(async () => {
    trellis = await startTrellis({ env: jobSettings });
    scratch = await mkdtemp(join(tmpdir(), 'trellis-pipelines-'));
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('refuses at submit every problem of every step, with its field and line, and queues nothing', async () => {
    const before = (await trellis.client.listJobs('default')).items.length;
    const text = [
      'type: pipeline',
      'jobs:',
      '  prep:',
      '    command: echo ${{inputs.missing}}',
      `    environment: ${environment}`,
      '    compute: azureml:no-such-cluster',
      '  train:',
      '    command: echo',
      '    environment: azureml:no-such-environment@latest',
      '    inputs:',
      '      data: ${{parent.jobs.prep.outputs.model}}',
      '',
    ].join('\n');
    const refusal = await submit(text).then(
      () => assert.fail('the pipeline was accepted'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof ApiError && refusal.status === 422, String(refusal));
    // The bindings first: a pipeline whose graph does not hold is refused before its steps are checked.
    assert.match(refusal.message, /line 11: jobs\.train\.inputs\.data: step 'prep' has no output 'model'; its outputs: \(none\)/);

    const fixed = text.replace('${{parent.jobs.prep.outputs.model}}', '5');
    const stepsRefused = await submit(fixed).then(
      () => assert.fail('the pipeline was accepted'),
      (error: unknown) => error,
    );
    assert.ok(stepsRefused instanceof ApiError && stepsRefused.status === 422);
    const problems = stepsRefused.problems.map((problem) => `${problem.path}@${problem.line}`);
    assert.deepEqual(problems, ['jobs.prep.command@4', 'jobs.prep.compute@6', 'jobs.train.environment@9']);
    assert.match(stepsRefused.message, /compute 'no-such-cluster' does not exist/);
    assert.match(stepsRefused.message, /environment 'azureml:no-such-environment@latest' does not exist/);
    assert.deepEqual((await trellis.client.listPipelines('default')).items, []);
    assert.equal((await trellis.client.listJobs('default')).items.length, before);
  });

  it('runs a chain with child MLflow runs under the pipeline run, and says Completed', async () => {
    const submitted = await submit(
      pipelineFile([
        ['first', 'echo one > ${{outputs.out}}/one.txt'],
        ['second', 'cat ${{inputs.before}}/one.txt', 'first'],
      ]),
    );
    assert.deepEqual(
      submitted.steps?.map((step) => [step.step, step.status, step.dependsOn]),
      [
        ['first', 'Waiting', []],
        ['second', 'Waiting', ['first']],
      ],
    );
    const pipeline = await waitForEnd(submitted.name);
    assert.equal(pipeline.state, 'Completed', pipeline.reason ?? '');
    const second = stepOf(pipeline, 'second');
    assert.equal(second.job, `${pipeline.name}-second`);
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${second.job}/logs`)).text();
    assert.match(log, /^one$/m);
    const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${second.runId}`)).json()) as {
      run: { data: { tags: Array<{ key: string; value: string }> } };
    };
    assert.equal(run.run.data.tags.find((tag) => tag.key === 'mlflow.parentRunId')?.value, pipeline.runId);
    const parent = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${pipeline.runId}`)).json()) as {
      run: { info: { status: string } };
    };
    assert.equal(parent.run.info.status, 'FINISHED');
    // trellis job show names the steps and their jobs.
    const shown = await runCli(['job', 'show', '--name', pipeline.name], { url: trellis.url });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /state: +Completed/);
    assert.match(shown.stdout, new RegExp(`second +Completed +${pipeline.name}-second +first`));
    // trellis job list lists it among the jobs, with its steps' jobs.
    const listed = await runCli(['job', 'list'], { url: trellis.url });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${pipeline.name} +\\S+ +Completed +\\(pipeline\\)`, 'm'));
    assert.match(listed.stdout, new RegExp(`^${pipeline.name}-second +second +Completed +serverless`, 'm'));
  });

  it('stops at a failed step: what depends on it is skipped, and the pipeline fails naming the step', async () => {
    const steps: Array<[string, string, string?]> = [
      ['prep', 'echo prepared > ${{outputs.out}}/p.txt'],
      ['train', 'exit 3', 'prep'],
      ['evaluate', 'echo evaluated', 'train'],
    ];
    const pipeline = await waitForEnd((await submit(pipelineFile(steps))).name);
    assert.equal(pipeline.state, 'Failed');
    assert.equal(pipeline.reason, 'step train did not complete; not run: evaluate');
    assert.deepEqual(
      pipeline.steps?.map((step) => [step.step, step.status]),
      [
        ['prep', 'Completed'],
        ['train', 'Failed'],
        ['evaluate', 'Skipped'],
      ],
    );
    assert.match(stepOf(pipeline, 'evaluate').reason ?? '', /step train did not complete/);
  });

  it('with continue_on_step_failure runs the steps that do not depend on the failure, then fails', async () => {
    const text = pipelineFile(
      [
        ['broken', 'exit 1'],
        ['after_broken', 'echo never', 'broken'],
        ['independent', 'sleep 1 && echo independent'],
      ],
      ['continue_on_step_failure: true'],
    );
    const pipeline = await waitForEnd((await submit(text)).name);
    assert.equal(pipeline.state, 'Failed');
    assert.deepEqual(
      pipeline.steps?.map((step) => [step.step, step.status]),
      [
        ['broken', 'Failed'],
        ['after_broken', 'Skipped'],
        ['independent', 'Completed'],
      ],
    );
  });

  it('cancels: the running step is canceled, the waiting ones skipped, and the pipeline run KILLED', async () => {
    const submitted = await submit(
      pipelineFile([
        ['slow', 'sleep 60'],
        ['later', 'echo later', 'slow'],
      ]),
    );
    await waitFor(() => trellis.client.getPipeline('default', submitted.name), {
      until: (pipeline) => stepOf(pipeline, 'slow').status === 'Running',
      timeoutMs: 120_000,
      what: 'the slow step to run',
    });
    const canceled = await runCli(['job', 'cancel', '--name', submitted.name], { url: trellis.url });
    assert.equal(canceled.code, 0, canceled.stderr);
    const pipeline = await waitForEnd(submitted.name);
    assert.equal(pipeline.state, 'Canceled');
    assert.deepEqual(
      pipeline.steps?.map((step) => [step.step, step.status]),
      [
        ['slow', 'Canceled'],
        ['later', 'Skipped'],
      ],
    );
    const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${pipeline.runId}`)).json()) as {
      run: { info: { status: string } };
    };
    assert.equal(run.run.info.status, 'KILLED');
  });

  it('reuses unchanged steps, and reruns exactly the steps downstream of a changed input file, saying why', {
    timeout: 300_000,
  }, async () => {
    const folder = join(scratch, 'reuse');
    await mkdir(join(folder, 'data'), { recursive: true });
    await writeFile(join(folder, 'data', 'rows.csv'), 'x\n1\n2\n');
    const file = join(folder, 'pipeline.yml');
    await writeFile(
      file,
      [
        'type: pipeline',
        'settings:',
        '  default_compute: azureml:serverless',
        'inputs:',
        '  data: {type: uri_folder, path: ./data}',
        'jobs:',
        '  prep:',
        '    command: cp ${{inputs.raw}}/rows.csv ${{outputs.out}}/copy.csv && echo prep-ran',
        `    environment: ${environment}`,
        '    inputs:',
        '      raw: ${{parent.inputs.data}}',
        '    outputs:',
        '      out:',
        '  train:',
        '    command: wc -l < ${{inputs.before}}/copy.csv',
        `    environment: ${environment}`,
        '    inputs:',
        '      before: ${{parent.jobs.prep.outputs.out}}',
        '  report:',
        '    command: echo report-ran',
        `    environment: ${environment}`,
        '',
      ].join('\n'),
    );
    const run = async () => {
      const created = await runCli(['job', 'create', '--file', file, '-o', 'json'], { url: trellis.url });
      assert.equal(created.code, 0, created.stderr);
      const pipeline = await waitForEnd((JSON.parse(created.stdout) as PipelineJobBody).name);
      assert.equal(pipeline.state, 'Completed', pipeline.reason ?? '');
      return pipeline;
    };
    const statuses = (pipeline: PipelineJobBody) => pipeline.steps?.map((step) => [step.step, step.status]);

    const first = await run();
    assert.deepEqual(statuses(first), [
      ['prep', 'Completed'],
      ['train', 'Completed'],
      ['report', 'Completed'],
    ]);
    for (const step of first.steps ?? []) assert.equal(step.reuseNote, 'ran: no earlier run of the same step to reuse');

    // The same file again: every step reused, pointing at the first run's jobs, whose outputs it passes on.
    const second = await run();
    assert.deepEqual(statuses(second), [
      ['prep', 'Reused'],
      ['train', 'Reused'],
      ['report', 'Reused'],
    ]);
    for (const step of ['prep', 'train', 'report']) {
      assert.equal(stepOf(second, step).job, `${first.name}-${step}`);
      assert.equal(stepOf(second, step).reuseNote, `reused: the same as job ${first.name}-${step}, whose outputs it passes on`);
    }
    assert.deepEqual(
      (await trellis.client.listJobs('default')).items.filter((job) => job.name.startsWith(second.name)),
      [],
    );

    // One input file changed: prep and train, downstream of it, run again; report does not.
    await writeFile(join(folder, 'data', 'rows.csv'), 'x\n1\n2\n3\n');
    const third = await run();
    assert.deepEqual(statuses(third), [
      ['prep', 'Completed'],
      ['train', 'Completed'],
      ['report', 'Reused'],
    ]);
    assert.equal(stepOf(third, 'prep').reuseNote, `ran: inputs.raw changed since job ${first.name}-prep`);
    assert.equal(stepOf(third, 'train').reuseNote, `ran: inputs.before changed since job ${first.name}-train`);
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${stepOf(third, 'train').job}/logs`)).text();
    assert.match(log, /^4$/m, 'train read the new copy');
    // force_rerun runs every step, and says so.
    const forced = await runCli(['job', 'create', '--file', file, '--set', 'settings.force_rerun=true', '-o', 'json'], {
      url: trellis.url,
    });
    assert.equal(forced.code, 0, forced.stderr);
    const rerun = await waitForEnd((JSON.parse(forced.stdout) as PipelineJobBody).name);
    assert.deepEqual(statuses(rerun), [
      ['prep', 'Completed'],
      ['train', 'Completed'],
      ['report', 'Completed'],
    ]);
    for (const step of rerun.steps ?? []) assert.equal(step.reuseNote, 'ran: force_rerun is set');
  });

  it('goes on after kill -9 of the server mid-pipeline, running each step once', { timeout: 300_000 }, async () => {
    const tally = join(scratch, 'tally.txt');
    await writeFile(tally, '');
    const steps: Array<[string, string, string?]> = [
      ['one', `echo one >> ${tally} && echo 1 > \${{outputs.out}}/n.txt`],
      ['two', `echo two >> ${tally} && sleep 3 && cat \${{inputs.before}}/n.txt > \${{outputs.out}}/n.txt`, 'one'],
      ['three', `echo three >> ${tally} && cat \${{inputs.before}}/n.txt`, 'two'],
    ];
    const submitted = await submit(pipelineFile(steps));
    await waitFor(() => trellis.client.getPipeline('default', submitted.name), {
      until: (pipeline) => stepOf(pipeline, 'two').status === 'Running',
      timeoutMs: 120_000,
      what: 'step two to run',
    });
    await trellis.stop('SIGKILL');
    trellis = await startTrellis({ home: trellis.home, env: jobSettings });
    const pipeline = await waitForEnd(submitted.name);
    assert.equal(pipeline.state, 'Completed', pipeline.reason ?? '');
    assert.equal((await readFile(tally, 'utf8')).split('\n').filter(Boolean).sort().join(','), 'one,three,two');
    const three = stepOf(pipeline, 'three');
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${three.job}/logs`)).text();
    assert.match(log, /^1$/m, 'step three read what one wrote, through two');
  });
});
