import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { once } from './support/once.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const script = join(repositoryRoot, 'test', 'python', 'mlflow_registry_flow.py');

/** What the Python flow reports about the model it registered, for the checks on the Trellis side. */
interface Lineage {
  name: string;
  /** The name it was registered under before the flow renamed it. */
  registered_as: string;
  spaced: string;
  run_id: string;
  experiment_id: string;
  job: string;
  artifact_uri: string;
}

interface ModelAsset {
  name: string;
  version: string;
  spec: { type: string; path: string };
  status: {
    mlflow: { current_stage: string; run_id?: string };
    lineage: { registeredThrough: string; source: string; run?: { id: string; experimentId: string }; job?: string };
  };
  tags: Record<string, string>;
  description: string | null;
}

function lineageOf(output: string): Lineage {
  const line = output.split('\n').find((candidate) => candidate.startsWith('LINEAGE '));
  assert.ok(line, output);
  return JSON.parse(line.slice('LINEAGE '.length)) as Lineage;
}

async function json<T>(response: Response): Promise<T> {
  assert.ok(response.ok, `${response.status} ${response.url}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

for (const dialect of testDialects()) {
  describe(`the MLflow model registry, which is the Trellis model registry, on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    /** The registry flow at the server root, run once by the first test that needs what it registered. */
    const rootFlow = once(async () => {
      const result = await runPython(script, {
        MLFLOW_TRACKING_URI: trellis.url,
        TRELLIS_TEST_SUFFIX: 'root',
        TRELLIS_APPLIED_MODEL: 'applied-default',
      });
      assert.equal(result.code, 0, result.output);
      return { output: result.output, lineage: lineageOf(result.output) };
    });

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      await trellis.client.createWorkspace({ name: 'team-r' });
      for (const workspace of ['default', 'team-r']) {
        const model = `applied-${workspace}`;
        await trellis.client.apply(workspace, {
          fileName: 'model.yml',
          text: `name: ${model}\ntype: custom_model\npath: https://example.org/models/${model}.onnx\ndescription: applied with trellis\n`,
          kind: 'model',
        });
        // A version that is not a whole number stays a Trellis-only version, out of MLflow's sight.
        await trellis.client.apply(workspace, {
          fileName: 'model.yml',
          text: `name: ${model}\nversion: 2024-01\ntype: custom_model\npath: https://example.org/models/${model}-2024-01.onnx\n`,
          kind: 'model',
        });
      }
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('passes every registry check of the real MlflowClient at the server root', async () => {
      const result = await rootFlow();
      assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/);
    });

    it('shows a version registered through MLflow as a Trellis model version with its run, experiment, source and job', async () => {
      const { lineage } = await rootFlow();
      const base = `${trellis.url}/api/v1/workspaces/default/models/${encodeURIComponent(lineage.name)}/versions`;
      const v1 = await json<ModelAsset>(await fetch(`${base}/1`));
      assert.equal(v1.spec.type, 'mlflow_model');
      assert.equal(v1.spec.path, `${lineage.artifact_uri}/model`, 'the asset points at the files in the run, not at the runs:/ URI');
      assert.equal(v1.status.lineage.run?.id, lineage.run_id);
      assert.equal(String(v1.status.lineage.run?.experimentId), lineage.experiment_id);
      assert.equal(v1.status.lineage.source, `runs:/${lineage.run_id}/model`);
      assert.equal(v1.status.lineage.job, lineage.job);
      assert.equal(v1.status.lineage.registeredThrough, 'mlflow');
      assert.equal(v1.status.mlflow.current_stage, 'Staging');
      assert.deepEqual(v1.tags, { validated: 'yes' }, 'MLflow version tags are the asset tags');
      assert.equal(v1.description, 'first');
      const v4 = await json<ModelAsset>(await fetch(`${base}/4`));
      assert.equal(v4.spec.path, 's3://models/fraud/4');
      assert.equal((await fetch(`${base}/3`)).status, 404, 'a version deleted through MLflow is gone from Trellis');

      const spaced = await json<ModelAsset>(
        await fetch(`${trellis.url}/api/v1/workspaces/default/models/${encodeURIComponent(lineage.spaced)}/versions/1`),
      );
      assert.equal(spaced.name, lineage.spaced);

      const audit = await json<{ items: Array<{ name: string; version: string | null; action: string; summary: string | null }> }>(
        await fetch(`${trellis.url}/api/v1/workspaces/default/audit?kind=model&limit=500`),
      );
      const events = audit.items.filter((event) => event.name === lineage.registered_as);
      assert.ok(
        events.some((event) => event.action === 'create' && event.version === '1'),
        'the registration is audited',
      );
      assert.ok(
        events.some((event) => event.action === 'update' && event.summary?.includes('Staging')),
        'the stage change is audited',
      );
      assert.ok(
        audit.items.some((event) => event.name === lineage.name && event.summary?.includes('renamed from')),
        'the rename is audited',
      );
      assert.ok(
        audit.items.some((event) => event.action === 'delete' && event.version === '3'),
        'the deletion is audited',
      );
    });

    it('shows a model applied with Trellis in MLflow, and the version MLflow added to it in Trellis', async () => {
      const { lineage } = await rootFlow();
      const registered = await json<{
        registered_model: {
          name: string;
          latest_versions: Array<{ version: string; source: string; current_stage: string }>;
          aliases: Array<{ alias: string; version: string }>;
        };
      }>(await fetch(`${trellis.url}/api/2.0/mlflow/registered-models/get?name=applied-default`));
      const versions = registered.registered_model.latest_versions.map((version) => [version.version, version.current_stage]).sort();
      assert.deepEqual(
        versions,
        [
          ['1', 'Production'],
          ['2', 'None'],
        ],
        'only whole-number versions are MLflow versions',
      );
      assert.deepEqual(registered.registered_model.aliases, [{ alias: 'prod', version: '1' }]);
      const hidden = await fetch(`${trellis.url}/api/2.0/mlflow/model-versions/get?name=applied-default&version=2024-01`);
      assert.equal(hidden.status, 400);
      assert.equal(((await hidden.json()) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');

      const added = await json<ModelAsset>(await fetch(`${trellis.url}/api/v1/workspaces/default/models/applied-default/versions/2`));
      assert.equal(added.status.lineage.registeredThrough, 'mlflow');
      assert.equal(added.status.lineage.run?.id, lineage.run_id);
      const trellisOnly = await json<ModelAsset>(
        await fetch(`${trellis.url}/api/v1/workspaces/default/models/applied-default/versions/2024-01`),
      );
      assert.equal(trellisOnly.version, '2024-01');
    });

    it('keeps each workspace its own registry: the same flow at /workspaces/team-r/mlflow sees nothing of the default one', async () => {
      const result = await runPython(script, {
        MLFLOW_TRACKING_URI: `${trellis.url}/workspaces/team-r/mlflow`,
        TRELLIS_TEST_SUFFIX: 'team',
        TRELLIS_APPLIED_MODEL: 'applied-team-r',
      });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/);
      const team = lineageOf(result.output);

      const fromRoot = await fetch(`${trellis.url}/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(team.name)}`);
      assert.equal(fromRoot.status, 404);
      assert.equal(((await fromRoot.json()) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
      const teamSearch = await json<{ registered_models?: Array<{ name: string }> }>(
        await fetch(`${trellis.url}/workspaces/team-r/mlflow/api/2.0/mlflow/registered-models/search?max_results=1000`),
      );
      const teamNames = (teamSearch.registered_models ?? []).map((model) => model.name);
      assert.ok(teamNames.includes(team.name) && teamNames.includes('applied-team-r'));
      assert.ok(
        !teamNames.some((name) => name.includes('root') || name === 'applied-default'),
        `team-r sees only its own models: ${teamNames.join(', ')}`,
      );
      const teamVersions = await json<{ model_versions?: Array<{ name: string }> }>(
        await fetch(`${trellis.url}/workspaces/team-r/mlflow/api/2.0/mlflow/model-versions/search`),
      );
      assert.ok(
        (teamVersions.model_versions ?? []).every((version) => !version.name.includes('root') && version.name !== 'applied-default'),
      );
      const asset = await json<ModelAsset>(
        await fetch(`${trellis.url}/api/v1/workspaces/team-r/models/${encodeURIComponent(team.name)}/versions/1`),
      );
      assert.equal(asset.status.lineage.run?.id, team.run_id);
      assert.equal(
        (await fetch(`${trellis.url}/api/v1/workspaces/default/models/${encodeURIComponent(team.name)}/versions/1`)).status,
        404,
      );
    });

    it('answers registry calls over HTTP as MLflow does: both API prefixes, required fields, defaults', async () => {
      // applied-default's version 1 is in Production once the root flow has run (it moves it there).
      await rootFlow();
      for (const base of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
        const found = await json<{ registered_models: Array<{ name: string }> }>(
          await fetch(`${trellis.url}${base}/registered-models/search?filter=${encodeURIComponent("name = 'applied-default'")}`),
        );
        assert.deepEqual(
          found.registered_models.map((model) => model.name),
          ['applied-default'],
        );
      }
      const missing = await fetch(`${trellis.url}/api/2.0/mlflow/registered-models/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(missing.status, 400);
      assert.deepEqual(await missing.json(), {
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
      });
      const latest = await json<{ model_versions: Array<{ version: string }> }>(
        await fetch(`${trellis.url}/api/2.0/mlflow/registered-models/get-latest-versions?name=applied-default&stages=Production`),
      );
      assert.deepEqual(
        latest.model_versions.map((version) => version.version),
        ['1'],
      );
      const tooMany = await fetch(`${trellis.url}/api/2.0/mlflow/model-versions/search?max_results=200001`);
      assert.equal(tooMany.status, 400);
    });

    it('gives concurrent registrations of one model distinct, consecutive version numbers', async () => {
      const post = (path: string, body: unknown) =>
        fetch(`${trellis.url}/api/2.0/mlflow/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      await json(await post('registered-models/create', { name: 'concurrent' }));
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          post('model-versions/create', { name: 'concurrent', source: `s3://models/concurrent/${index}` }).then((response) =>
            json<{ model_version: { version: string } }>(response),
          ),
        ),
      );
      const numbers = created.map((answer) => Number(answer.model_version.version)).sort((a, b) => a - b);
      assert.deepEqual(
        numbers,
        Array.from({ length: 12 }, (_, index) => index + 1),
      );
    });
  });
}
