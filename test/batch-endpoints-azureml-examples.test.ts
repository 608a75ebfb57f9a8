import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The batch endpoint examples of Azure/azureml-examples (cli/endpoints/batch/deploy-models,
 * commit 085cd6ea, kept byte for byte under test/fixtures/azureml-examples), run as their
 * deploy-and-run.sh runs them: each `az ml ...` command of the script, in order, as `trellis ...`
 * from the example's folder, against one server. Where the script cannot run as written (on Azure
 * either) or names something only Azure has, the nearest working form is used and a comment says
 * why. The results are checked for real: a prediction for every row of the example's CSV files,
 * equal to the model's own predict() on the same file.
 *
 * The first run builds two Python 3.8 environments from the examples' conda files (mlflow,
 * scikit-learn 1.1.2, xgboost 1.3.3; azureml-core too for the scripted one) — minutes; they are
 * kept in <repo>/.cache/environments, so later runs reuse them.
 */

const execFileAsync = promisify(execFile);
const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'endpoints', 'batch', 'deploy-models');
const environmentCache = join(repositoryRoot, '.cache', 'environments');
const jobSettings = { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '2', TRELLIS_ENV_CACHE: environmentCache };
// A first run builds the environments: give a job that long.
const exampleTimeoutMs = 25 * 60_000;

// The example's data (heart-classifier-mlflow/data): 100 + 100 + 100 + 3 rows, each file with a header line.
const dataFiles = ['heart-unlabeled-0.csv', 'heart-unlabeled-1.csv', 'heart-unlabeled-2.csv', 'heart-unlabeled-3.csv'];

/** Rows of each data file, counted from the CSV files themselves (the header line left out). */
async function rowsPerFile(dataFolder: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const file of dataFiles)
    counts[file] = (await readFile(join(dataFolder, file), 'utf8')).split('\n').filter((line) => line.trim() !== '').length - 1;
  return counts;
}

/**
 * The model's own predictions for each data file: model.pkl unpickled and predict() called on
 * pd.read_csv of the file, outside Trellis. It needs scikit-learn 1.1.2 and xgboost, which the test
 * venv (TRELLIS_TEST_PYTHON) does not have; the environment the scoring job ran in (built from the
 * example's conda file, found in the cache by its pinned packages) does.
 */
