import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const compute = 'name: cpu-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 1\n';

for (const dialect of testDialects()) {
  describe(`deleting a workspace on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    const mlflow = (workspace: string, path: string, body: unknown) =>
      fetch(`${trellis.url}/workspaces/${workspace}/mlflow/api/2.0/mlflow/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const artifact = (workspace: string, path: string, init?: RequestInit) =>
      fetch(`${trellis.url}/workspaces/${workspace}/mlflow/api/2.0/mlflow-artifacts/artifacts/${path}`, init);

    it('refuses with 409 listing what a workspace holds (a read-only experiments/search is enough), and changes nothing', async () => {
      await trellis.client.createWorkspace({ name: 'readonly' });
      assert.equal((await mlflow('readonly', 'experiments/search', { max_results: 10 })).status, 200);
      const refused = await fetch(`${trellis.url}/api/v1/workspaces/readonly`, { method: 'DELETE' });
      const problem = (await refused.json()) as { code: string; detail: string; problems: Array<{ path: string; message: string }> };
      assert.equal(refused.status, 409, JSON.stringify(problem));
      assert.equal(problem.code, 'WorkspaceNotEmpty');
      assert.match(problem.detail, /1 experiment\b/);
      assert.deepEqual(problem.problems, [{ path: 'experiment', message: '1' }]);
      assert.equal((await fetch(`${trellis.url}/api/v1/workspaces/readonly`)).status, 200);
    });

    it('with --force deletes everything it holds, its files included: a new workspace of the same name starts empty', async () => {
      await trellis.client.createWorkspace({ name: 'team-a' });
      await trellis.client.apply('team-a', { fileName: 'compute.yml', text: compute, kind: 'compute' });
      const created = (await (await mlflow('team-a', 'runs/create', { experiment_id: '0', start_time: Date.now() })).json()) as {
        run: { info: { run_id: string } };
      };
      const runId = created.run.info.run_id;
      assert.equal(
        (await mlflow('team-a', 'runs/log-metric', { run_id: runId, key: 'loss', value: 0.5, timestamp: Date.now(), step: 1 })).status,
        200,
      );
      const path = `0/${runId}/artifacts/model.txt`;
      assert.equal((await artifact('team-a', path, { method: 'PUT', body: 'the old model' })).status, 200);
      assert.equal(await (await artifact('team-a', path)).text(), 'the old model');

      const refused = await fetch(`${trellis.url}/api/v1/workspaces/team-a`, { method: 'DELETE' });
      const problem = (await refused.json()) as { detail: string };
      assert.equal(refused.status, 409);
      for (const held of [/1 compute\b/, /1 experiment\b/, /1 run\b/]) assert.match(problem.detail, held);
      assert.match(problem.detail, /--force/);
      assert.equal(await (await artifact('team-a', path)).text(), 'the old model', 'a refused delete changed nothing');

      // Names differing only in case would share a folder on a case-insensitive file system.
      const clash = await fetch(`${trellis.url}/api/v1/workspaces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Team-A' }),
      });
      const clashProblem = (await clash.json()) as { detail: string };
      assert.equal(clash.status, 409);
      assert.match(clashProblem.detail, /'team-a' already exists/);
      assert.equal(
        (
          await fetch(`${trellis.url}/api/v1/workspaces/Team-A`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
        409,
      );

      const deleted = await runCli(['workspace', 'delete', '--name', 'team-a', '--force'], { url: trellis.url });
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal((await fetch(`${trellis.url}/api/v1/workspaces/team-a`)).status, 404);
      const folder = await readdir(join(trellis.home, 'artifacts', 'workspaces')).catch((): string[] => []);
      assert.ok(!folder.includes('team-a'), `the artifact folder stayed: ${folder.join(', ')}`);

      await trellis.client.createWorkspace({ name: 'team-a' });
      assert.equal((await artifact('team-a', path)).status, 404, "the deleted workspace's artifact is served again");
      const runs = (await (await mlflow('team-a', 'runs/search', { experiment_ids: ['0'] })).json()) as { runs?: unknown[] };
      assert.equal(runs.runs?.length ?? 0, 0);
      assert.equal((await trellis.client.list('team-a', 'compute')).items.length, 0);
      // And the new one can be deleted plainly: it holds nothing.
      assert.equal((await fetch(`${trellis.url}/api/v1/workspaces/team-a`, { method: 'DELETE' })).status, 200);
    });
  });
}
