import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { finished, waitForJob } from './support/jobs.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * Batch endpoints end to end: 1,000 small CSV files scored by an ONNX model with 2 workers on a
 * cpu cluster; the server is killed with SIGKILL mid-way and restarted; the job finishes and its
 * output data asset holds every row exactly once.
 */

const files = 1_000;
const rowsPerFile = 3;
// Built virtualenvs are kept across runs, like a machine's image cache (the scoring-script test uses one).
const jobSettings = {
  TRELLIS_JOB_TICK_MS: '200',
  TRELLIS_JOB_GRACE_SECONDS: '2',
  TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
};
const cluster =
  'name: cpu-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 2\nidle_time_before_scale_down: 30\n';

async function ledgerLines(home: string, job: string): Promise<number> {
  const folder = join(home, 'jobs', 'default', job);
  const attempts = await readdir(folder).catch(() => [] as string[]);
  let count = 0;
  for (const attempt of attempts.filter((name) => name.startsWith('attempt-'))) {
    const text = await readFile(join(folder, attempt, 'checkpoints', 'ledger.jsonl'), 'utf8').catch(() => '');
    count = Math.max(count, text.split('\n').filter(Boolean).length);
  }
  return count;
}

describe('batch endpoints on sqlite: 1,000 CSV files, 2 workers, a kill -9 of the server mid-way', () => {
  let trellis: TrellisProcess;
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-batch-'));
    await mkdir(join(scratch, 'model'), { recursive: true });
    await copyFile(join(repositoryRoot, 'test', 'fixtures', 'serving', 'iris-logreg.onnx'), join(scratch, 'model', 'model.onnx'));
    await mkdir(join(scratch, 'in'), { recursive: true });
    for (let index = 0; index < files; index++) {
      const rows = Array.from(
        { length: rowsPerFile },
        (_, row) => `${(4.5 + (index % 30) / 10).toFixed(1)},3.${row},1.${index % 7},0.${(index + row) % 9}`,
      );
      await writeFile(
        join(scratch, 'in', `part-${String(index).padStart(4, '0')}.csv`),
        `sepal_length,sepal_width,petal_length,petal_width\n${rows.join('\n')}\n`,
      );
    }
    await writeFile(join(scratch, 'model.yml'), 'name: iris-batch\nversion: 1\ntype: custom_model\npath: ./model\n');
    await writeFile(join(scratch, 'data.yml'), 'name: iris-csv\nversion: 1\ntype: uri_folder\npath: ./in\n');
    trellis = await startTrellis({ env: jobSettings });
    await trellis.client.apply('default', { fileName: 'compute.yml', text: cluster, kind: 'compute' });
    for (const file of ['model.yml', 'data.yml']) {
      const created = await runCli([file.startsWith('model') ? 'model' : 'data', 'create', '--file', join(scratch, file)], {
        url: trellis.url,
        cwd: scratch,
      });
      assert.equal(created.code, 0, created.stderr);
    }
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('scores every row exactly once into the output data asset, across a kill -9 of the server', async () => {
    const startedAt = Date.now();
    await trellis.client.applyBatchEndpoint('default', { fileName: 'endpoint.yml', text: 'name: iris-batch\nauth_mode: aad_token\n' });
    const deployment = [
      'name: onnx',
      'endpoint_name: iris-batch',
      'type: model',
      'model: azureml:iris-batch:1',
      'compute: azureml:cpu-cluster',
      'resources:',
      '  instance_count: 1',
      'settings:',
      '  max_concurrency_per_instance: 2',
      // One file per mini-batch: 1,000 ledger lines, so the kill lands mid-way.
      '  mini_batch_size: 1',
      '  output_action: append_row',
      '  output_file_name: predictions.csv',
      '  retry_settings:',
      '    max_retries: 2',
      '    timeout: 30',
      '  error_threshold: -1',
      '',
    ].join('\n');
    const created = await trellis.client.applyBatchDeployment('default', 'iris-batch', {
      fileName: 'deployment.yml',
      text: deployment,
      uploads: {},
    });
    assert.equal(created.action, 'created');
    assert.equal((await trellis.client.getBatchEndpoint('default', 'iris-batch')).defaultDeployment, 'onnx');

    const job = await trellis.client.invokeBatchEndpoint('default', 'iris-batch', { input: 'azureml:iris-csv:1' });
    assert.equal(job.deployment, 'onnx');
    await waitFor(
      async () => {
        const now = await trellis.client.getJob('default', job.name);
        assert.ok(!finished(now), `the job ended before the kill: ${now.state} ${now.reason ?? ''}`);
        return ledgerLines(trellis.home, job.name);
      },
      { what: `50 finished mini-batches of job ${job.name}`, until: (lines) => lines >= 50, timeoutMs: 60_000, intervalMs: 20 },
    );
    await trellis.stop('SIGKILL');
    const atKill = await ledgerLines(trellis.home, job.name);
    assert.ok(atKill < files, `the server was killed after ${atKill} of ${files} mini-batches`);
    trellis = await startTrellis({ home: trellis.home, env: jobSettings });

    const ended = await waitForJob(trellis.client, job.name, finished, 90_000);
    assert.equal(ended.state, 'Completed', `${ended.reason ?? ''}\n${trellis.output()}`);
    assert.equal(await ledgerLines(trellis.home, job.name), files);
    const listed = await trellis.client.listBatchJobs('default', 'iris-batch');
    assert.deepEqual(
      listed.items.map((item) => item.name),
      [job.name],
    );

    // The output data asset: a folder holding predictions.csv and batch-summary.json.
    const asset = await trellis.client.get('default', 'data', job.outputDataAsset, '1');
    const folderDigest = /^trellis:\/\/folders\/(sha256:[0-9a-f]{64})$/.exec(String(asset.spec.path))?.[1];
    assert.ok(folderDigest, String(asset.spec.path));
    const manifest = (await (await trellis.client.openContent('default', folderDigest)).json()) as {
      files: Array<{ path: string; digest: string }>;
    };
    const readFileOf = async (name: string) =>
      (await trellis.client.openContent('default', manifest.files.find((file) => file.path === name)!.digest)).text();
    const lines = (await readFileOf('predictions.csv')).trim().split('\n');
    assert.equal(lines[0], 'file,row,prediction');
    const keys = lines.slice(1).map((line) => line.split(',').slice(0, 2).join(','));
    assert.equal(keys.length, files * rowsPerFile, 'one output row per input row');
    assert.equal(new Set(keys).size, files * rowsPerFile, 'no row scored twice');
    assert.match(lines[1]!, /^part-0000\.csv,0,"\{""label"":\d/);
    const summary = JSON.parse(await readFileOf('batch-summary.json')) as { succeeded: number; failed: number; rows: number };
    assert.deepEqual([summary.succeeded, summary.failed, summary.rows], [files, 0, files * rowsPerFile]);
    process.stdout.write(
      `# batch: ${files} files, ${files * rowsPerFile} rows; killed after ${atKill} mini-batches; ${((Date.now() - startedAt) / 1000).toFixed(1)} s from create to checked\n`,
    );
  });

  it('is driven from the CLI: a local folder is uploaded and scored, list-jobs names the job, a bad deployment is refused', async () => {
    const small = join(scratch, 'small');
    await mkdir(small, { recursive: true });
    for (let index = 0; index < 20; index++) await writeFile(join(small, `f${index}.csv`), '5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n');
    await writeFile(join(scratch, 'endpoint-cli.yml'), 'name: iris-cli\n');
    await writeFile(
      join(scratch, 'deployment-cli.yml'),
      'name: first\nendpoint_name: iris-cli\nmodel: azureml:iris-batch:1\ncompute: azureml:cpu-cluster\nsettings:\n  mini_batch_size: 3\n  max_concurrency_per_instance: 2\n  output_action: summary_only\n',
    );
    // The CLI's JSON is parsed by the shape each step reads, so a changed answer fails here, by name.
    const cli = async <Answer>(args: string[], answer: z.ZodType<Answer>): Promise<Answer> => {
      const result = await runCli([...args, '-o', 'json'], { url: trellis.url, cwd: scratch });
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return answer.parse(JSON.parse(result.stdout));
    };
    await cli(['batch-endpoint', 'create', '--file', 'endpoint-cli.yml'], z.unknown());
    await cli(['batch-deployment', 'create', '--file', 'deployment-cli.yml'], z.unknown());
    const shown = await cli(
      ['batch-deployment', 'show', '-n', 'first', '-e', 'iris-cli'],
      z.object({ spec: z.object({ settings: z.object({ mini_batch_size: z.number() }) }) }),
    );
    assert.equal(shown.spec.settings.mini_batch_size, 3);
    const refused = await runCli(
      ['batch-deployment', 'create', '--file', 'deployment-cli.yml', '--name', 'second', '--set', 'compute=azureml:nowhere'],
      { url: trellis.url, cwd: scratch },
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /compute 'nowhere' does not exist/);
    const job = await cli(
      ['batch-endpoint', 'invoke', '-n', 'iris-cli', '--input', './small'],
      z.object({ name: z.string(), outputDataAsset: z.string() }),
    );
    const ended = await waitForJob(trellis.client, job.name, finished, 60_000);
    assert.equal(ended.state, 'Completed', ended.reason ?? '');
    const listed = await cli(['batch-endpoint', 'list-jobs', '-n', 'iris-cli'], z.array(z.object({ name: z.string() })));
    assert.deepEqual(
      listed.map((item) => item.name),
      [job.name],
    );
    // summary_only: the output holds the summary and no predictions file.
    const asset = await trellis.client.get('default', 'data', job.outputDataAsset, '1');
    const digest = /(sha256:[0-9a-f]{64})$/.exec(String(asset.spec.path))![1]!;
    const manifest = (await (await trellis.client.openContent('default', digest)).json()) as {
      files: Array<{ path: string; digest: string }>;
    };
    assert.deepEqual(
      manifest.files.map((file) => file.path),
      ['batch-summary.json'],
    );
    const summary = JSON.parse(await (await trellis.client.openContent('default', manifest.files[0]!.digest)).text()) as {
      miniBatches: number;
      rows: number;
    };
    assert.deepEqual([summary.miniBatches, summary.rows], [7, 40]);
  });

  it('runs an Azure ML batch scoring script — init() and run(mini_batch) returning a pandas DataFrame — in the environment the deployment names, on two nodes', async () => {
    const small = join(scratch, 'scripted-input');
    await mkdir(small, { recursive: true });
    for (let index = 0; index < 10; index++)
      await writeFile(join(small, `f${index}.csv`), `5.1,3.5,1.4,0.2\n${'6.3,3.3,6.0,2.5\n'.repeat(index % 3)}`);
    await mkdir(join(scratch, 'script'), { recursive: true });
    await writeFile(
      join(scratch, 'script', 'batch_score.py'),
      [
        'import os',
        'import pandas as pd',
        '',
        'def init():',
        '    global model_files',
        // Azure ML's layout: the model folder ('./model') under AZUREML_MODEL_DIR by its own name.
        "    model_files = sorted(os.listdir(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'model')))",
        '',
        'def run(mini_batch):',
        '    rows = []',
        '    for path in mini_batch:',
        '        frame = pd.read_csv(path, header=None)',
        "        rows.append({'file': os.path.basename(path), 'rows': len(frame), 'model': model_files[0]})",
        '    return pd.DataFrame(rows)',
        '',
      ].join('\n'),
    );
    await writeFile(join(scratch, 'endpoint-script.yml'), 'name: iris-script\n');
    await writeFile(
      join(scratch, 'deployment-script.yml'),
      [
        'name: scripted',
        'endpoint_name: iris-script',
        'type: model',
        'model: azureml:iris-batch:1',
        'code_configuration:',
        '  code: ./script',
        '  scoring_script: batch_score.py',
        'environment: azureml:trellis-python-sklearn@latest',
        'compute: azureml:cpu-cluster',
        // Two nodes share the mini-batches; node 0 writes the output.
        'resources:',
        '  instance_count: 2',
        'settings:',
        '  mini_batch_size: 3',
        '  max_concurrency_per_instance: 2',
        '  output_file_name: rows.csv',
        '',
      ].join('\n'),
    );
    for (const args of [
      ['batch-endpoint', 'create', '--file', 'endpoint-script.yml'],
      ['batch-deployment', 'create', '--file', 'deployment-script.yml'],
    ]) {
      const result = await runCli(args, { url: trellis.url, cwd: scratch });
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    const invoked = await runCli(['batch-endpoint', 'invoke', '-n', 'iris-script', '--input', './scripted-input', '-o', 'json'], {
      url: trellis.url,
      cwd: scratch,
    });
    assert.equal(invoked.code, 0, invoked.stderr);
    const job = JSON.parse(invoked.stdout) as { name: string; outputDataAsset: string };
    // The first job on trellis-python-sklearn may build its virtualenv.
    const ended = await waitForJob(trellis.client, job.name, finished, 600_000);
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${job.name}/logs`)).text();
    assert.equal(ended.state, 'Completed', `${ended.reason ?? ''}\n${log}`);
    assert.equal(
      ended.lineage.environment && 'name' in ended.lineage.environment ? ended.lineage.environment.name : '',
      'trellis-python-sklearn',
    );
    assert.equal(ended.instanceCount, 2);
    assert.match(log, /node 0 of 2/);
    const asset = await trellis.client.get('default', 'data', job.outputDataAsset, '1');
    const digest = /(sha256:[0-9a-f]{64})$/.exec(String(asset.spec.path))![1]!;
    const manifest = (await (await trellis.client.openContent('default', digest)).json()) as {
      files: Array<{ path: string; digest: string }>;
    };
    const rowsFile = manifest.files.find((file) => file.path === 'rows.csv');
    assert.ok(rowsFile, `no rows.csv in ${manifest.files.map((file) => file.path).join(', ')}`);
    // One row per file, as the DataFrame held it, no header (append_row).
    const lines = (await (await trellis.client.openContent('default', rowsFile.digest)).text()).trim().split('\n').sort();
    assert.deepEqual(lines, Array.from({ length: 10 }, (_, index) => `f${index}.csv,${1 + (index % 3)},model.onnx`).sort());

    // The output, downloaded as az ml job download --output-name does it; an output the job does not have is named.
    const downloaded = await runCli(
      ['job', 'download', '-n', job.name, '--output-name', 'score', '--download-path', join(scratch, 'downloads')],
      { url: trellis.url, cwd: scratch },
    );
    assert.equal(downloaded.code, 0, downloaded.stderr);
    const local = await readFile(join(scratch, 'downloads', job.name, 'score', 'rows.csv'), 'utf8');
    assert.deepEqual(local.trim().split('\n').sort(), lines);
    assert.ok(JSON.parse(await readFile(join(scratch, 'downloads', job.name, 'score', 'batch-summary.json'), 'utf8')));
    const missing = await runCli(['job', 'download', '-n', job.name, '--output-name', 'nope'], { url: trellis.url, cwd: scratch });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /has no registered output 'nope'.*its outputs: score/);
  });
});
