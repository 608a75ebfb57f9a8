import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobBody } from '../src/client/trellis-client.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { finished, waitForJob } from './support/jobs.js';

// The job examples of Azure/azureml-examples, kept verbatim (test/fixtures/azureml-examples/NOTICE.md),
// submitted unchanged with `trellis job create --file`, as `az ml job create --file` would.
const fixtures = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples');
const examples = join(fixtures, 'cli');
// Copies of the public blobs the examples read, laid out as <host>/<path>: this machine has no internet access.
const dataMirror = join(fixtures, 'data-mirror');
// Built virtualenvs are kept across runs, like a machine's image cache.
const environmentCache = join(repositoryRoot, '.cache', 'environments');

/** The cluster the single-step examples name (`compute: azureml:cpu-cluster`), made from flags as `az ml compute create --name cpu-cluster ...` does. The hello examples name none and get serverless compute. */
const cpuCluster = [
  'compute',
  'create',
  '--name',
  'cpu-cluster',
  '--size',
  'Standard_DS3_v2',
  '--min-instances',
  '0',
  '--max-instances',
  '2',
  '--idle-time-before-scale-down',
  '2',
];

/**
 * Workspace data assets two examples read by name. On Azure the user creates them beforehand;
 * here they are made from the examples' own local folders.
 */
const dataAssets = [
  { name: 'local-folder-example', folder: join(examples, 'assets', 'data', 'sample-data') },
  { name: 'sampledata', folder: join(examples, 'assets', 'data', 'example-data') },
];

interface Finished {
  job: JobBody;
  log: string;
  trellis: TrellisProcess;
}

interface MlflowRun {
  info: { status: string; experiment_id: string };
  data: {
    metrics?: Array<{ key: string; value: number }>;
    params?: Array<{ key: string; value: string }>;
    tags?: Array<{ key: string; value: string }>;
  };
}

