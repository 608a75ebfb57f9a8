import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeploymentBody } from '../src/client/trellis-client.js';
import { cli, cliJson, endpointFixtures, score, waitForDeployment } from './support/endpoints.js';
import { finished, waitForJob } from './support/jobs.js';
import { once } from './support/once.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

// Built virtualenvs are kept across runs, like a machine's image cache.
const environmentCache = join(repositoryRoot, '.cache', 'environments');

/** What log-sklearn-model.py printed: the registered version, a sample and scikit-learn's own predictions for it. */
interface Logged {
  name: string;
  version: string;
  columns: string[];
  index: number[];
  data: number[][];
  predictions: number[];
}

describe("an MLflow model logged with the real Python client, deployed with no code, scored in Azure ML's input format", () => {
  let trellis: TrellisProcess;
  // The logged model, and its deployment on iris-mlflow, are made once, by the first test that needs them (whichever runs first).
  const logModel = once(async () => {
    const result = await runPython(join(endpointFixtures, 'log-sklearn-model.py'), {
      MLFLOW_TRACKING_URI: trellis.url,
      REGISTERED_MODEL: 'iris-sklearn',
    });
    assert.equal(result.code, 0, result.output);
    return JSON.parse(result.output.trim().split('\n').at(-1)!) as Logged;
  });
  const deployModel = once(async () => {
    const logged = await logModel();
    await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml', '--name', 'iris-mlflow']);
    await cliJson(trellis.url, [
      'online-deployment',
      'create',
      '--file',
      'mlflow-deployment.yml',
      '--set',
      `model=azureml:${logged.name}:${logged.version}`,
      '--all-traffic',
    ]);
    return waitForDeployment(trellis.client, 'iris-mlflow', 'sklearn', undefined, 300_000);
  });
  const mlflowKey = async () =>
    (await cliJson<{ primaryKey: string }>(trellis.url, ['online-endpoint', 'get-credentials', '--name', 'iris-mlflow'])).primaryKey;

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environmentCache } });
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('logs and registers the model through MLflow, and it becomes model asset azureml:<name>:<version>', async () => {
    const logged = await logModel();
    assert.equal(logged.version, '1');
    const asset = await trellis.client.get('default', 'model', 'iris-sklearn', '1');
    assert.equal(asset.spec.type, 'mlflow_model');
    assert.match(String(asset.spec.path), /^mlflow-artifacts:\/\d+\/models\/m-[0-9a-f]+\/artifacts$/);
  });

  it('deploys it with no code in the environment saved with the model (its conda.yaml) and answers as the trained model does', async () => {
    const logged = await logModel();
    const ready = await deployModel();
    const logs = await cli(trellis.url, ['online-deployment', 'get-logs', '--name', 'sklearn', '--endpoint-name', 'iris-mlflow']);
    assert.equal(ready.state, 'Succeeded', `${ready.reason}\n${logs.stdout}`);
    assert.match(logs.stdout, /mlflow runtime, 1 instance\(s\) starting/);
    assert.match(logs.stdout, /model loaded in \d+ ms/);

    const shown = await cliJson<DeploymentBody>(trellis.url, [
      'online-deployment',
      'show',
      '--name',
      'sklearn',
      '--endpoint-name',
      'iris-mlflow',
    ]);
    assert.deepEqual(shown.lineage.model, { name: 'iris-sklearn', version: '1', type: 'mlflow_model' });
    // What it runs in is on record, though the deployment named no environment: as on Azure ML, the
    // one built from the conda file MLflow saved with the model (fixed by the model's version).
    assert.equal(shown.lineage.environment?.name, 'mlflow-model-conda');
    assert.equal(shown.lineage.environment?.curated, false);
    assert.match(shown.lineage.environment?.version ?? '', /^[0-9a-f]{12}$/);

    const key = await mlflowKey();
    const url = `${trellis.url}/endpoints/iris-mlflow/score`;
    const body = JSON.stringify({ input_data: { columns: logged.columns, index: logged.index, data: logged.data } });
    const scored = await score(url, { credential: key, body });
    assert.equal(scored.status, 200, scored.text);
    assert.deepEqual(scored.json(), logged.predictions);
    assert.equal(scored.headers.get('azureml-model-deployment'), 'sklearn');
    assert.equal(scored.headers.get('x-trellis-model'), 'iris-sklearn:1');

    // The same rows over the Open Inference Protocol, one tensor per column.
    const inputs = logged.columns.map((name, column) => ({
      name,
      shape: [logged.data.length],
      datatype: 'FP64',
      data: logged.data.map((row) => row[column]),
    }));
    const inferred = await score(`${trellis.url}/v2/models/iris-mlflow/infer`, { credential: key, body: JSON.stringify({ inputs }) });
    assert.equal(inferred.status, 200, inferred.text);
    const v2 = inferred.json() as { model_name: string; model_version: string; outputs: Array<{ data: number[] }> };
    assert.deepEqual(v2.outputs[0]?.data, logged.predictions);
    assert.equal(v2.model_name, 'iris-sklearn');
    assert.equal(v2.model_version, '1');
  });

  it('answers input the model cannot take with 400 naming what it expects', async () => {
    const logged = await logModel();
    const ready = await deployModel();
    assert.equal(ready.state, 'Succeeded', ready.reason ?? '');
    const key = await mlflowKey();
    const url = `${trellis.url}/endpoints/iris-mlflow/score`;
    const wrongColumns = await score(url, {
      credential: key,
      body: JSON.stringify({ input_data: { columns: ['a', 'b'], data: [[1, 2]] } }),
    });
    assert.equal(wrongColumns.status, 400);
    assert.match(
      (wrongColumns.json() as { error: string }).error,
      /missing inputs \['sepal_length', 'sepal_width', 'petal_length', 'petal_width'\]/,
    );
    const notJson = await score(url, { credential: key, body: 'not json' });
    assert.equal(notJson.status, 400);
    assert.match((notJson.json() as { error: string }).error, /the body is not JSON.*the model expects 'sepal_length' FP64/);
    const noKey = await score(url, { body: JSON.stringify({ input_data: { columns: logged.columns, data: logged.data } }) });
    assert.equal(noKey.status, 401);
  });

  it('predicts concurrent /score calls together and answers each with its own prediction; a bad call among them gets its own 400', async () => {
    const logged = await logModel();
    await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml', '--name', 'iris-together']);
    await cliJson(trellis.url, [
      'online-deployment',
      'create',
      '--file',
      'mlflow-deployment.yml',
      '--set',
      'endpoint_name=iris-together',
      '--set',
      `model=azureml:${logged.name}:${logged.version}`,
      '--set',
      'request_settings.max_concurrent_requests_per_instance=16',
      '--all-traffic',
    ]);
    const ready = await waitForDeployment(trellis.client, 'iris-together', 'sklearn', undefined, 300_000);
    assert.equal(ready.state, 'Succeeded', ready.reason ?? '');
    const together = (await cliJson<{ primaryKey: string }>(trellis.url, ['online-endpoint', 'get-credentials', '--name', 'iris-together']))
      .primaryKey;
    const url = `${trellis.url}/endpoints/iris-together/score`;
    const call = (row: unknown[]) =>
      score(url, { credential: together, body: JSON.stringify({ input_data: { columns: logged.columns, data: [row] } }) });
    const logsOf = async () =>
      (await cli(trellis.url, ['online-deployment', 'get-logs', '--name', 'sklearn', '--endpoint-name', 'iris-together'])).stdout;
    // Many calls at once, one sample row each: while the worker predicts one, the next ones wait
    // together and go to predict() as one batch. How many wait depends on timing, so the rounds go
    // on (at most five) until the worker has said it predicted some together.
    for (let round = 0; round < 5; round++) {
      const rows = Array.from({ length: 48 }, (_, index) => index % logged.data.length);
      const answers = await Promise.all(rows.map((index) => call(logged.data[index]!)));
      assert.deepEqual(
        answers.map((answer) => answer.status),
        rows.map(() => 200),
        answers.map((answer) => answer.text).join('\n'),
      );
      assert.deepEqual(
        answers.map((answer) => (answer.json() as number[])[0]),
        rows.map((index) => logged.predictions[index]),
      );
      if (/\d+ \/score calls predicted together/.test(await logsOf())) break;
    }
    assert.match(await logsOf(), /\d+ \/score calls predicted together/);
    // A call the model cannot take, among good ones: it alone gets the 400.
    const good = logged.data.map((row) => call(row));
    const refused = await call(['not', 'a', 'number', 'row']);
    const answers = await Promise.all(good);
    assert.equal(refused.status, 400, refused.text);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      logged.data.map(() => 200),
    );
    assert.deepEqual(
      answers.map((answer) => (answer.json() as number[])[0]),
      logged.predictions,
    );
  });

  it('scores CSV files with the same model on a batch endpoint (no code: the MLflow model in its environment)', async () => {
    const logged = await logModel();
    const scratch = await mkdtemp(join(tmpdir(), 'trellis-mlflow-batch-'));
    try {
      await mkdir(join(scratch, 'in'));
      // One file per sample row, with the model's column names as the header.
      for (const [index, row] of logged.data.entries())
        await writeFile(join(scratch, 'in', `row-${index}.csv`), `${logged.columns.join(',')}\n${row.join(',')}\n`);
      await writeFile(
        join(scratch, 'cluster.yml'),
        'name: cpu-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 1\n',
      );
      await writeFile(join(scratch, 'endpoint.yml'), 'name: iris-mlflow-batch\n');
      await writeFile(
        join(scratch, 'deployment.yml'),
        `name: sklearn\nendpoint_name: iris-mlflow-batch\nmodel: azureml:${logged.name}:${logged.version}\ncompute: azureml:cpu-cluster\nsettings:\n  mini_batch_size: 2\n  max_concurrency_per_instance: 2\n`,
      );
      for (const args of [
        ['compute', 'create', '--file', 'cluster.yml'],
        ['batch-endpoint', 'create', '--file', 'endpoint.yml'],
        ['batch-deployment', 'create', '--file', 'deployment.yml'],
      ]) {
        const result = await runCli(args, { url: trellis.url, cwd: scratch });
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      }
      const invoked = await runCli(['batch-endpoint', 'invoke', '-n', 'iris-mlflow-batch', '--input', './in', '-o', 'json'], {
        url: trellis.url,
        cwd: scratch,
      });
      assert.equal(invoked.code, 0, invoked.stderr);
      const job = JSON.parse(invoked.stdout) as { name: string; outputDataAsset: string };
      const ended = await waitForJob(trellis.client, job.name, finished, 300_000);
      const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${job.name}/logs`)).text();
      assert.equal(ended.state, 'Completed', `${ended.reason ?? ''}\n${log}`);
      const asset = await trellis.client.get('default', 'data', job.outputDataAsset, '1');
      const digest = /(sha256:[0-9a-f]{64})$/.exec(String(asset.spec.path))![1]!;
      const manifest = (await (await trellis.client.openContent('default', digest)).json()) as {
        files: Array<{ path: string; digest: string }>;
      };
      const predictions = manifest.files.find((file) => file.path === 'predictions.csv');
      assert.ok(predictions, `no predictions.csv in ${manifest.files.map((file) => file.path).join(', ')}`);
      const lines = (await (await trellis.client.openContent('default', predictions.digest)).text()).trim().split('\n');
      assert.equal(lines[0], 'file,row,prediction');
      // Each file's one row, predicted as scikit-learn predicted it.
      const byFile = new Map(lines.slice(1).map((line) => [line.split(',')[0]!, Number(line.split(',')[2])]));
      assert.deepEqual(
        logged.data.map((_, index) => byFile.get(`row-${index}.csv`)),
        logged.predictions,
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
