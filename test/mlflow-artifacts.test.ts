import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const script = join(repositoryRoot, 'test', 'python', 'mlflow_artifacts_flow.py');

/** Small enough that a file of a few MB is past it: uploads must stream, not be buffered as a body. */
const maxBodyBytes = 1024 * 1024;
const maxUploadBytes = 8 * 1024 * 1024;

/** Sends a request line as written: fetch() would resolve '..' and '%2e%2e' itself before sending. */
async function rawRequest(url: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      // A POST says its body is JSON: a text/plain POST without credentials is refused before routing (cross-site forgery).
      {
        hostname,
        port,
        path,
        method,
        headers: body === undefined ? {} : { 'content-type': method === 'POST' ? 'application/json' : 'text/plain' },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function createRun(base: string): Promise<string> {
  const response = await fetch(`${base}/api/2.0/mlflow/runs/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_id: '0' }),
  });
  const { run } = (await response.json()) as { run: { info: { artifact_uri: string } } };
  return run.info.artifact_uri.replace('mlflow-artifacts:/', '');
}

for (const dialect of testDialects()) {
  describe(`MLflow artifacts through Trellis's proxy on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({
        databaseUrl: database.url,
        env: { TRELLIS_MAX_BODY_BYTES: String(maxBodyBytes), TRELLIS_MAX_UPLOAD_BYTES: String(maxUploadBytes) },
      });
      await trellis.client.createWorkspace({ name: 'team-a' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('passes every check of the artifact flow at the server root (default workspace)', async () => {
      const result = await runPython(script, {
        MLFLOW_TRACKING_URI: trellis.url,
        TRELLIS_ROOT_URL: trellis.url,
        TRELLIS_TEST_SUFFIX: 'root',
      });
      assert.equal(result.code, 0, `${result.output}\n--- server ---\n${trellis.output()}`);
      assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/);
    });

    it("passes the same checks at /workspaces/team-a/mlflow, and the server root cannot read team-a's artifacts", async () => {
      const result = await runPython(script, {
        MLFLOW_TRACKING_URI: `${trellis.url}/workspaces/team-a/mlflow`,
        TRELLIS_ROOT_URL: trellis.url,
        TRELLIS_TEST_SUFFIX: 'team-a',
      });
      assert.equal(result.code, 0, `${result.output}\n--- server ---\n${trellis.output()}`);
      assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/);
      const runPath = /RUN_ARTIFACT_PATH=(\S+)/.exec(result.output)?.[1];
      assert.ok(runPath);
      const own = await fetch(`${trellis.url}/workspaces/team-a/mlflow/api/2.0/mlflow-artifacts/artifacts/${runPath}/read%20me.txt`);
      assert.equal(await own.text(), 'hello trellis');
      for (const base of ['/api/2.0', '/ajax-api/2.0']) {
        const fromRoot = await fetch(`${trellis.url}${base}/mlflow-artifacts/artifacts/${runPath}/read%20me.txt`);
        assert.equal(fromRoot.status, 404);
        assert.equal(((await fromRoot.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
      }
    });

    it('refuses paths that climb out of the artifact root with 400 INVALID_PARAMETER_VALUE', async () => {
      const runPath = await createRun(trellis.url);
      const attempts: Array<[string, string, string | undefined]> = [
        ['PUT', `/api/2.0/mlflow-artifacts/artifacts/${runPath}/../../../etc/passwd`, 'x'],
        ['PUT', `/api/2.0/mlflow-artifacts/artifacts/${runPath}/..%2F..%2F..%2Fescape.txt`, 'x'],
        ['GET', '/api/2.0/mlflow-artifacts/artifacts/../../etc/passwd', undefined],
        ['GET', '/workspaces/team-a/mlflow/api/2.0/mlflow-artifacts/artifacts/%2e%2e/%2e%2e/secret', undefined],
        ['DELETE', `/api/2.0/mlflow-artifacts/artifacts/${runPath}/../..`, undefined],
        ['GET', '/api/2.0/mlflow-artifacts/artifacts?path=..%2F..', undefined],
        ['GET', '/api/2.0/mlflow-artifacts/artifacts?path=%2Fetc', undefined],
        ['POST', `/api/2.0/mlflow-artifacts/mpu/create/${runPath}/../..`, '{"path": "x.bin", "num_parts": 1}'],
      ];
      for (const [method, path, body] of attempts) {
        const answer = await rawRequest(trellis.url, method, path, body);
        assert.equal(answer.status, 400, `${method} ${path}: ${answer.body}`);
        assert.equal((JSON.parse(answer.body) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE', `${method} ${path}`);
      }
      const runId = runPath.split('/')[1];
      const listed = await fetch(`${trellis.url}/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=..%2F..`);
      assert.equal(listed.status, 400);
      assert.equal(((await listed.json()) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
    });

    it('answers a missing file with 404 RESOURCE_DOES_NOT_EXIST and a folder with 400, in JSON', async () => {
      const runPath = await createRun(trellis.url);
      const missing = await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${runPath}/nothing-here.txt`);
      assert.equal(missing.status, 404);
      assert.match(missing.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await missing.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');

      assert.equal(
        (await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${runPath}/folder/file.txt`, { method: 'PUT', body: 'x' })).status,
        200,
      );
      const folder = await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${runPath}/folder`);
      assert.equal(folder.status, 400);
      assert.equal(((await folder.json()) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');

      const unknownRun = await fetch(`${trellis.url}/api/2.0/mlflow/artifacts/list?run_id=no-such-run`);
      assert.equal(unknownRun.status, 404);
      assert.equal(((await unknownRun.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
    });

    it('streams an upload past the server body limit, and refuses one past TRELLIS_MAX_UPLOAD_BYTES storing nothing', async () => {
      const runPath = await createRun(trellis.url);
      const url = `${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${runPath}`;
      // A .json file too: whatever its content type, an artifact is bytes to store, never parsed.
      const big = Buffer.alloc(4 * maxBodyBytes, 7);
      const stored = await fetch(`${url}/big.json`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: big });
      assert.equal(stored.status, 200, await stored.clone().text());
      assert.deepEqual(await stored.json(), {});
      const back = Buffer.from(await (await fetch(`${url}/big.json`)).arrayBuffer());
      assert.ok(back.equals(big));

      const tooBig = await fetch(`${url}/too-big.bin`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(maxUploadBytes + 1),
      });
      assert.equal(tooBig.status, 413);
      assert.equal((await fetch(`${url}/too-big.bin`)).status, 404);
    });

    it('completes a multipart upload only with every part, and an abort leaves nothing behind', async () => {
      const runPath = await createRun(trellis.url);
      const base = `${trellis.url}/workspaces/team-a/mlflow/api/2.0/mlflow-artifacts`;
      const post = (endpoint: string, body: unknown) =>
        fetch(`${base}/${endpoint}/${runPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const created = (await (await post('mpu/create', { path: '/tmp/local/model.bin', num_parts: 2 })).json()) as {
        upload_id: string;
        credentials: Array<{ url: string; part_number: number; headers: object }>;
      };
      assert.deepEqual(
        created.credentials.map((credential) => credential.part_number),
        [1, 2],
      );
      assert.ok(created.credentials[0]!.url.startsWith(`${base}/mpu/parts/${created.upload_id}/`));
      const first = await fetch(created.credentials[0]!.url, { method: 'PUT', body: 'first half,' });
      const etag = first.headers.get('etag') ?? '';
      assert.match(etag, /^"sha256:[0-9a-f]{64}"$/);

      const incomplete = await post('mpu/complete', {
        path: '/tmp/local/model.bin',
        upload_id: created.upload_id,
        parts: [
          { part_number: 1, etag },
          { part_number: 2, etag: '"x"' },
        ],
      });
      assert.equal(incomplete.status, 400);
      assert.match(((await incomplete.json()) as { message: string }).message, /Part 2 .* was not uploaded/);
      await fetch(created.credentials[1]!.url, { method: 'PUT', body: ' second half' });
      const wrongEtag = await post('mpu/complete', {
        path: '/tmp/local/model.bin',
        upload_id: created.upload_id,
        parts: [
          { part_number: 1, etag },
          { part_number: 2, etag: '"sha256:00"' },
        ],
      });
      assert.equal(wrongEtag.status, 400);
      assert.equal((await fetch(`${base}/artifacts/${runPath}/model.bin`)).status, 404);
      const completed = await post('mpu/complete', {
        path: '/tmp/local/model.bin',
        upload_id: created.upload_id,
        parts: [{ part_number: 1, etag }, { part_number: 2 }],
      });
      assert.equal(completed.status, 200, await completed.clone().text());
      assert.equal(await (await fetch(`${base}/artifacts/${runPath}/model.bin`)).text(), 'first half, second half');
      const again = await fetch(created.credentials[0]!.url, { method: 'PUT', body: 'late' });
      assert.equal(again.status, 404);

      const aborted = (await (await post('mpu/create', { path: 'other.bin', num_parts: 1 })).json()) as {
        upload_id: string;
        credentials: Array<{ url: string }>;
      };
      await fetch(aborted.credentials[0]!.url, { method: 'PUT', body: 'never kept' });
      assert.equal((await post('mpu/abort', { path: 'other.bin', upload_id: aborted.upload_id })).status, 200);
      assert.equal(
        (await post('mpu/complete', { path: 'other.bin', upload_id: aborted.upload_id, parts: [{ part_number: 1 }] })).status,
        404,
      );
      assert.equal((await fetch(`${base}/artifacts/${runPath}/other.bin`)).status, 404);
    });
  });
}
