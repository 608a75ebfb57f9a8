import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { once } from './support/once.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const script = join(repositoryRoot, 'test', 'python', 'mlflow_tracking_flow.py');

for (const dialect of testDialects()) {
  describe(`the real MLflow Python client against Trellis on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    /** The flow at the server root, run once by the first test that needs what it made. */
    const rootFlow = once(() => runPython(script, { MLFLOW_TRACKING_URI: trellis.url, TRELLIS_TEST_SUFFIX: 'root' }));

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

    it('passes every check of the tracking flow at the server root (default workspace)', async () => {
      const result = await rootFlow();
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/);
    });

    it('passes the same checks in another workspace, which sees nothing of the default one', async () => {
      const root = await rootFlow();
      assert.equal(root.code, 0, root.output);
      const result = await runPython(script, {
        MLFLOW_TRACKING_URI: `${trellis.url}/workspaces/team-a/mlflow`,
        TRELLIS_TEST_SUFFIX: 'team-a',
      });
      assert.equal(result.code, 0, result.output);
      const fromTeam = await fetch(
        `${trellis.url}/workspaces/team-a/mlflow/api/2.0/mlflow/experiments/get-by-name?experiment_name=iris-root`,
      );
      assert.equal(fromTeam.status, 404);
      assert.equal(((await fromTeam.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
      const fromRoot = await fetch(`${trellis.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=iris-root`);
      assert.equal(fromRoot.status, 200);
    });

    it("keeps each workspace's artifacts its own and refuses paths that climb out of the artifact root", async () => {
      const run = (await (
        await fetch(`${trellis.url}/workspaces/team-a/mlflow/api/2.0/mlflow/runs/create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ experiment_id: '0' }),
        })
      ).json()) as {
        run: { info: { run_id: string; artifact_uri: string } };
      };
      const path = `${run.run.info.artifact_uri.replace('mlflow-artifacts:/', '')}/secret.txt`;
      const put = await fetch(`${trellis.url}/workspaces/team-a/mlflow/api/2.0/mlflow-artifacts/artifacts/${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain' },
        body: 'team-a only',
      });
      assert.equal(put.status, 200);
      const own = await fetch(`${trellis.url}/workspaces/team-a/mlflow/api/2.0/mlflow-artifacts/artifacts/${path}`);
      assert.equal(await own.text(), 'team-a only');
      const fromRoot = await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${path}`);
      assert.equal(fromRoot.status, 404);
      assert.equal(((await fromRoot.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');

      // fetch() would resolve '..' itself, so send the raw request line.
      const { request } = await import('node:http');
      const climbed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(trellis.url);
        const path = '/api/2.0/mlflow-artifacts/artifacts/0/../../etc/passwd';
        const req = request({ hostname, port, path, method: 'PUT', headers: { 'content-type': 'text/plain' } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end('x');
      });
      assert.equal(climbed.status, 400, climbed.body);
      assert.equal((JSON.parse(climbed.body) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
    });

    it('answers an unknown MLflow endpoint with ENDPOINT_NOT_FOUND and a workspace that does not exist with RESOURCE_DOES_NOT_EXIST', async () => {
      const unknown = await fetch(`${trellis.url}/api/2.0/mlflow/no-such-thing`);
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error_code: string }).error_code, 'ENDPOINT_NOT_FOUND');
      const nowhere = await fetch(`${trellis.url}/workspaces/nowhere/mlflow/api/2.0/mlflow/experiments/get?experiment_id=0`);
      assert.equal(nowhere.status, 404);
      assert.equal(((await nowhere.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
