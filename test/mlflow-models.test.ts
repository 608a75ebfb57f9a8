import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { once } from './support/once.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const script = join(repositoryRoot, 'test', 'python', 'mlflow_model_flow.py');

for (const dialect of testDialects()) {
  describe(`MLflow models end to end (log_model, registry, aliases, load_model, autolog) on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    /** The flow at the server root, run once by the first test that needs what it registered. */
    const rootFlow = once(() => runPython(script, { MLFLOW_TRACKING_URI: trellis.url, TRELLIS_TEST_SUFFIX: 'root' }));

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      await trellis.client.createWorkspace({ name: 'team-m' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('trains, logs, registers, aliases, loads and predicts with the real mlflow client at the server root', async () => {
      const result = await rootFlow();
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/);
    });

    it('shows a version registered through MLflow as a Trellis model version with its run lineage, and a model applied with Trellis in MLflow', async () => {
      const root = await rootFlow();
      assert.equal(root.code, 0, root.output);
      const asset = (await (await fetch(`${trellis.url}/api/v1/workspaces/default/models/iris-classifier-root/versions/2`)).json()) as {
        spec: { type: string; path: string };
        status: { lineage: { run: { id: string; experimentId: string }; loggedModel: string } };
      };
      assert.equal(asset.spec.type, 'mlflow_model');
      assert.match(asset.spec.path, /^mlflow-artifacts:\/\d+\/models\/m-[0-9a-f]+\/artifacts$/);
      assert.match(asset.status.lineage.run.id, /^[0-9a-f]{32}$/);
      assert.match(asset.status.lineage.loggedModel, /^m-[0-9a-f]+$/);
      const audit = (await (await fetch(`${trellis.url}/api/v1/workspaces/default/audit?kind=model&limit=100`)).json()) as {
        items: Array<{ name: string; action: string }>;
      };
      assert.ok(
        audit.items.some((event) => event.name === 'iris-classifier-root' && event.action === 'create'),
        'the MLflow registration is in the audit log',
      );

      await trellis.client.apply('default', {
        fileName: 'model.yml',
        text: 'name: applied-model\ntype: custom_model\npath: https://example.org/models/applied.onnx\ndescription: applied with trellis\n',
        kind: 'model',
      });
      const fromMlflow = await fetch(`${trellis.url}/api/2.0/mlflow/registered-models/get?name=applied-model`);
      assert.equal(fromMlflow.status, 200);
      const registered = (
        (await fromMlflow.json()) as {
          registered_model: { name: string; latest_versions: Array<{ version: string; source: string; current_stage: string }> };
        }
      ).registered_model;
      assert.equal(registered.name, 'applied-model');
      assert.deepEqual(
        registered.latest_versions.map((v) => [v.version, v.source, v.current_stage]),
        [['1', 'https://example.org/models/applied.onnx', 'None']],
      );
      const version = (await (await fetch(`${trellis.url}/api/2.0/mlflow/model-versions/get?name=applied-model&version=1`)).json()) as {
        model_version: { description: string };
      };
      assert.equal(version.model_version.description, 'applied with trellis');
    });

    it('does the same in another workspace, whose registry and artifacts are its own', async () => {
      const result = await runPython(script, {
        MLFLOW_TRACKING_URI: `${trellis.url}/workspaces/team-m/mlflow`,
        TRELLIS_TEST_SUFFIX: 'team',
      });
      assert.equal(result.code, 0, result.output);
      const fromRoot = await fetch(`${trellis.url}/api/2.0/mlflow/registered-models/get?name=iris-classifier-team`);
      assert.equal(fromRoot.status, 404);
      assert.equal(((await fromRoot.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
