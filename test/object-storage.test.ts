import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { JobBody } from '../src/client/trellis-client.js';
import { TrellisClient } from '../src/client/trellis-client.js';
import { loadConfig } from '../src/config/config.js';
import { isTrellisError } from '../src/core/errors.js';
import { type RunningServer, startServer } from '../src/server/start-server.js';
import { azuriteAccount, type RunningAzurite, startAzurite } from './support/azurite.js';
import { finished, waitForJob } from './support/jobs.js';
import { repositoryRoot, runCli } from './support/trellis-process.js';

/**
 * A Trellis server whose artifacts live in Azure Blob Storage (Azurite): an MLflow run artifact goes up
 * and comes back whole and by range, a job runs code uploaded by the CLI and its logs come back as run
 * artifacts, and every byte of it is in the container under the workspace's prefix, none in the data
 * directory. A store that cannot be reached stops the start with the store, its URL and why.
 */

const container = 'trellis-artifacts';
// Built virtualenvs are kept across runs, like a machine's image cache.
const environmentCache = join(repositoryRoot, '.cache', 'environments');

describe('a server with its artifacts in Azure Blob Storage (Azurite)', () => {
  let azurite: RunningAzurite;
  let home: string;
  let server: RunningServer;
  let client: TrellisClient;
  let blobs: BlobServiceClient;

  const serverEnv = (accountUrl: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRELLIS_HOME: home,
      TRELLIS_PORT: '0',
      TRELLIS_HOST: '127.0.0.1',
      TRELLIS_ENV_CACHE: environmentCache,
      TRELLIS_JOB_TICK_MS: '200',
      TRELLIS_ARTIFACT_STORE: 'azure_blob',
      TRELLIS_AZURE_BLOB_ACCOUNT_URL: accountUrl,
      TRELLIS_AZURE_BLOB_CONTAINER: container,
      TRELLIS_AZURE_BLOB_ACCOUNT_KEY: azuriteAccount.key,
    };
    delete env.TRELLIS_DATABASE_URL;
    return env;
  };

  /** Every blob in the container under the default workspace's space, by its path there, with its size. */
  async function storedBlobs(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const space = 'artifacts/workspaces/default/';
    for await (const blob of blobs.getContainerClient(container).listBlobsFlat({ prefix: space })) {
      found.set(blob.name.slice(space.length), blob.properties.contentLength ?? -1);
    }
    return found;
  }

  before(async () => {
    azurite = await startAzurite();
    home = await mkdtemp(join(tmpdir(), 'trellis-object-storage-'));
    server = await startServer(loadConfig(serverEnv(azurite.accountUrl)), { logLevel: 'silent' });
    client = new TrellisClient(server.url);
    blobs = new BlobServiceClient(azurite.accountUrl, new StorageSharedKeyCredential(azuriteAccount.name, azuriteAccount.key));
  });

  after(async () => {
    await server?.close();
    await azurite?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('names the container and its URL as where artifacts live', () => {
    assert.equal(server.artifactStore, `Azure Blob container '${container}' at ${azurite.accountUrl}`);
  });

  it('keeps an MLflow run artifact in the container: up, back whole and by range, listed', async () => {
    const created = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_id: '0' }),
    });
    assert.equal(created.status, 200, await created.clone().text());
    const { run } = (await created.json()) as { run: { info: { artifact_uri: string } } };
    const runPath = run.info.artifact_uri.replace('mlflow-artifacts:/', '');
    const payload = randomBytes(300_000);
    const url = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${runPath}/model/weights.bin`;
    const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: payload });
    assert.equal(put.status, 200, await put.text());

    const whole = await fetch(url);
    assert.equal(whole.status, 200);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(payload), 'the artifact reads back');
    const ranged = await fetch(url, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 1000-1999/${payload.length}`);
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(payload.subarray(1000, 2000)));
    const listed = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${runPath}/model`)}`);
    const files = ((await listed.json()) as { files?: Array<{ path: string; file_size?: number }> }).files ?? [];
    assert.deepEqual(
      files.map((file) => [file.path, Number(file.file_size)]),
      [['weights.bin', payload.length]],
    );

    const stored = await storedBlobs();
    const key = [...stored.keys()].find((name) => name.startsWith('objects/') && name.endsWith(`${runPath}/model/weights.bin`));
    assert.ok(key, `no blob for the artifact among ${[...stored.keys()].join(', ')}`);
    assert.equal(stored.get(key), payload.length);
    assert.deepEqual(await localArtifacts(home), [], 'no artifact was written to the data directory');
  });

  it('runs a job on code the CLI uploaded to the container, and keeps its logs there', async () => {
    const project = await mkdtemp(join(tmpdir(), 'trellis-object-storage-job-'));
    try {
      const marker = `read-from-blob-${randomBytes(6).toString('hex')}`;
      await mkdir(join(project, 'src'));
      await writeFile(join(project, 'src', 'message.txt'), `${marker}\n`);
      await writeFile(join(project, 'src', 'main.py'), "print(open('message.txt').read().strip())\n");
      await writeFile(
        join(project, 'job.yml'),
        'command: python main.py\ncode: ./src\nenvironment: azureml:trellis-python@latest\ndisplay_name: code from blob\n',
      );
      const submitted = await runCli(['job', 'create', '--file', join(project, 'job.yml'), '-o', 'json'], { url: server.url });
      assert.equal(submitted.code, 0, submitted.stderr);
      const body = JSON.parse(submitted.stdout) as JobBody;
      const code = (body.lineage as { code: { digest: string } }).code;
      const job = await waitForJob(client, body.name, finished);
      const log = await (await fetch(`${server.url}/api/v1/workspaces/default/jobs/${body.name}/logs`)).text();
      assert.equal(job.state, 'Completed', `${job.reason}\n${log}`);
      assert.match(log, new RegExp(marker));

      const stored = await storedBlobs();
      const hex = code.digest.slice('sha256:'.length);
      assert.ok(stored.has(`blobs/sha256/${hex.slice(0, 2)}/${hex}`), "the code's manifest is content in the container");
      assert.ok(
        [...stored.keys()].some((name) => name.startsWith('objects/') && name.endsWith('user_logs/std_log.txt')),
        `the job's log is a run artifact in the container: ${[...stored.keys()].join(', ')}`,
      );
      assert.ok(![...stored.keys()].some((name) => name.startsWith('tmp/')), 'no temp object was left');
      assert.deepEqual(await localArtifacts(home), [], 'no artifact was written to the data directory');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('does not start when the store cannot be reached, naming it, its URL and why', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'trellis-object-storage-down-'));
    try {
      const env = { ...serverEnv('http://127.0.0.1:9/devstoreaccount1'), TRELLIS_HOME: elsewhere };
      await assert.rejects(startServer(loadConfig(env), { logLevel: 'silent' }), (error) => {
        assert.ok(isTrellisError(error));
        assert.equal(error.code, 'ArtifactStoreUnavailable');
        assert.match(
          error.message,
          /^the artifact store \(Azure Blob container 'trellis-artifacts' at http:\/\/127\.0\.0\.1:9\/devstoreaccount1\) failed while checking it at start: ECONNREFUSED/,
        );
        assert.ok(!error.message.includes(azuriteAccount.key));
        return true;
      });
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});

/** The files under the data directory's own artifact folder (none when artifacts live elsewhere). */
async function localArtifacts(home: string): Promise<string[]> {
  try {
    return (await readdir(join(home, 'artifacts'), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
