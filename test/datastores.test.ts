import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { JobBody } from '../src/client/trellis-client.js';
import { TrellisClient } from '../src/client/trellis-client.js';
import { loadConfig } from '../src/config/config.js';
import { type RunningServer, startServer } from '../src/server/start-server.js';
import { azuriteAccount, type RunningAzurite, startAzurite } from './support/azurite.js';
import { finished, waitForJob } from './support/jobs.js';
import { repositoryRoot, runCli } from './support/trellis-process.js';

/**
 * Datastores on a server whose artifact store is Azure Blob Storage (Azurite), so the workspace's
 * workspaceblobstore is in Azurite too: the two azureml-examples datastore jobs run unchanged once
 * iris.csv is put there with the Azure SDK; a datastore with a wrong key is refused with Azure's
 * reason and nothing is kept; one with the right key is kept, its key never answered, and a job's
 * output bound to it lands in its container.
 */

const artifactContainer = 'trellis-artifacts';
const dataContainer = 'data-container';
const basics = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs', 'basics');
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

describe('datastores over Azurite', () => {
  let azurite: RunningAzurite;
  let home: string;
  let server: RunningServer;
  let client: TrellisClient;
  let blobs: BlobServiceClient;

  const datastoreYaml = (key: string) =>
    [
      '$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json',
      'name: blob_example',
      'type: azure_blob',
      'description: Datastore pointing to a blob container.',
      `account_name: ${azuriteAccount.name}`,
      `container_name: ${dataContainer}`,
      `endpoint: ${new URL(azurite.accountUrl).origin}`,
      'credentials:',
      `  account_key: ${key}`,
      '',
    ].join('\n');

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const response = await fetch(`${server.url}/api/v1/workspaces/default${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, text: await response.text() };
  }

  async function runExample(file: string): Promise<{ job: JobBody; log: string }> {
    const submitted = await runCli(['job', 'create', '--file', join(basics, file), '-o', 'json'], { url: server.url });
    assert.equal(submitted.code, 0, submitted.stderr);
    const name = (JSON.parse(submitted.stdout) as JobBody).name;
    const job = await waitForJob(client, name, finished);
    const log = await (await fetch(`${server.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
    assert.equal(job.state, 'Completed', `${job.reason}\n${log}`);
    return { job, log };
  }

  before(async () => {
    azurite = await startAzurite();
    home = await mkdtemp(join(tmpdir(), 'trellis-datastores-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRELLIS_HOME: home,
      TRELLIS_PORT: '0',
      TRELLIS_HOST: '127.0.0.1',
      TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
      TRELLIS_JOB_TICK_MS: '200',
      TRELLIS_ARTIFACT_STORE: 'azure_blob',
      TRELLIS_AZURE_BLOB_ACCOUNT_URL: azurite.accountUrl,
      TRELLIS_AZURE_BLOB_CONTAINER: artifactContainer,
      TRELLIS_AZURE_BLOB_ACCOUNT_KEY: azuriteAccount.key,
    };
    delete env.TRELLIS_DATABASE_URL;
    server = await startServer(loadConfig(env), { logLevel: 'silent' });
    client = new TrellisClient(server.url);
    blobs = new BlobServiceClient(azurite.accountUrl, new StorageSharedKeyCredential(azuriteAccount.name, azuriteAccount.key));
    await blobs.getContainerClient(dataContainer).createIfNotExists();
  });

  after(async () => {
    await server?.close();
    await azurite?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('lists the built-in datastores and refuses to delete them', async () => {
    const { items } = await client.listDatastores('default');
    assert.deepEqual(
      items.map((item) => [item.name, item.isBuiltIn]),
      [
        ['workspaceblobstore', true],
        ['workspaceartifactstore', true],
      ],
    );
    const refused = await api('DELETE', '/datastores/workspaceblobstore');
    assert.equal(refused.status, 409);
    assert.match(refused.text, /built into every workspace/);
  });

  it('refuses a datastore job input whose file is not there, naming the input and the datastore', async () => {
    const submitted = await runCli(['job', 'create', '--file', join(basics, 'hello-iris-datastore-file.yml')], { url: server.url });
    assert.notEqual(submitted.code, 0);
    assert.match(submitted.stderr, /inputs\.iris_csv\.path: 'example-data\/iris\.csv' does not exist in datastore 'workspaceblobstore'/);
  });

  it('runs hello-iris-datastore-file and -folder unchanged once iris.csv is in workspaceblobstore', async () => {
    // Put there with the Azure SDK, as a user would with azcopy or Storage Explorer: the workspace's space, its datastore's folder.
    const key = 'artifacts/workspaces/default/objects/datastores/workspaceblobstore/example-data/iris.csv';
    await blobs.getContainerClient(artifactContainer).getBlockBlobClient(key).uploadFile(irisCsv);

    const file = await runExample('hello-iris-datastore-file.yml');
    assert.match(file.log, /^--iris-csv: \S+\/iris\.csv$/m);
    assert.match(file.log, /sepal_length\s+sepal_width\s+petal_length\s+petal_width\s+species/);
    assert.match(file.log, /^0\s+5\.1\s+3\.5\s+1\.4\s+0\.2\s+Iris-setosa$/m);

    const folder = await runExample('hello-iris-datastore-folder.yml');
    assert.match(folder.log, /^iris\.csv$/m, 'ls of the downloaded folder');
    assert.match(folder.log, /^0\s+5\.1\s+3\.5\s+1\.4\s+0\.2\s+Iris-setosa$/m);
  });

  it('refuses a datastore whose key is wrong with Azure’s reason, and keeps nothing', async () => {
    const wrongKey = Buffer.from('not the account key at all, but base64').toString('base64');
    const refused = await api('POST', '/datastores', { yaml: datastoreYaml(wrongKey) });
    assert.equal(refused.status, 400, refused.text);
    // Azurite's words for a wrong key (Azure itself says 403 AuthenticationFailed).
    assert.match(
      refused.text,
      /was not created: Azure Blob container 'data-container' at \S+ answered: 403 Authori[sz]ationFailure: Server failed to authenticate the request/,
    );
    assert.doesNotMatch(refused.text, new RegExp(wrongKey.slice(0, 20)));
    const { items } = await client.listDatastores('default');
    assert.equal(items.length, 2, 'only the built-in ones');
  });

  it('keeps a datastore with the right key, never answers the key, and a job output bound to it lands in its container', async () => {
    const created = await api('POST', '/datastores', { yaml: datastoreYaml(azuriteAccount.key) });
    assert.equal(created.status, 201, created.text);
    const shown = await runCli(['datastore', 'show', '--name', 'blob_example', '-o', 'json'], { url: server.url });
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).credentials, { type: 'account_key' });
    const listed = await api('GET', '/datastores');
    const audit = await api('GET', '/audit');
    const stored = await readFile(join(home, 'trellis.db'));
    for (const text of [created.text, shown.stdout, listed.text, audit.text, stored.toString('latin1')])
      assert.ok(!text.includes(azuriteAccount.key.slice(0, 24)), 'the account key is never answered nor stored in the open');

    const project = await mkdtemp(join(tmpdir(), 'trellis-datastore-output-'));
    try {
      const jobFile = join(project, 'job.yml');
      await writeFile(
        jobFile,
        [
          "command: python -c \"import sys; open(sys.argv[1] + '/hello.txt', 'w').write('hello datastore')\" ${{outputs.result}}",
          'environment: azureml:trellis-python@latest',
          'outputs:',
          '  result:',
          '    type: uri_folder',
          '    mode: rw_mount',
          '    path: azureml://datastores/blob_example/paths/results/run-1/',
          '',
        ].join('\n'),
      );
      const submitted = await runCli(['job', 'create', '--file', jobFile, '-o', 'json'], { url: server.url });
      assert.equal(submitted.code, 0, submitted.stderr);
      const name = (JSON.parse(submitted.stdout) as JobBody).name;
      const job = await waitForJob(client, name, finished);
      assert.equal(job.state, 'Completed', job.reason ?? '');
      const written = await blobs.getContainerClient(dataContainer).getBlobClient('results/run-1/hello.txt').downloadToBuffer();
      assert.equal(written.toString(), 'hello datastore');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
