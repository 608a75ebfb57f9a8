import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PipelineJobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// The pipeline examples of Azure/azureml-examples, kept verbatim (test/fixtures/azureml-examples/NOTICE.md),
// submitted unchanged with `trellis job create --file`, as `az ml job create --file` would.
const basics = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs', 'basics');
const withComponents = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs', 'pipelines-with-components', 'basics');
// Copies of the public files the examples read from the web, as <host>/<path> (this machine has no internet access).
const dataMirror = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'data-mirror');
// Built virtualenvs are kept across runs, like a machine's image cache (shared with the other job tests).
const environmentCache = join(repositoryRoot, '.cache', 'environments');

interface Ran {
  pipeline: PipelineJobBody;
  /** Each step's log, by step name. */
  logs: Record<string, string>;
  trellis: TrellisProcess;
}

/** What each example's steps print or write, checked after it completed. */
const checks: Record<string, (ran: Ran) => Promise<void> | void> = {
  'hello-pipeline.yml': ({ logs }) => {
    assert.match(logs.hello_job!, /^hello$/m);
    assert.match(logs.world_job!, /^world$/m);
  },
  'hello-pipeline-io.yml': ({ logs, pipeline }) => {
    assert.match(logs.hello_job!, /^hello$/m);
    // world_job read the file hello_job wrote into its output: the binding carried it across.
    assert.match(logs.world_job!, /^world$/m);
    assert.deepEqual(pipeline.steps?.find((step) => step.step === 'world_job')?.dependsOn, ['hello_job']);
  },
  'hello-pipeline-settings.yml': ({ logs }) => {
    for (const step of ['hello_job', 'world_job']) assert.match(logs[step]!, /^202204190$/m, step);
  },
  'hello-pipeline-abc.yml': ({ logs }) => {
    assert.match(logs.a!, /^hello hello world$/m, 'the pipeline input reached step a');
    assert.match(logs.c!, /\/world\.txt$/m);
  },
  'hello-pipeline-customize-output-file.yml': async ({ logs, pipeline, trellis }) => {
    assert.match(logs.hello_world!, /^hello$/m);
    // The step's output, bound to the pipeline's uri_file output, is a data asset holding the one file.
    const asset = await outputAsset(trellis, pipeline, 'hello_world', 'output');
    assert.equal(asset.spec.type, 'uri_file');
  },
  'hello-pipeline-customize-output-folder.yml': async ({ logs, pipeline, trellis }) => {
    assert.match(logs.hello_world!, /^hello$/m);
    const asset = await outputAsset(trellis, pipeline, 'hello_world', 'output');
    assert.equal(asset.spec.type, 'uri_folder');
  },
  'hello-pipeline-default-artifacts.yml': ({ logs }) => {
    // world_job read hello_job's ./outputs through its default `artifacts` output.
    assert.match(logs.world_job!, /^world$/m);
  },
};

