import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The MLflow web UI's own routes, over HTTP against a real server: downloads at the workspace's
 * root (/get-artifact, /model-versions/get-artifact), and under /ajax-api/2.0 only upload-artifact,
 * a logged model's file and search-datasets. Each answers as MLflow's server does, refuses paths
 * that climb out of the artifact root, and sees only its own workspace.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the request line as written: fetch() would resolve '..' itself before sending. */
async function rawRequest(url: string, method: string, path: string, body?: string): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ hostname, port, path, method }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function errorOf(answer: Answer): { error_code: string; message: string } {
  return JSON.parse(answer.body) as { error_code: string; message: string };
}

async function createRun(base: string): Promise<{ runId: string; experimentId: string }> {
  const { run } = await mlflowPost<{ run: { info: { run_id: string; experiment_id: string } } }>(base, 'runs/create', {
    experiment_id: '0',
  });
  return { runId: run.info.run_id, experimentId: run.info.experiment_id };
}

for (const dialect of testDialects()) {
  describe(`the MLflow web UI's artifact and dataset routes on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    const upload = (base: string, query: string, body?: string) =>
      rawRequest(trellis.url, 'POST', `${base}/ajax-api/2.0/mlflow/upload-artifact?${query}`, body);

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      await trellis.client.createWorkspace({ name: 'team-a' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('uploads a file to a run from the web UI and downloads it at /get-artifact with MLflow headers', async () => {
      const { runId } = await createRun(trellis.url);
      const stored = await upload('', `run_uuid=${runId}&path=plots/notes.txt`, 'hello world');
      assert.equal(stored.status, 200, stored.body);
      assert.match(String(stored.headers['content-type']), /^application\/json/);

      const got = await rawRequest(trellis.url, 'GET', `/get-artifact?run_uuid=${runId}&path=plots%2Fnotes.txt`);
      assert.equal(got.status, 200, got.body);
      assert.equal(got.body, 'hello world');
      assert.equal(got.headers['content-type'], 'text/plain');
      assert.equal(got.headers['content-disposition'], 'attachment; filename=notes.txt');
      assert.equal(got.headers['x-content-type-options'], 'nosniff');
      // The same file through the proxy: the upload went under the run's artifact root.
      const listed = await (await fetch(`${trellis.url}/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=plots`)).json();
      assert.deepEqual(listed, {
        root_uri: `mlflow-artifacts:/0/${runId}/artifacts`,
        files: [{ path: 'plots/notes.txt', is_dir: false, file_size: 11 }],
      });
      // MLflow 3 names the project file "mlproject", and serves it as text.
      assert.equal((await upload('', `run_uuid=${runId}&path=mlproject`, 'name: x')).status, 200);
      const project = await rawRequest(trellis.url, 'GET', `/get-artifact?run_id=${runId}&path=mlproject`);
      assert.equal(project.headers['content-type'], 'text/plain');
    });

    it("refuses upload-artifact's bad requests in MLflow's order and words", async () => {
      const { runId } = await createRun(trellis.url);
      const cases: Array<[string, string | undefined, number, string, string]> = [
        ['', undefined, 400, 'INVALID_PARAMETER_VALUE', 'Request must specify run_uuid.'],
        [`run_uuid=${runId}`, undefined, 400, 'INVALID_PARAMETER_VALUE', 'Request must specify path.'],
        [`run_uuid=${runId}&path=`, undefined, 400, 'INVALID_PARAMETER_VALUE', 'Request must specify path.'],
        [`run_uuid=${runId}&path=..%2Ftest.txt`, 'x', 400, 'INVALID_PARAMETER_VALUE', 'Invalid path'],
        [`run_uuid=${runId}&path=%252e%252e%2Fescape.txt`, 'x', 400, 'INVALID_PARAMETER_VALUE', 'Invalid path'],
        [`run_uuid=${runId}&path=%2Fetc%2Fpasswd`, 'x', 400, 'INVALID_PARAMETER_VALUE', 'Invalid path'],
        [`run_uuid=${runId}&path=test.txt`, undefined, 400, 'INVALID_PARAMETER_VALUE', 'Request must specify data.'],
        ['run_uuid=no-such-run&path=test.txt', 'x', 404, 'RESOURCE_DOES_NOT_EXIST', ''],
      ];
      for (const [query, body, status, code, message] of cases) {
        const answer = await upload('', query, body);
        assert.equal(answer.status, status, `${query}: ${answer.body}`);
        assert.equal(errorOf(answer).error_code, code, query);
        if (message) assert.equal(errorOf(answer).message, message, query);
      }
      const tooBig = await fetch(`${trellis.url}/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=big.bin`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(10 * 1024 * 1024 + 1),
      });
      assert.equal(tooBig.status, 400);
      assert.equal(((await tooBig.json()) as { message: string }).message, 'Artifact size is too large. Max size is 10MB.');
      assert.equal((await rawRequest(trellis.url, 'GET', `/get-artifact?run_id=${runId}&path=big.bin`)).status, 404);
      // Only the web UI's base has it, as in MLflow.
      assert.equal(
        (await rawRequest(trellis.url, 'POST', `/api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=a.txt`, 'x')).status,
        404,
      );
    });

    it('refuses traversal at /get-artifact with 400 "Invalid path", and answers a missing file or run with 404', async () => {
      const { runId } = await createRun(trellis.url);
      const other = await createRun(trellis.url);
      assert.equal((await upload('', `run_uuid=${other.runId}&path=secret.txt`, 'not yours')).status, 200);
      for (const path of [
        '../path',
        `..%2F..%2F${other.runId}%2Fartifacts%2Fsecret.txt`,
        '%2e%2e%2F%2e%2e%2Fsecret.txt',
        '%2Fetc%2Fpasswd',
        'a%5C..%5Cb',
        'file%3A%2F%2F%2Fetc%2Fpasswd',
      ]) {
        const answer = await rawRequest(trellis.url, 'GET', `/get-artifact?run_id=${runId}&path=${path}`);
        assert.equal(answer.status, 400, `${path}: ${answer.body}`);
        assert.deepEqual(errorOf(answer), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }, path);
      }
      const listed = await rawRequest(trellis.url, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=..%2Fpath`);
      assert.deepEqual(errorOf(listed), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
      const missing = await rawRequest(trellis.url, 'GET', `/get-artifact?run_id=${runId}&path=nothing.txt`);
      assert.equal(missing.status, 404);
      assert.equal(errorOf(missing).error_code, 'RESOURCE_DOES_NOT_EXIST');
      const noRun = await rawRequest(trellis.url, 'GET', '/get-artifact?run_id=no-such-run&path=a.txt');
      assert.equal(noRun.status, 404);
      assert.equal(errorOf(noRun).error_code, 'RESOURCE_DOES_NOT_EXIST');
      const noPath = await rawRequest(trellis.url, 'GET', `/get-artifact?run_id=${runId}`);
      assert.equal(noPath.status, 400);
      assert.equal(errorOf(noPath).error_code, 'INVALID_PARAMETER_VALUE');
    });

    it("serves a workspace's files only under its own prefix", async () => {
      const base = `${trellis.url}/workspaces/team-a/mlflow`;
      const { runId } = await createRun(base);
      assert.equal((await upload('/workspaces/team-a/mlflow', `run_uuid=${runId}&path=team.txt`, 'team a')).status, 200);
      const own = await rawRequest(trellis.url, 'GET', `/workspaces/team-a/mlflow/get-artifact?run_id=${runId}&path=team.txt`);
      assert.equal(own.body, 'team a');
      const fromRoot = await rawRequest(trellis.url, 'GET', `/get-artifact?run_id=${runId}&path=team.txt`);
      assert.equal(fromRoot.status, 404);
      assert.equal(errorOf(fromRoot).error_code, 'RESOURCE_DOES_NOT_EXIST');
    });

    it("downloads a model version's file at /model-versions/get-artifact, and refuses traversal there", async () => {
      const { runId } = await createRun(trellis.url);
      assert.equal((await upload('', `run_uuid=${runId}&path=model%2FMLmodel`, 'flavors: {}')).status, 200);
      await mlflowPost(trellis.url, 'registered-models/create', { name: 'web-ui-model' });
      await mlflowPost(trellis.url, 'model-versions/create', {
        name: 'web-ui-model',
        source: `mlflow-artifacts:/0/${runId}/artifacts/model`,
        run_id: runId,
      });
      const got = await rawRequest(trellis.url, 'GET', '/model-versions/get-artifact?name=web-ui-model&version=1&path=MLmodel');
      assert.equal(got.status, 200, got.body);
      assert.equal(got.body, 'flavors: {}');
      assert.equal(got.headers['content-type'], 'text/plain');
      assert.equal(got.headers['content-disposition'], 'attachment; filename=MLmodel');
      for (const path of ['..%2F..%2Fsecret.txt', '%2Fetc%2Fpasswd']) {
        const answer = await rawRequest(trellis.url, 'GET', `/model-versions/get-artifact?name=web-ui-model&version=1&path=${path}`);
        assert.deepEqual(errorOf(answer), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' }, path);
      }
      // MLflow checks the path before it looks the version up; a doubled slash reaches the route too, as in Flask.
      const traversalFirst = await rawRequest(trellis.url, 'GET', '//model-versions/get-artifact?name=model&version=1&path=..%2Fpath');
      assert.deepEqual(errorOf(traversalFirst), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
      const noVersion = await rawRequest(trellis.url, 'GET', '/model-versions/get-artifact?name=web-ui-model&version=9&path=MLmodel');
      assert.equal(noVersion.status, 404);
      assert.equal(errorOf(noVersion).error_code, 'RESOURCE_DOES_NOT_EXIST');
    });

    it("downloads a logged model's file under /ajax-api/2.0, and refuses a missing or climbing path", async () => {
      const { experimentId } = await createRun(trellis.url);
      const { model } = await mlflowPost<{ model: { info: { model_id: string; artifact_uri: string } } }>(trellis.url, 'logged-models', {
        experiment_id: experimentId,
        name: 'web-ui',
      });
      const { model_id: modelId, artifact_uri: artifactUri } = model.info;
      const proxyPath = artifactUri.replace('mlflow-artifacts:/', '');
      const put = await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${proxyPath}/MLmodel`, {
        method: 'PUT',
        body: `model_id: ${modelId}`,
      });
      assert.equal(put.status, 200);
      const files = `/ajax-api/2.0/mlflow/logged-models/${modelId}/artifacts/files`;
      const got = await rawRequest(trellis.url, 'GET', `${files}?artifact_file_path=MLmodel`);
      assert.equal(got.status, 200, got.body);
      assert.equal(got.body, `model_id: ${modelId}`);
      assert.equal(got.headers['content-type'], 'text/plain');

      const noPath = await rawRequest(trellis.url, 'GET', files);
      assert.equal(noPath.status, 400);
      assert.deepEqual(errorOf(noPath), {
        error_code: 'BAD_REQUEST',
        message: 'Request must include the "artifact_file_path" query parameter.',
      });
      const climbing = await rawRequest(trellis.url, 'GET', `${files}?artifact_file_path=..%2F..%2F..%2Fsecret.txt`);
      assert.deepEqual(errorOf(climbing), { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
      const noModel = await rawRequest(
        trellis.url,
        'GET',
        '/ajax-api/2.0/mlflow/logged-models/m-missing/artifacts/files?artifact_file_path=MLmodel',
      );
      assert.equal(noModel.status, 404);
    });

    it('summarises the datasets of experiments for search-datasets, per workspace, and refuses bad requests', async () => {
      const searchDatasets = (base: string, body: unknown) =>
        fetch(`${base}/ajax-api/2.0/mlflow/experiments/search-datasets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      for (const [body, message] of [
        [{}, 'SearchDatasets request must specify at least one experiment_id.'],
        [{ experiment_ids: [] }, 'SearchDatasets request must specify at least one experiment_id.'],
        [
          { experiment_ids: Array.from({ length: 21 }, (_, i) => `id_${i}`) },
          'SearchDatasets request cannot specify more than 20 experiment_ids. Received 21 experiment_ids.',
        ],
      ] as const) {
        const answer = await searchDatasets(trellis.url, body);
        assert.equal(answer.status, 400);
        assert.deepEqual(await answer.json(), { error_code: 'INVALID_PARAMETER_VALUE', message });
      }

      const { experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', {
        name: 'datasets-web-ui',
      });
      const { run } = await mlflowPost<{ run: { info: { run_id: string } } }>(trellis.url, 'runs/create', { experiment_id: experimentId });
      const dataset = (name: string) => ({ name, digest: `d-${name}`, source_type: 'local', source: `/data/${name}` });
      await mlflowPost(trellis.url, 'runs/log-inputs', {
        run_id: run.info.run_id,
        datasets: [
          { dataset: dataset('train'), tags: [{ key: 'mlflow.data.context', value: 'training' }] },
          { dataset: dataset('raw'), tags: [] },
        ],
      });
      const found = await searchDatasets(trellis.url, { experiment_ids: [experimentId, 'not-a-number'] });
      assert.equal(found.status, 200);
      assert.deepEqual(await found.json(), {
        dataset_summaries: [
          { experiment_id: experimentId, name: 'raw', digest: 'd-raw' },
          { experiment_id: experimentId, name: 'train', digest: 'd-train', context: 'training' },
        ],
      });
      const elsewhere = await searchDatasets(`${trellis.url}/workspaces/team-a/mlflow`, { experiment_ids: [experimentId] });
      assert.deepEqual(await elsewhere.json(), { dataset_summaries: [] });
      const restBase = await fetch(`${trellis.url}/api/2.0/mlflow/experiments/search-datasets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_ids: [experimentId] }),
      });
      assert.equal(restBase.status, 404);
    });
  });
}