async function modelPredictions(modelFile: string, dataFolder: string): Promise<Record<string, number[]>> {
  const python = await exampleEnvironmentPython();
  const script = [
    'import json, os, pickle, sys',
    'import pandas as pd',
    "model = pickle.load(open(sys.argv[1], 'rb'))",
    'print(json.dumps({os.path.basename(path): [int(value) for value in model.predict(pd.read_csv(path))] for path in sys.argv[2:]}))',
  ].join('\n');
  const { stdout } = await execFileAsync(python, ['-c', script, modelFile, ...dataFiles.map((file) => join(dataFolder, file))], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, number[]>;
}

/** The python of a cached environment that pins the examples' scikit-learn 1.1.2 and holds xgboost. */
async function exampleEnvironmentPython(): Promise<string> {
  const found: string[] = [];
  for (const entry of await readdir(environmentCache).catch(() => [] as string[])) {
    const ready = await readFile(join(environmentCache, entry, 'ready.json'), 'utf8').catch(() => undefined);
    if (!ready) continue;
    const requirements = (JSON.parse(ready) as { pipRequirements?: string[] }).pipRequirements ?? [];
    if (requirements.includes('scikit-learn==1.1.2') && requirements.some((requirement) => requirement.startsWith('xgboost')))
      found.push(join(environmentCache, entry, 'bin', 'python'));
  }
  assert.ok(
    found[0],
    `no environment in ${environmentCache} pins scikit-learn==1.1.2 with xgboost: the scoring job should have built one from the example's conda file`,
  );
  return found[0];
}

/** Each row's prediction of an append_row predictions.csv (`file,row,prediction`), by file. */
function predictionsByFile(text: string): Record<string, number[]> {
  const lines = text.trim().split('\n');
  assert.equal(lines[0], 'file,row,prediction');
  const byFile: Record<string, number[]> = {};
  for (const line of lines.slice(1)) {
    const [file, row, prediction] = line.split(',');
    let rows = byFile[file!];
    if (!rows) {
      rows = [];
      byFile[file!] = rows;
    }
    assert.equal(rows[Number(row)], undefined, `${file} row ${row} has two predictions`);
    rows[Number(row)] = JSON.parse(prediction!) as number;
  }
  return byFile;
}

describe('the batch endpoint examples of azureml-examples, their deploy-and-run.sh with trellis for az ml', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  // The script's ENDPOINT_SUFIX: five random characters.
  const suffix = () => randomBytes(8).toString('hex').slice(0, 5);

  before(async () => {
    // A copy of the examples: the scripts download into their own folder (./).
    scratch = await mkdtemp(join(tmpdir(), 'trellis-batch-examples-'));
    await cp(examples, scratch, { recursive: true });
    trellis = await startTrellis({ env: jobSettings });
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** One `az ml` command of the script, as `trellis`, from the example's folder; it must succeed. */
  const az = async (folder: string, args: string[]) => {
    const result = await runCli(args, { url: trellis.url, cwd: join(scratch, folder) });
    assert.equal(result.code, 0, `trellis ${args.join(' ')}\n${result.stderr}\n${result.stdout}\n${trellis.output().slice(-4000)}`);
    return result.stdout;
  };

  it('heart-classifier-mlflow (deployment-simple): a no-code MLflow XGBoost model, in the environment of its own conda.yaml, predicts every row as the model does', {
    timeout: exampleTimeoutMs,
  }, async () => {
    const startedAt = Date.now();
    const folder = 'heart-classifier-mlflow';
    const endpoint = `heart-classifier-${suffix()}`;
    // The script registers `--path "model"`, a folder the example does not have (on Azure too the
    // command fails); the model it deploys is deployment-simple/model.
    await az(folder, [
      'model',
      'create',
      '--name',
      'heart-classifier-mlflow',
      '--type',
      'mlflow_model',
      '--path',
      'deployment-simple/model',
    ]);
    await az(folder, ['data', 'create', '-f', 'heart-dataset-unlabeled.yml']);
    await az(folder, ['compute', 'create', '-n', 'batch-cluster', '--type', 'amlcompute', '--min-instances', '0', '--max-instances', '5']);
    await az(folder, ['batch-endpoint', 'create', '-n', endpoint, '-f', 'endpoint.yml']);
    await az(folder, ['batch-endpoint', 'show', '--name', endpoint]);
    await az(folder, [
      'batch-deployment',
      'create',
      '--file',
      'deployment-simple/deployment.yml',
      '--endpoint-name',
      endpoint,
      '--set-default',
    ]);
    const deployment = 'classifier-xgboost-mlflow';
    await az(folder, ['batch-endpoint', 'update', '--name', endpoint, '--set', `defaults.deployment_name=${deployment}`]);
    await az(folder, ['batch-deployment', 'show', '--name', deployment, '--endpoint-name', endpoint]);
    // The script writes `JOB_NAME = $(...)`, which bash runs as a command named JOB_NAME (set -e
    // ends the script there, on Azure too); the assignment it means:
    const job = (
      await az(folder, [
        'batch-endpoint',
        'invoke',
        '--name',
        endpoint,
        '--input',
        'azureml:heart-dataset-unlabeled@latest',
        '--query',
        'name',
        '-o',
        'tsv',
      ])
    ).trim();
    assert.match(job, /^[\w-]+$/, `invoke --query name -o tsv printed '${job}'`);
    // `--web` opens the studio in a browser on Azure; trellis prints the job's studio page.
    await az(folder, ['job', 'show', '-n', job, '--web']);
    const listed = await az(folder, [
      'batch-deployment',
      'list-jobs',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
      '--query',
      '[].name',
    ]);
    assert.deepEqual(JSON.parse(listed), [job]);
    // Follows the log until the job ends; the first run builds the model's environment here.
    const stream = await runCli(['job', 'stream', '-n', job], { url: trellis.url, cwd: join(scratch, folder) });
    const status = (await az(folder, ['job', 'show', '-n', job, '--query', 'status', '-o', 'tsv'])).trim();
    assert.equal(status, 'Completed', `${stream.stdout}\n${stream.stderr}`);
    await az(folder, ['job', 'download', '--name', job, '--output-name', 'score', '--download-path', './']);
    // The script then deploys deployment-custom and invokes it on the MNIST images of a public
    // blob (a heart classifier on digits: that job fails on Azure too); this test stops at the
    // deployment the example is about. The endpoint is deleted as the script ends.

    const predicted = predictionsByFile(await readFile(join(scratch, folder, job, 'score', 'predictions.csv'), 'utf8'));
    const counts = await rowsPerFile(join(scratch, folder, 'data'));
    assert.deepEqual(Object.keys(predicted).sort(), dataFiles);
    for (const file of dataFiles)
      assert.equal(predicted[file]!.filter((value) => value !== undefined).length, counts[file], `${file}: one prediction per row`);
    // 303 rows in all.
    assert.equal(
      Object.values(predicted).flat().length,
      Object.values(counts).reduce((sum, count) => sum + count, 0),
    );
    // Equal to the pickled pipeline's own predict(): the model loaded with its xgboost, which only the
    // environment of its conda.yaml holds (the curated scikit-learn one has none).
    const expected = await modelPredictions(
      join(scratch, folder, 'deployment-simple', 'model', 'model.pkl'),
      join(scratch, folder, 'data'),
    );
    assert.deepEqual(predicted, expected, "the endpoint's predictions are the model's own");
    assert.ok(
      Object.values(predicted)
        .flat()
        .every((value) => value === 0 || value === 1),
    );
    const summary = JSON.parse(await readFile(join(scratch, folder, job, 'score', 'batch-summary.json'), 'utf8')) as {
      succeeded: number;
      failed: number;
      rows: number;
    };
    assert.deepEqual([summary.succeeded, summary.failed, summary.rows], [2, 0, 303]);

    await az(folder, ['batch-endpoint', 'delete', '--name', endpoint, '--yes']);
    process.stdout.write(`# heart-classifier-mlflow: ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  });

  it('custom-outputs-parquet: a scoring script writes a parquet file with a prediction column per input file, in its inline conda environment', {
    timeout: exampleTimeoutMs,
  }, async () => {
    const startedAt = Date.now();
    const folder = 'custom-outputs-parquet';
    const endpoint = `heart-classifier-custom-${suffix()}`;
    await az(folder, ['model', 'create', '--name', 'heart-classifier-sklpipe', '--type', 'custom_model', '--path', 'model']);
    // The same workspace as the example above, as two scripts run one after the other on Azure: batch-cluster is there already, unchanged.
    await az(folder, ['compute', 'create', '-n', 'batch-cluster', '--type', 'amlcompute', '--min-instances', '0', '--max-instances', '5']);
    await az(folder, ['batch-endpoint', 'create', '-n', endpoint, '-f', 'endpoint.yml']);
    await az(folder, ['batch-endpoint', 'show', '--name', endpoint]);
    await az(folder, ['batch-deployment', 'create', '--file', 'deployment.yml', '--endpoint-name', endpoint, '--set-default']);
    const deployment = 'classifier-xgboost-custom';
    await az(folder, ['batch-endpoint', 'update', '--name', endpoint, '--set', `defaults.deployment_name=${deployment}`]);
    await az(folder, ['batch-deployment', 'show', '--name', deployment, '--endpoint-name', endpoint]);
    // The script scores https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data,
    // a public blob folder (Trellis records such a path, it does not fetch it); the same heart data,
    // as the examples ship it locally (heart-classifier-mlflow/data), uploaded from the folder.
    // `JOB_NAME = $(...)` as above.
    const job = (
      await az(folder, [
        'batch-endpoint',
        'invoke',
        '--name',
        endpoint,
        '--input',
        '../heart-classifier-mlflow/data',
        '--query',
        'name',
        '-o',
        'tsv',
      ])
    ).trim();
    await az(folder, ['job', 'show', '-n', job, '--web']);
    assert.deepEqual(
      JSON.parse(
        await az(folder, ['batch-deployment', 'list-jobs', '--name', deployment, '--endpoint-name', endpoint, '--query', '[].name']),
      ),
      [job],
    );
    const stream = await runCli(['job', 'stream', '-n', job], { url: trellis.url, cwd: join(scratch, folder) });
    const status = (await az(folder, ['job', 'show', '-n', job, '--query', 'status', '-o', 'tsv'])).trim();
    assert.equal(status, 'Completed', `${stream.stdout}\n${stream.stderr}`);
    await az(folder, ['job', 'download', '--name', job, '--output-name', 'score', '--download-path', './']);

    // summary_only: the script's parquet files and the summary, no predictions file.
    const output = join(scratch, folder, job, 'score');
    const parquetFiles = dataFiles.map((file) => file.replace(/\.csv$/, '.parquet'));
    assert.deepEqual((await readdir(output)).sort(), ['batch-summary.json', ...parquetFiles].sort());
    const python = process.env.TRELLIS_TEST_PYTHON ?? join(repositoryRoot, '.cache', 'python-venv', 'bin', 'python');
    const read = [
      'import json, os, sys',
      'import pandas as pd',
      "print(json.dumps({os.path.basename(path): {'columns': list(pd.read_parquet(path).columns), 'prediction': [int(value) for value in pd.read_parquet(path)['prediction']]} for path in sys.argv[1:]}))",
    ].join('\n');
    const { stdout } = await execFileAsync(python, ['-c', read, ...parquetFiles.map((file) => join(output, file))], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const tables = JSON.parse(stdout) as Record<string, { columns: string[]; prediction: number[] }>;
    const header = (await readFile(join(scratch, 'heart-classifier-mlflow', 'data', dataFiles[0]!), 'utf8')).split('\n')[0]!.split(',');
    const counts = await rowsPerFile(join(scratch, 'heart-classifier-mlflow', 'data'));
    const expected = await modelPredictions(join(scratch, folder, 'model', 'model.pkl'), join(scratch, 'heart-classifier-mlflow', 'data'));
    for (const file of dataFiles) {
      const table = tables[file.replace(/\.csv$/, '.parquet')]!;
      // The input's columns, then the script's prediction.
      assert.deepEqual(table.columns, [...header, 'prediction']);
      assert.equal(table.prediction.length, counts[file], `${file}: one prediction per row`);
      assert.deepEqual(table.prediction, expected[file], `${file}: the model's own predictions`);
    }
    const summary = JSON.parse(await readFile(join(output, 'batch-summary.json'), 'utf8')) as {
      succeeded: number;
      failed: number;
      failedFiles: number;
    };
    assert.deepEqual([summary.succeeded, summary.failed, summary.failedFiles], [2, 0, 0]);

    await az(folder, ['batch-endpoint', 'delete', '--name', endpoint, '--yes']);
    process.stdout.write(`# custom-outputs-parquet: ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  });

  it("fails the job with the script's error when its init() raises: the example's script given a model without a .pkl file (issue 11)", {
    timeout: exampleTimeoutMs,
  }, async (t) => {
    const folder = 'custom-outputs-parquet';
    const endpoint = `heart-classifier-broken-${suffix()}`;
    // init() takes glob(f"{AZUREML_MODEL_DIR}/*/*.pkl")[-1]: a model folder of CSV files has none.
    await az(folder, [
      'model',
      'create',
      '--name',
      'heart-data-not-a-model',
      '--type',
      'custom_model',
      '--path',
      '../heart-classifier-mlflow/data',
    ]);
    await az(folder, ['compute', 'create', '-n', 'batch-cluster', '--type', 'amlcompute', '--min-instances', '0', '--max-instances', '5']);
    await az(folder, ['batch-endpoint', 'create', '-n', endpoint, '-f', 'endpoint.yml']);
    // The example's deployment, its script and inline environment (built by the test above, or here), another model.
    await az(folder, [
      'batch-deployment',
      'create',
      '--file',
      'deployment.yml',
      '--endpoint-name',
      endpoint,
      '--set',
      'model=azureml:heart-data-not-a-model@latest',
      '--set-default',
    ]);
    const job = (
      await az(folder, [
        'batch-endpoint',
        'invoke',
        '--name',
        endpoint,
        '--input',
        '../heart-classifier-mlflow/data',
        '--query',
        'name',
        '-o',
        'tsv',
      ])
    ).trim();
    const stream = await runCli(['job', 'stream', '-n', job], { url: trellis.url, cwd: join(scratch, folder) });
    const ended = await trellis.client.getJob('default', job);
    assert.equal(ended.state, 'Failed', `${ended.reason ?? ''}\n${stream.stdout}`);
    // The log holds the script's traceback and its exception.
    assert.match(stream.stdout, /Traceback \(most recent call last\)[\s\S]*batch_driver\.py[\s\S]*IndexError: list index out of range/);
    // Its last line says why; on two nodes (instance_count: 2), the one that failed first is named (node 0's log is the job's).
    assert.match(
      stream.stdout,
      /batch driver: (node 1 failed: )?the scoring script batch_driver\.py did not start \(its import or init\(\) failed\): IndexError: list index out of range\n/,
    );
    // The driver's last line says why (above); the job's reason quotes it after the exit code (a step of its own, on this job).
    await t.test("names the script's error in the failed job's reason, not only its exit code", () => {
      assert.match(ended.reason ?? '', /IndexError: list index out of range/);
    });
    // A failed job registers no output: nothing pretends the scoring succeeded.
    const download = await runCli(['job', 'download', '--name', job, '--output-name', 'score', '--download-path', './'], {
      url: trellis.url,
      cwd: join(scratch, folder),
    });
    assert.notEqual(download.code, 0);
    assert.match(download.stderr, /has no registered output 'score'/);
    await az(folder, ['batch-endpoint', 'delete', '--name', endpoint, '--yes']);
  });
});
