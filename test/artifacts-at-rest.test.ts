import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { TrellisClient } from '../src/client/trellis-client.js';
import { loadConfig } from '../src/config/config.js';
import { type RunningServer, startServer } from '../src/server/start-server.js';
import { createTestDatabase, type TestDatabase, testDialects } from './support/databases.js';
import { filesHolding } from './support/files-holding.js';

/**
 * Artifacts are encrypted at rest in a workspace whose YAML asks for it (`hbi_workspace: true`, or
 * a `customer_managed_key`): an upload, an MLflow run artifact and a model registered from a file
 * read back whole and by range over HTTP, yet no file under the data directory (the SQLite database
 * with its -wal and -shm included) holds their bytes. A plain workspace still stores plaintext,
 * which shows the scan finds a marker where there is one.
 */

/** A file of ~200 KB (several 64 KiB chunks) with the marker, as text and as raw bytes, in the middle. */
function payloadWith(marker: string): Buffer {
  return Buffer.concat([randomBytes(100_000), Buffer.from(marker, 'utf8'), Buffer.from(marker, 'hex'), randomBytes(100_000)]);
}

/** What was written, to read it again later. */
interface Written {
  payload: Buffer;
  digest: string;
  /** The run artifact's path under mlflow-artifacts/artifacts. */
  artifactPath: string;
}

/** Writes the marker into `workspace` three ways and reads each back, whole and by range. */
async function writeAndReadBack(server: RunningServer, client: TrellisClient, workspace: string, marker: string): Promise<Written> {
  const payload = payloadWith(marker);
  const at = 100_000 - 10;
  const span = payload.subarray(at, at + 150);

  // An upload, then a data asset made from it.
  const uploaded = await client.uploadFile(workspace, Readable.from([payload]));
  assert.equal(uploaded.size, payload.length);
  const downloaded = Buffer.from(await (await client.openContent(workspace, uploaded.digest)).arrayBuffer());
  assert.ok(downloaded.equals(payload), 'the upload reads back');
  assert.deepEqual(await client.contentInfo(workspace, uploaded.digest), { size: payload.length });
  const data = `name: marked\nversion: 1\ntype: uri_file\npath: ./marked.bin\n`;
  const uploads = { './marked.bin': { type: 'file', digest: uploaded.digest, size: uploaded.size, fileName: 'marked.bin' } };
  assert.equal((await client.apply(workspace, { fileName: 'data.yml', text: data, uploads })).action, 'created');

  // A model registered from a file of its own.
  const model = payloadWith(marker);
  const modelUpload = await client.uploadFile(workspace, Readable.from([model]));
  const modelYaml = `name: marked-model\nversion: 1\ntype: custom_model\npath: ./model.bin\n`;
  const modelUploads = { './model.bin': { type: 'file', digest: modelUpload.digest, size: modelUpload.size, fileName: 'model.bin' } };
  assert.equal(
    (await client.apply(workspace, { fileName: 'model.yml', text: modelYaml, uploads: modelUploads, kind: 'model' })).action,
    'created',
  );
  const modelBack = Buffer.from(await (await client.openContent(workspace, modelUpload.digest)).arrayBuffer());
  assert.ok(modelBack.equals(model), 'the model file reads back');

  // An MLflow run artifact, through the MLflow artifact proxy.
  const base = workspace === 'default' ? server.url : `${server.url}/workspaces/${workspace}/mlflow`;
  const created = await fetch(`${base}/api/2.0/mlflow/runs/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_id: '0' }),
  });
  assert.equal(created.status, 200, await created.clone().text());
  const { run } = (await created.json()) as { run: { info: { artifact_uri: string } } };
  const artifactPath = `${run.info.artifact_uri.replace('mlflow-artifacts:/', '')}/outputs/marked.bin`;
  const artifactUrl = `${base}/api/2.0/mlflow-artifacts/artifacts/${artifactPath}`;
  const put = await fetch(artifactUrl, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: payload });
  assert.equal(put.status, 200, await put.text());
  const whole = await fetch(artifactUrl);
  assert.equal(whole.status, 200);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(payload), 'the run artifact reads back');
  const ranged = await fetch(artifactUrl, { headers: { range: `bytes=${at}-${at + span.length - 1}` } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), `bytes ${at}-${at + span.length - 1}/${payload.length}`);
  assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(span), 'the range reads back');
  const suffix = await fetch(artifactUrl, { headers: { range: 'bytes=-7' } });
  assert.equal(suffix.status, 206);
  assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(payload.subarray(payload.length - 7)));
  const listed = await fetch(
    `${base}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${run.info.artifact_uri.replace('mlflow-artifacts:/', '')}/outputs`)}`,
  );
  const files = ((await listed.json()) as { files?: Array<{ path: string; file_size?: number }> }).files ?? [];
  assert.deepEqual(
    files.map((file) => [file.path, Number(file.file_size)]),
    [['marked.bin', payload.length]],
    'listings give the plaintext size',
  );
  return { payload, digest: uploaded.digest, artifactPath };
}