/** The pipelines-with-components examples that run, with what their steps print. */
const componentChecks: Record<string, (ran: Ran) => Promise<void> | void> = {
  '2a_basic_component': ({ logs }) => assert.match(logs.hello_python_world_job!, /^Hello Python World$/m),
  '2b_component_with_input_output': ({ logs }) => {
    const log = logs.hello_python_world_job!;
    // The component's default for the input the step leaves out, and the local data folder uploaded with the pipeline.
    assert.match(log, /^sample_input_string: hello_python_world_default$/m);
    assert.match(log, /^reading file: sample\.csv \.\.\.$/m);
  },
  '3a_basic_pipeline': ({ logs }) => {
    for (const step of ['component_a', 'component_b', 'component_c']) assert.match(logs[step]!, /Hello Python World/, step);
  },
  '3b_pipeline_with_data': ({ logs, pipeline }) => {
    assert.deepEqual(
      pipeline.steps?.map((step) => [step.step, step.dependsOn]),
      [
        ['component_a', []],
        ['component_b', ['component_a']],
        ['component_c', ['component_b']],
      ],
    );
    // Each component lists what the one before it wrote.
    assert.match(logs.component_b!, /file-/);
    assert.match(logs.component_c!, /file-/);
  },
  '4a_local_data_input': ({ logs }) => {
    assert.match(logs.hello_python_world_job!, /^sample_input_string: Hello_Pipeline_World$/m, 'the pipeline input reached the component');
  },
  '1a_e2e_local_components': async ({ logs, pipeline, trellis }) => {
    // The pipeline's literal inputs reached train through its bindings, and the local data folder was uploaded.
    assert.match(logs.train_job!, /^Max epocs: 20$/m);
    assert.match(logs.train_job!, /^Learning rate: 1\.8$/m);
    assert.match(logs.train_job!, /^Learning rate: time-based$/m);
    assert.match(logs.train_job!, /^reading file: sample1\.csv \.\.\.$/m);
    // score read the model train wrote; eval read the score.
    assert.match(logs.score_job!, /^Model: {2}This is a dummy model with id: [0-9a-f-]{36} generated at: /m);
    assert.match(logs.evaluate_job!, /^hello evaluation world\.\.\.$/m);
    assert.equal((await outputAsset(trellis, pipeline, 'evaluate_job', 'eval_output')).spec.type, 'uri_folder');
  },
  '4d_data_input': ({ logs }) => {
    // Both steps read the data asset made from data.yml first (the world component declares mltable; the step gives uri_folder).
    assert.match(logs.python_hello_step!, /^sample_input_string: Pipeline_Hello$/m);
    assert.match(logs.python_world_step!, /^sample_input_string: Pipeline_World$/m);
    for (const step of ['python_hello_step', 'python_world_step']) {
      assert.match(logs[step]!, /^\['sample\.csv'\]$/m, step);
      assert.match(logs[step]!, /^Writing file: .*\/file-.*\.txt$/m, step);
    }
  },
  '4c_web_url_input': ({ logs }) => {
    // The web file (read from the data mirror here: no internet) reached the step as a uri_file, which it prints.
    assert.match(logs.hello_python_world_job!, /^sample_input_data path: .*\/Titanic\.csv$/m);
    assert.match(logs.hello_python_world_job!, /^1,0,3,"Braund, Mr\. Owen Harris",male,22/m);
  },
  '5a_env_public_docker_image': ({ logs }) => assert.match(logs.hello_python_world_job!, /^Hello Python World$/m),
  '5b_env_registered': ({ logs }) => assert.match(logs.hello_python_world_job!, /^Hello Python World$/m),
  '5c_env_conda_file': ({ logs }) => {
    // pyjokes came from the conda file's pip section, installed into the step's virtualenv.
    assert.match(logs.hello_python_world_job!, /Today's joke:\n\n.+\n\nHow was it\?\?/);
  },
};

/** The data asset a step's output was registered as. */
async function outputAsset(trellis: TrellisProcess, pipeline: PipelineJobBody, step: string, output: string) {
  const job = pipeline.steps?.find((item) => item.step === step)?.job;
  assert.ok(job, `step ${step} has a job`);
  const found = await trellis.client.list('default', 'data', { tag: [`trellis.job=${job}`, `trellis.output=${output}`], limit: 1 });
  assert.equal(found.items.length, 1, `the output ${output} of ${step} is registered`);
  return found.items[0]!;
}

/** The example a file is a variant of: the serverless ones check as their cluster twins. */
function checksFor(file: string): (ran: Ran) => Promise<void> | void {
  const check = checks[file.replace('-serverless', '')];
  assert.ok(check, `no check for ${file}`);
  return check;
}

describe('the pipeline examples of Azure/azureml-examples run unchanged with trellis job create --file', () => {
  let trellis: TrellisProcess;

  before(async () => {
    trellis = await startTrellis({
      env: { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200', TRELLIS_DATA_MIRROR: dataMirror },
    });
    // The cluster the examples name (`azureml:cpu-cluster`), as `az ml compute create` makes it; the serverless ones need none.
    const cluster = await runCli(
      ['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--min-instances', '0', '--max-instances', '4'],
      { url: trellis.url },
    );
    assert.equal(cluster.code, 0, cluster.stderr);
    // 4d_data_input reads azureml:local-folder-example@latest, which its README creates first from data.yml.
    const data = await runCli(['data', 'create', '--file', 'data.yml'], { url: trellis.url, cwd: join(withComponents, '4d_data_input') });
    assert.equal(data.code, 0, data.stderr);
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('runs all 14 hello-pipeline examples to Completed, each step doing what it prints or writes', { timeout: 900_000 }, async () => {
    const files = (await readdir(basics)).filter((name) => name.startsWith('hello-pipeline')).sort();
    assert.equal(files.length, 14);
    const submitted: Array<{ file: string; name: string }> = [];
    for (const file of files) {
      const result = await runCli(['job', 'create', '--file', join(basics, file), '-o', 'json'], { url: trellis.url });
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      const body = JSON.parse(result.stdout) as PipelineJobBody;
      assert.equal(body.type, 'pipeline');
      submitted.push({ file, name: body.name });
    }
    for (const { file, name } of submitted) {
      const { pipeline, logs } = await ranToEnd(trellis, name, file);
      assert.equal(
        pipeline.state,
        'Completed',
        `${file}: ${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}\n${Object.values(logs).join('\n')}`,
      );
      // A step the same as one of an example run before (a -serverless twin) is reused, as on Azure ML: its job is that one.
      for (const step of pipeline.steps ?? [])
        assert.ok(['Completed', 'Reused'].includes(step.status), `${file}: step ${step.step} ${step.status}`);
      await checksFor(file)({ pipeline, logs, trellis });
    }
  });

  it('runs the pipelines-with-components examples with local component files to Completed', { timeout: 900_000 }, async () => {
    const submitted: Array<{ example: string; name: string }> = [];
    for (const example of Object.keys(componentChecks)) {
      const result = await runCli(['job', 'create', '--file', join(withComponents, example, 'pipeline.yml'), '-o', 'json'], {
        url: trellis.url,
      });
      assert.equal(result.code, 0, `${example}: ${result.stderr}`);
      submitted.push({ example, name: (JSON.parse(result.stdout) as PipelineJobBody).name });
    }
    for (const { example, name } of submitted) {
      const { pipeline, logs } = await ranToEnd(trellis, name, example);
      assert.equal(
        pipeline.state,
        'Completed',
        `${example}: ${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}\n${Object.values(logs).join('\n')}`,
      );
      await componentChecks[example]!({ pipeline, logs, trellis });
    }
  });

  it('registers a component, and a pipeline runs it by azureml:<name>:<version>', { timeout: 300_000 }, async () => {
    const component = join(withComponents, '2a_basic_component', 'component.yml');
    const created = await runCli(['component', 'create', '--file', component, '-o', 'json'], { url: trellis.url });
    assert.equal(created.code, 0, created.stderr);
    const shown = await runCli(['component', 'show', '--name', 'hello_python_world', '--version', '1', '-o', 'json'], { url: trellis.url });
    assert.equal(shown.code, 0, shown.stderr);
    const spec = (JSON.parse(shown.stdout) as { spec: { command: string; code: string } }).spec;
    assert.equal(spec.command, 'python hello.py');
    assert.match(spec.code, /^trellis:\/\/folders\/sha256:/, 'the code folder was uploaded with it');
    const pipeline = await trellis.client.submitPipeline('default', {
      fileName: 'registered.yml',
      text: 'type: pipeline\njobs:\n  hello:\n    component: azureml:hello_python_world:1\n',
      uploads: {},
      inlined: {},
    });
    const ran = await ranToEnd(trellis, pipeline.name, 'registered');
    assert.equal(ran.pipeline.state, 'Completed', ran.pipeline.reason ?? '');
    assert.match(ran.logs.hello!, /^Hello Python World$/m);
    const unknown = await trellis.client
      .submitPipeline('default', {
        fileName: 'unknown.yml',
        text: 'type: pipeline\njobs:\n  hello:\n    component: azureml:nope:3\n',
        uploads: {},
        inlined: {},
      })
      .then(
        () => assert.fail('accepted'),
        (error: unknown) => error,
      );
    assert.match(String(unknown), /component 'azureml:nope:3' does not exist in workspace 'default'; components here: hello_python_world/);

    // Archived (az ml component archive): left out of list and @latest, still runnable by its version; restore brings it back.
    const cli = (args: string[]) => runCli([...args, '-o', 'json'], { url: trellis.url });
    const again = await cli(['component', 'create', '--file', component, '--set', 'version=2']);
    assert.equal(again.code, 0, again.stderr);
    const archived = await cli(['component', 'archive', '--name', 'hello_python_world', '--version', '2']);
    assert.equal(archived.code, 0, archived.stderr);
    const listed = async () =>
      (JSON.parse((await cli(['component', 'list'])).stdout) as Array<{ name: string; version: string }>)
        .filter((item) => item.name === 'hello_python_world')
        .map((item) => item.version);
    assert.deepEqual(await listed(), ['1']);
    const latest = JSON.parse((await cli(['component', 'show', '--name', 'hello_python_world'])).stdout) as { version: string };
    assert.equal(latest.version, '1', '@latest skips the archived version');
    const byLatest = await trellis.client.submitPipeline('default', {
      fileName: 'latest.yml',
      text: 'type: pipeline\njobs:\n  hello:\n    component: azureml:hello_python_world@latest\n    force_rerun: true\n',
      uploads: {},
      inlined: {},
    });
    const ranLatest = await ranToEnd(trellis, byLatest.name, 'latest');
    const latestJob = await trellis.client.getJob('default', ranLatest.pipeline.steps![0]!.job!);
    assert.equal(latestJob.tags['trellis.component'], 'hello_python_world:1');
    const byVersion = await trellis.client.submitPipeline('default', {
      fileName: 'archived.yml',
      text: 'type: pipeline\njobs:\n  hello:\n    component: azureml:hello_python_world:2\n    force_rerun: true\n',
      uploads: {},
      inlined: {},
    });
    const ranArchived = await ranToEnd(trellis, byVersion.name, 'archived version');
    assert.equal(ranArchived.pipeline.state, 'Completed', ranArchived.pipeline.reason ?? '');
    assert.match(ranArchived.logs.hello!, /^Hello Python World$/m);
    assert.equal(
      (await trellis.client.getJob('default', ranArchived.pipeline.steps![0]!.job!)).tags['trellis.component'],
      'hello_python_world:2',
    );
    const restored = await cli(['component', 'restore', '--name', 'hello_python_world']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await listed(), ['2']);
  });

  it('runs nyc_taxi_data_regression/single-job-pipeline.yml: the linear regression trained, autologged to MLflow, saved in its mlflow_model output', {
    timeout: 600_000,
  }, async () => {
    const file = join(withComponents, '..', 'nyc_taxi_data_regression', 'single-job-pipeline.yml');
    const result = await runCli(['job', 'create', '--file', file, '-o', 'json'], { url: trellis.url });
    assert.equal(result.code, 0, result.stderr);
    const { pipeline, logs } = await ranToEnd(trellis, (JSON.parse(result.stdout) as PipelineJobBody).name, 'nyc taxi single job');
    assert.equal(pipeline.state, 'Completed', `${pipeline.reason}\n${Object.values(logs).join('\n')}`);
    assert.match(logs.train_job!, /^reading file: transformed_data\.csv \.\.\.$/m);
    assert.match(logs.train_job!, /^\(7818, 20\)$/m, 'the training split of the transformed data');
    // mlflow.sklearn.autolog() logged the regression's training metrics to the step's run.
    const job = await trellis.client.getJob('default', pipeline.steps![0]!.job!);
    const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${job.runId}`)).json()) as {
      run: { data: { metrics?: Array<{ key: string; value: number }> } };
    };
    const r2 = run.run.data.metrics?.find((metric) => metric.key === 'training_r2_score');
    assert.ok(r2 && r2.value > 0.8 && r2.value < 1, JSON.stringify(run.run.data.metrics));
    // The model saved by mlflow.sklearn.save_model is the output's folder, registered as a data asset like every output.
    assert.equal((await outputAsset(trellis, pipeline, 'train_job', 'model_output')).spec.type, 'uri_folder');
  });

  it("passes a step's mlflow_model output to the step that reads it (kept as the folder the step wrote)", {
    timeout: 300_000,
  }, async () => {
    const text = [
      'type: pipeline',
      'jobs:',
      '  train:',
      '    command: echo artifact_path=model > ${{outputs.model}}/MLmodel',
      '    environment: {image: python}',
      '    compute: azureml:cpu-cluster',
      '    outputs:',
      '      model: {type: mlflow_model}',
      '  score:',
      '    command: ls ${{inputs.model}} && cat ${{inputs.model}}/MLmodel',
      '    environment: {image: python}',
      '    compute: azureml:cpu-cluster',
      '    inputs:',
      '      model: ${{parent.jobs.train.outputs.model}}',
      '',
    ].join('\n');
    const submitted = await trellis.client.submitPipeline('default', { fileName: 'model-output.yml', text, uploads: {}, inlined: {} });
    const { pipeline, logs } = await ranToEnd(trellis, submitted.name, 'model output');
    assert.equal(pipeline.state, 'Completed', `${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}`);
    assert.match(logs.score!, /^MLmodel$/m);
    assert.match(logs.score!, /^artifact_path=model$/m);
  });

  it('runs 1b_e2e_registered_components as its README says: components registered first, then pipeline.yml and pipeline-serverless.yml', {
    timeout: 600_000,
  }, async () => {
    // Its own workspace, so its steps run rather than reuse 1a's identical ones.
    const workspace = 'registered-components';
    const folder = join(withComponents, '1b_e2e_registered_components');
    const cli = (args: string[]) => runCli([...args, '-w', workspace], { url: trellis.url, cwd: folder });
    assert.equal((await runCli(['workspace', 'create', '--name', workspace], { url: trellis.url })).code, 0);
    const cluster = await cli(['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--max-instances', '4']);
    assert.equal(cluster.code, 0, cluster.stderr);
    for (const file of ['train.yml', 'score.yml', 'eval.yml']) {
      const created = await cli(['component', 'create', '--file', file]);
      assert.equal(created.code, 0, `${file}: ${created.stderr}`);
    }
    const submit = async (file: string) => {
      const result = await cli(['job', 'create', '--file', file, '-o', 'json']);
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      return ranToEnd(trellis, (JSON.parse(result.stdout) as PipelineJobBody).name, file, workspace);
    };
    const { pipeline, logs } = await submit('pipeline.yml');
    assert.equal(
      pipeline.state,
      'Completed',
      `${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}\n${Object.values(logs).join('\n')}`,
    );
    assert.match(logs.train_job!, /^Max epocs: 20$/m);
    assert.match(logs.train_job!, /^reading file: sample1\.csv \.\.\.$/m);
    assert.match(logs.score_job!, /^Model: {2}This is a dummy model with id: /m);
    assert.match(logs.evaluate_job!, /^hello evaluation world\.\.\.$/m);
    const train = await trellis.client.getJob(workspace, pipeline.steps!.find((step) => step.step === 'train_job')!.job!);
    assert.equal(train.tags['trellis.component'], 'my_train:1', 'azureml:my_train@latest resolved to the version registered');
    assert.equal(train.compute, 'cpu-cluster', 'settings.default_compute');
    // The serverless twin does the same work: every step is reused, as on Azure ML.
    const serverless = await submit('pipeline-serverless.yml');
    assert.equal(serverless.pipeline.state, 'Completed', serverless.pipeline.reason ?? '');
    assert.deepEqual(
      serverless.pipeline.steps?.map((step) => step.status),
      ['Reused', 'Reused', 'Reused'],
    );
  });

  it('refuses at submit a binding whose type the component input does not take, naming the field; nothing is queued', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'trellis-binding-types-'));
    const train = join(withComponents, '1a_e2e_local_components', 'train.yml');
    const file = join(folder, 'pipeline.yml');
    await writeFile(
      file,
      [
        'type: pipeline',
        'jobs:',
        '  first:',
        `    component: ${train}`,
        '    inputs:',
        '      training_data: {type: uri_folder, path: ./data}',
        '      max_epocs: 3',
        '  second:',
        `    component: ${train}`,
        '    inputs:',
        '      training_data: ${{parent.jobs.first.outputs.model_output}}',
        '      max_epocs: ${{parent.jobs.first.outputs.model_output}}',
        '',
      ].join('\n'),
    );
    await mkdir(join(folder, 'data'));
    await writeFile(join(folder, 'data', 'rows.csv'), 'a\n1\n');
    const before = (await trellis.client.listPipelines('default', { limit: 1000 })).items.length;
    const refused = await runCli(['job', 'create', '--file', file], { url: trellis.url });
    await rm(folder, { recursive: true, force: true });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /line 12: jobs\.second\.inputs\.max_epocs: \$\{\{parent\.jobs\.first\.outputs\.model_output\}\} is uri_folder data, which cannot go into the literal input 'max_epocs' of component train:10 \(integer\)/,
    );
    assert.equal((await trellis.client.listPipelines('default', { limit: 1000 })).items.length, before, 'nothing was queued');
  });
});

/** Waits for a pipeline to end; it and each step's log. */
async function ranToEnd(
  trellis: TrellisProcess,
  name: string,
  what: string,
  workspace = 'default',
): Promise<{ pipeline: PipelineJobBody; logs: Record<string, string> }> {
  const pipeline = await waitFor(() => trellis.client.getPipeline(workspace, name), {
    until: (found) => ['Completed', 'Failed', 'Canceled'].includes(found.state),
    timeoutMs: 840_000,
    intervalMs: 250,
    what: `pipeline ${what} to end`,
  });
  const logs: Record<string, string> = {};
  for (const step of pipeline.steps ?? [])
    if (step.job) logs[step.step] = await (await fetch(`${trellis.url}/api/v1/workspaces/${workspace}/jobs/${step.job}/logs`)).text();
  return { pipeline, logs };
}