/** The examples that run, each with what shows it really ran. */
const runs: Record<string, (finished: Finished) => Promise<void>> = {
  'jobs/basics/hello-world.yml': async ({ job, log }) => {
    assert.match(log, /^hello world$/m);
    // Azure names the experiment after the job file's folder when the file names none.
    assert.equal(job.experimentName, 'basics');
  },
  'jobs/basics/hello-world-org.yml': async ({ job, log }) => {
    assert.match(log, /^hello world$/m);
    assert.equal(job.displayName, 'hello-world-example');
    assert.equal(job.experimentName, 'hello-world-example');
    assert.deepEqual(job.tags, { hello: 'world' });
  },
  'jobs/basics/hello-world-env-var.yml': async ({ log }) => {
    assert.match(log, /^hello world$/m);
  },
  'jobs/basics/hello-world-input.yml': async ({ log }) => {
    assert.match(log, /^hello world\n42$/m);
  },
  'jobs/basics/hello-world-output.yml': async ({ job, trellis }) => {
    // ./outputs becomes run artifacts, read back as a user would: trellis job download.
    const target = await mkdtemp(join(tmpdir(), 'trellis-download-'));
    try {
      const downloaded = await runCli(['job', 'download', '--name', job.name, '--download-path', target], { url: trellis.url });
      assert.equal(downloaded.code, 0, downloaded.stderr);
      assert.equal(await readFile(join(target, job.name, 'outputs', 'helloworld.txt'), 'utf8'), 'hello world\n');
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  },
  'jobs/basics/hello-world-output-data.yml': async ({ job, trellis }) => {
    // The declared output is registered as a data asset holding the file the command wrote.
    const output = await trellis.client.get('default', 'data', `azureml_${job.name}_output_data_hello_output`, '1');
    assert.equal(output.spec.type, 'uri_folder');
    const folder = /^trellis:\/\/folders\/(sha256:[0-9a-f]{64})$/.exec(String(output.spec.path))?.[1];
    assert.ok(folder, String(output.spec.path));
    const manifest = (await (await trellis.client.openContent('default', folder)).json()) as {
      files: Array<{ path: string; digest: string }>;
    };
    assert.deepEqual(
      manifest.files.map((file) => file.path),
      ['helloworld.txt'],
    );
    assert.equal(await (await trellis.client.openContent('default', manifest.files[0]!.digest)).text(), 'hello world\n');
  },
  'jobs/basics/hello-code.yml': async ({ log }) => {
    for (const file of ['hello-iris.py', 'hello-mlflow.py', 'hello-sweep.py']) assert.match(log, new RegExp(`^${file}$`, 'm'));
  },
  'jobs/basics/hello-mlflow.yml': async ({ job, trellis }) => {
    const run = await mlflowRun(trellis, job);
    assert.deepEqual(run.data.params, [{ key: 'hello_param', value: 'world' }]);
    const metric = run.data.metrics?.find((candidate) => candidate.key === 'hello_metric');
    assert.ok(metric && metric.value >= 0 && metric.value < 1, JSON.stringify(run.data.metrics));
    const artifacts = (await (await fetch(`${trellis.url}/api/2.0/mlflow/artifacts/list?run_id=${job.runId}`)).json()) as {
      files: Array<{ path: string }>;
    };
    assert.ok(
      artifacts.files.some((file) => file.path === 'helloworld.txt'),
      JSON.stringify(artifacts),
    );
  },
  'jobs/basics/hello-model-as-input.yml': async ({ log }) => {
    for (const file of ['MLmodel', 'conda.yaml', 'model.pkl']) assert.match(log, new RegExp(`^${file}$`, 'm'));
  },
  'jobs/basics/hello-iris-file.yml': async ({ log }) => {
    assert.match(log, /^--iris-csv: \S+\/iris\.csv$/m);
    assertIrisHead(log);
  },
  'jobs/basics/hello-iris-folder.yml': async ({ log }) => {
    assert.match(log, /^iris\.csv$/m);
    assertIrisHead(log);
  },
  'jobs/basics/hello-data-uri-folder.yml': async ({ log }) => {
    assert.match(log, /^titanic\.csv$/m);
  },
  'jobs/basics/hello-dataset.yml': async ({ log }) => {
    assert.match(log, /^iris\.csv$/m);
  },
  'jobs/single-step/scikit-learn/iris/job.yml': async ({ job, trellis }) => {
    assert.equal(job.compute, 'cpu-cluster');
    assert.equal(job.experimentName, 'sklearn-iris-example');
    // mlflow.autolog() in the script logged the SVC's parameters and training metrics to the job's run.
    const run = await mlflowRun(trellis, job);
    const params = Object.fromEntries((run.data.params ?? []).map((param) => [param.key, param.value]));
    assert.equal(params.C, '0.8');
    assert.equal(params.kernel, 'rbf');
    assert.equal(params.coef0, '0.1');
    const accuracy = run.data.metrics?.find((metric) => metric.key === 'training_accuracy_score');
    assert.ok(accuracy && accuracy.value > 0.9, JSON.stringify(run.data.metrics));
  },
  'jobs/single-step/scikit-learn/diabetes/job.yml': async ({ job, trellis }) => {
    assert.equal(job.compute, 'cpu-cluster');
    assert.equal(job.experimentName, 'sklearn-diabetes-example');
    const run = await mlflowRun(trellis, job);
    const params = Object.fromEntries((run.data.params ?? []).map((param) => [param.key, param.value]));
    assert.equal(params.fit_intercept, 'True');
    const r2 = run.data.metrics?.find((metric) => metric.key === 'training_r2_score');
    assert.ok(r2 && r2.value > 0.3 && r2.value < 1, JSON.stringify(run.data.metrics));
  },
  'jobs/single-step/lightgbm/iris/job.yml': async ({ job, trellis }) => {
    assert.equal(job.compute, 'cpu-cluster');
    assert.equal(job.experimentName, 'lightgbm-iris-example');
    // mlflow.autolog() logged LightGBM's parameters and its validation metric by boosting round.
    const run = await mlflowRun(trellis, job);
    const params = Object.fromEntries((run.data.params ?? []).map((param) => [param.key, param.value]));
    assert.equal(params.boosting, 'gbdt');
    const loss = run.data.metrics?.find((metric) => metric.key === 'test-multi_logloss');
    assert.ok(loss && loss.value > 0 && loss.value < 1, JSON.stringify(run.data.metrics));
  },
};

/**
 * The job examples that do not run here, and why. Those Trellis refuses at submit carry the
 * message it gives; the others would be accepted and then fail, so they are not submitted.
 */
const sweepRun = { why: 'a sweep job: run by test/sweeps-azureml-examples.test.ts' };
const notRun: Record<string, { why: string; refusal?: RegExp }> = {
  'jobs/basics/hello-git.yml': {
    why: "pip-installs pygit2 into the image at run time: locally that would change this machine's Python, and the code snapshot is not a git repository",
  },
  'jobs/basics/hello-notebook.yml': {
    why: "pip-installs ipykernel and papermill into the image at run time: locally that would change this machine's Python",
  },
  'jobs/basics/hello-interactive.yml': {
    why: 'a GPU TensorFlow image and interactive services (VS Code, JupyterLab, TensorBoard)',
    refusal: /environment 'azureml:AzureML-tensorflow-2\.16-cuda12@latest' does not exist/,
  },
  'jobs/basics/hello-iris-literal.yml': { why: 'passes the https URL as a string; the script reads it over the internet' },
  'jobs/basics/hello-iris-datastore-file.yml': {
    why: 'reads example-data/iris.csv of workspaceblobstore, which this workspace does not hold: run with the data there by test/datastores.test.ts',
    refusal: /inputs\.iris_csv\.path: 'example-data\/iris\.csv' does not exist in datastore 'workspaceblobstore'/,
  },
  'jobs/basics/hello-iris-datastore-folder.yml': {
    why: 'reads example-data/ of workspaceblobstore, which this workspace does not hold: run with the data there by test/datastores.test.ts',
    refusal: /inputs\.data_dir\.path: the folder 'example-data\/' of datastore 'workspaceblobstore' .* holds no files/,
  },
  'jobs/basics/hello-model-as-output.yml': { why: 'loads the pickled model, which the fixtures keep as a text stand-in' },
  'jobs/basics/hello-sweep.yml': sweepRun,
  'jobs/single-step/scikit-learn/iris/job-sweep.yml': sweepRun,
  'jobs/single-step/lightgbm/iris/job-sweep.yml': sweepRun,
  'jobs/single-step/scikit-learn/iris/job-docker-context.yml': {
    why: 'its packages come from a Dockerfile (built by the Kubernetes backend only), pinned for Python 3.8',
  },
  'jobs/single-step/scikit-learn/iris-notebook/job.yml': {
    why: 'its packages (papermill, pinned for Python 3.8) come from a Dockerfile, built by the Kubernetes backend only',
  },
};
const pipelineRun = {
  why: 'a pipeline job or its component: run by test/pipelines-azureml-examples.test.ts or test/pipelines-parallel-and-nested.test.ts',
};

/** Every job file of the fixtures, relative to cli/: each must be in runs or notRun. */
async function jobFiles(): Promise<string[]> {
  const entries = await readdir(join(examples, 'jobs'), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(examples.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

function notRunEntry(file: string): { why: string; refusal?: RegExp } | undefined {
  const isPipelineExample =
    /\/hello-pipeline[^/]*\.yml$/.test(file) || file.startsWith('jobs/pipelines-with-components/') || file.startsWith('jobs/pipelines/');
  return notRun[file] ?? (isPipelineExample ? pipelineRun : undefined);
}

function assertIrisHead(log: string): void {
  assert.match(log, /sepal_length\s+sepal_width\s+petal_length\s+petal_width\s+species/);
  assert.match(log, /^0\s+5\.1\s+3\.5\s+1\.4\s+0\.2\s+Iris-setosa$/m);
}

async function mlflowRun(trellis: TrellisProcess, job: JobBody): Promise<MlflowRun> {
  const { run } = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${job.runId}`)).json()) as { run: MlflowRun };
  assert.equal(run.info.status, 'FINISHED');
  return run;
}

function waitForEnd(trellis: TrellisProcess, name: string, timeoutMs: number): Promise<JobBody> {
  return waitForJob(trellis.client, name, finished, timeoutMs, 'default', 250);
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

// SQLite only: the store is not what these examples exercise (jobs.test.ts covers both dialects).
describe('the job examples of Azure/azureml-examples run unchanged with trellis job create --file', () => {
  let database: TestDatabase;
  let trellis: TrellisProcess;
  let work: string;

  before(async () => {
    database = await createTestDatabase('sqlite');
    trellis = await startTrellis({
      databaseUrl: database.url,
      env: { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200', TRELLIS_DATA_MIRROR: dataMirror },
    });
    work = await mkdtemp(join(tmpdir(), 'trellis-examples-'));
    const cluster = await runCli(cpuCluster, { url: trellis.url });
    assert.equal(cluster.code, 0, cluster.stderr);
    const files = [];
    for (const asset of dataAssets)
      files.push({
        kind: 'data',
        file: join(work, `${asset.name}.yml`),
        text: `name: ${asset.name}\ntype: uri_folder\npath: ${asset.folder}\n`,
      });
    for (const { kind, file, text } of files) {
      await writeFile(file, text);
      const created = await runCli([kind, 'create', '--file', file], { url: trellis.url });
      assert.equal(created.code, 0, created.stderr);
    }
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
    await database.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('classifies every job file of the fixtures as run or not run', async () => {
    const files = await jobFiles();
    assert.ok(files.length >= 40, `expected the example job files, found ${files.length}`);
    const unclassified = files.filter((file) => (runs[file] === undefined) === (notRunEntry(file) === undefined));
    assert.deepEqual(unclassified, [], 'each job file is either run or listed as not run, with why');
    for (const file of [...Object.keys(runs), ...Object.keys(notRun)]) assert.ok(files.includes(file), `${file} is not in the fixtures`);
  });

  it('runs each example to Completed, and each did what it prints or logs', { timeout: 900_000 }, async () => {
    const submitted = await inBatches(Object.keys(runs), 4, async (file) => {
      const result = await runCli(['job', 'create', '--file', join(examples, file), '-o', 'json'], { url: trellis.url });
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      return { file, name: (JSON.parse(result.stdout) as JobBody).name };
    });
    // The first examples on trellis-python-sklearn build its virtualenv (once, then cached).
    const finished = await Promise.all(submitted.map(async ({ file, name }) => ({ file, job: await waitForEnd(trellis, name, 840_000) })));
    for (const { file, job } of finished) {
      const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${job.name}/logs`)).text();
      assert.equal(job.state, 'Completed', `${file}: ${job.reason ?? ''}\n${log}`);
      assert.equal(job.exitCode, 0, file);
      await runs[file]!({ job, log, trellis });
    }
  });

  it('refuses at submit, saying why, the examples that need what Trellis lacks — and queues none of them', async () => {
    const before = (await trellis.client.listJobs('default')).items.length;
    const refused = (await jobFiles()).flatMap((file) => {
      const entry = notRunEntry(file);
      return entry?.refusal ? [{ file, refusal: entry.refusal }] : [];
    });
    const results = await inBatches(refused, 4, async ({ file, refusal }) => ({
      file,
      refusal,
      result: await runCli(['job', 'create', '--file', join(examples, file)], { url: trellis.url }),
    }));
    for (const { file, refusal, result } of results) {
      assert.equal(result.code, 1, `${file} should be refused`);
      assert.match(result.stderr, refusal, file);
    }
    assert.equal((await trellis.client.listJobs('default')).items.length, before);
  });
});
