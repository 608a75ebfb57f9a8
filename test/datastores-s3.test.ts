import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { JobBody } from '../src/client/trellis-client.js';
import { TrellisClient } from '../src/client/trellis-client.js';
import { loadConfig } from '../src/config/config.js';
import { type RunningServer, startServer } from '../src/server/start-server.js';
import { finished, waitForJob } from './support/jobs.js';
import { motoCredentials, type RunningMoto, startMoto } from './support/moto.js';
import { repositoryRoot, runCli } from './support/trellis-process.js';

/**
 * An S3 datastore (Trellis's extension of the datastore YAML) over moto's S3 server: created with its
 * keys (tried at create), and a job whose input is a file on azureml://datastores/<it>/paths/... gets
 * it downloaded, and whose output on another path of it is uploaded there when the job ends; a batch
 * endpoint invoked on a folder of the datastore scores the CSV files there.
 */

const bucket = 'data-bucket';
const irisCsv = join(
  repositoryRoot,
  'test',
  'fixtures',
  'azureml-examples',
  'data-mirror',
  'azuremlexamples.blob.core.windows.net',
  'datasets',
  'iris.csv',
);

describe('an S3 datastore over moto', () => {
  let moto: RunningMoto;
  let home: string;
  let server: RunningServer;
  let client: TrellisClient;
  let s3: S3Client;

  before(async () => {
    moto = await startMoto();
    s3 = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials: motoCredentials });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'inputs/iris.csv', Body: await readFile(irisCsv) }));
    home = await mkdtemp(join(tmpdir(), 'trellis-datastores-s3-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRELLIS_HOME: home,
      TRELLIS_PORT: '0',
      TRELLIS_HOST: '127.0.0.1',
      TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
      TRELLIS_JOB_TICK_MS: '200',
      TRELLIS_JOB_GRACE_SECONDS: '2',
    };
    delete env.TRELLIS_DATABASE_URL;
    delete env.TRELLIS_ARTIFACT_STORE;
    server = await startServer(loadConfig(env), { logLevel: 'silent' });
    client = new TrellisClient(server.url);
  });

  after(async () => {
    await server?.close();
    await moto?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('runs a job whose input and output are paths of the S3 datastore', async () => {
    const created = await fetch(`${server.url}/api/v1/workspaces/default/datastores`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        yaml: [
          'name: s3_example',
          'type: s3',
          `bucket: ${bucket}`,
          `endpoint_url: ${moto.endpoint}`,
          'credentials:',
          `  access_key_id: ${motoCredentials.accessKeyId}`,
          `  secret_access_key: ${motoCredentials.secretAccessKey}`,
          '',
        ].join('\n'),
      }),
    });
    assert.equal(created.status, 201, await created.text());

    const project = await mkdtemp(join(tmpdir(), 'trellis-s3-datastore-job-'));
    try {
      const jobFile = join(project, 'job.yml');
      await writeFile(
        jobFile,
        [
          'command: >-',
          '  python -c "import sys; rows = open(sys.argv[1]).read().splitlines();',
          "  print('rows:', len(rows)); open(sys.argv[2] + '/count.txt', 'w').write(str(len(rows)))\"",
          '  ${{inputs.iris}} ${{outputs.result}}',
          'environment: azureml:trellis-python@latest',
          'inputs:',
          '  iris:',
          '    type: uri_file',
          '    path: azureml://datastores/s3_example/paths/inputs/iris.csv',
          'outputs:',
          '  result:',
          '    type: uri_folder',
          '    mode: rw_mount',
          '    path: azureml://datastores/s3_example/paths/results/run-1/',
          '',
        ].join('\n'),
      );
      const submitted = await runCli(['job', 'create', '--file', jobFile, '-o', 'json'], { url: server.url });
      assert.equal(submitted.code, 0, submitted.stderr);
      const name = (JSON.parse(submitted.stdout) as JobBody).name;
      const job = await waitForJob(client, name, finished);
      const log = await (await fetch(`${server.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
      assert.equal(job.state, 'Completed', `${job.reason ?? ''}\n${log}`);
      const rows = (await readFile(irisCsv, 'utf8')).split('\n').filter((line) => line !== '').length;
      assert.match(log, new RegExp(`^rows: ${rows}$`, 'm'), log);
      const written = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'results/run-1/count.txt' }));
      assert.equal(await written.Body?.transformToString(), String(rows));
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('scores a batch endpoint invoked on a folder of the S3 datastore', async () => {
    for (let index = 0; index < 4; index++)
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `batch-in/part-${index}.csv`, Body: '5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n' }),
      );
    const scratch = await mkdtemp(join(tmpdir(), 'trellis-s3-datastore-batch-'));
    try {
      await mkdir(join(scratch, 'model'));
      await copyFile(join(repositoryRoot, 'test', 'fixtures', 'serving', 'iris-logreg.onnx'), join(scratch, 'model', 'model.onnx'));
      await writeFile(join(scratch, 'model.yml'), 'name: iris-batch\nversion: 1\ntype: custom_model\npath: ./model\n');
      await writeFile(
        join(scratch, 'compute.yml'),
        'name: cpu-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 1\n',
      );
      await writeFile(join(scratch, 'endpoint.yml'), 'name: iris-s3\n');
      await writeFile(
        join(scratch, 'deployment.yml'),
        'name: first\nendpoint_name: iris-s3\nmodel: azureml:iris-batch:1\ncompute: azureml:cpu-cluster\nsettings:\n  mini_batch_size: 2\n  output_action: summary_only\n',
      );
      const cli = async (args: string[]): Promise<string> => {
        const result = await runCli([...args, '-o', 'json'], { url: server.url, cwd: scratch });
        assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
        return result.stdout;
      };
      await cli(['compute', 'create', '--file', 'compute.yml']);
      await cli(['model', 'create', '--file', 'model.yml']);
      await cli(['batch-endpoint', 'create', '--file', 'endpoint.yml']);
      await cli(['batch-deployment', 'create', '--file', 'deployment.yml']);
      const invoked = JSON.parse(
        await cli(['batch-endpoint', 'invoke', '-n', 'iris-s3', '--input', 'azureml://datastores/s3_example/paths/batch-in/']),
      ) as JobBody & { outputDataAsset: string };
      const job = await waitForJob(client, invoked.name, finished, 120_000);
      const log = await (await fetch(`${server.url}/api/v1/workspaces/default/jobs/${invoked.name}/logs`)).text();
      assert.equal(job.state, 'Completed', `${job.reason ?? ''}\n${log}`);
      const asset = await client.get('default', 'data', invoked.outputDataAsset, '1');
      const digest = /(sha256:[0-9a-f]{64})$/.exec(String(asset.spec.path))?.[1] ?? '';
      const manifest = (await (await client.openContent('default', digest)).json()) as { files: Array<{ path: string; digest: string }> };
      const summaryFile = manifest.files.find((file) => file.path === 'batch-summary.json');
      assert.ok(summaryFile, JSON.stringify(manifest));
      const summary = JSON.parse(await (await client.openContent('default', summaryFile.digest)).text()) as { rows: number };
      assert.equal(summary.rows, 8, 'every row of the four files on the datastore');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