/** Reads what `writeAndReadBack` wrote, from a server started anew. */
async function readAgain(server: RunningServer, client: TrellisClient, workspace: string, written: Written): Promise<void> {
  const content = Buffer.from(await (await client.openContent(workspace, written.digest)).arrayBuffer());
  assert.ok(content.equals(written.payload), 'the upload reads back');
  const url = `${server.url}/workspaces/${workspace}/mlflow/api/2.0/mlflow-artifacts/artifacts/${written.artifactPath}`;
  const ranged = await fetch(url, { headers: { range: 'bytes=65530-65545' } });
  assert.equal(ranged.status, 206);
  assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(written.payload.subarray(65530, 65546)), 'a range across two chunks');
}

for (const dialect of testDialects()) {
  describe(`artifacts at rest on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let server: RunningServer | undefined;
    let client: TrellisClient;

    async function serve(): Promise<RunningServer> {
      const env: NodeJS.ProcessEnv = { ...process.env, TRELLIS_HOME: home, TRELLIS_PORT: '0', TRELLIS_HOST: '127.0.0.1' };
      delete env.TRELLIS_DATABASE_URL;
      if (database.url) env.TRELLIS_DATABASE_URL = database.url;
      const started = await startServer(loadConfig(env), { logLevel: 'silent' });
      client = new TrellisClient(started.url);
      return started;
    }

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-artifacts-at-rest-'));
      database = await createTestDatabase(dialect);
      server = await serve();
    });
    after(async () => {
      await server?.close();
      await database?.drop();
      await rm(home, { recursive: true, force: true });
    });

    it("keeps every byte of an hbi_workspace's artifacts out of the data directory, and reads them back whole and by range", async () => {
      assert.ok(server);
      await client.createWorkspace({ name: 'sealed', hbi_workspace: true });
      const marker = randomBytes(32).toString('hex');
      const written = await writeAndReadBack(server, client, 'sealed', marker);
      assert.deepEqual(await filesHolding(home, Buffer.from(marker, 'utf8')), [], 'the marker as text');
      assert.deepEqual(await filesHolding(home, Buffer.from(marker, 'hex')), [], 'the marker as bytes');
      const stored = await readdir(join(home, 'artifacts', 'workspaces', 'sealed'), { recursive: true });
      assert.ok(stored.some((path) => path.startsWith('objects')) && stored.some((path) => path.startsWith('blobs')), stored.join());

      // The data key outlives the process, and a rotation of the key-encryption key leaves it readable.
      await server.close();
      server = undefined;
      server = await serve();
      await client.rotateWorkspaceKey('sealed');
      await readAgain(server, client, 'sealed', written);
      assert.deepEqual(await filesHolding(home, Buffer.from(marker, 'utf8')), []);
    });

    it('destroys the data key with its workspace: a sealed file kept from before never opens in a new workspace of that name', async () => {
      assert.ok(server);
      await client.createWorkspace({ name: 'shredded', hbi_workspace: true });
      const written = await writeAndReadBack(server, client, 'shredded', randomBytes(16).toString('hex'));
      const workspaceRoot = join(home, 'artifacts', 'workspaces', 'shredded');
      const stored = (await readdir(workspaceRoot, { recursive: true })).find((path) => path.endsWith('marked.bin'));
      assert.ok(stored, 'the run artifact is stored under the workspace');
      const objectFile = join(workspaceRoot, stored);
      const kept = await readFile(objectFile);
      await client.deleteWorkspace('shredded', undefined, { force: true });
      await client.createWorkspace({ name: 'shredded', hbi_workspace: true });
      // What a backup, or a delete that failed half-way, would have left: the same sealed bytes at the same place.
      await mkdir(dirname(objectFile), { recursive: true });
      await writeFile(objectFile, kept);
      const url = `${server.url}/workspaces/shredded/mlflow/api/2.0/mlflow-artifacts/artifacts/${written.artifactPath}`;
      const answer = await fetch(url);
      const body = await answer.text();
      assert.equal(answer.status, 500, body);
      assert.match(body, /cannot be decrypted/);
      assert.match(body, /sealed with data key 'dk-[^']+', which workspace 'shredded' does not have/);
    });

    it("still stores a plain workspace's artifacts as they are (the scan finds the marker there)", async () => {
      assert.ok(server);
      await client.createWorkspace({ name: 'plain' });
      const marker = randomBytes(32).toString('hex');
      await writeAndReadBack(server, client, 'plain', marker);
      const holding = await filesHolding(home, Buffer.from(marker, 'utf8'));
      assert.ok(
        holding.some((path) => path.includes(join('workspaces', 'plain', 'objects'))),
        holding.join(),
      );
      assert.ok(
        holding.some((path) => path.includes(join('workspaces', 'plain', 'blobs'))),
        holding.join(),
      );
      assert.ok(!holding.some((path) => path.includes(join('workspaces', 'sealed'))), holding.join());
    });
  });
}
