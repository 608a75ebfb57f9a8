import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it, mock } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

// The npm `mlflow` package ("MLflow api client for Node.js") is CommonJS whose module.exports is the class.
const MLflow = createRequire(import.meta.url)('mlflow') as typeof import('mlflow').default;
type Client = InstanceType<typeof MLflow>;

/** The package prints every POST body with console.log; keep the test output readable. */
async function quietly<T>(call: () => Promise<T>): Promise<T> {
  const silenced = mock.method(console, 'log', () => undefined);
  try {
    return await call();
  } finally {
    silenced.mock.restore();
  }
}

/** The package throws Error(JSON.stringify({status, statusText, data})) wrapped once more; read the MLflow error back. */
async function mlflowFailure(call: () => Promise<unknown>): Promise<{ status: number; error_code: string; message: string }> {
  try {
    await quietly(call);
  } catch (error) {
    const text = String((error as Error).message).replace(/^Error: /, '');
    const parsed = JSON.parse(text) as { status: number; data: { error_code: string; message: string } };
    return { status: parsed.status, ...parsed.data };
  }
  assert.fail('the call was expected to fail');
}

for (const dialect of testDialects()) {
  describe(`the npm mlflow client against Trellis on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let root: Client;
    let team: Client;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      await trellis.client.createWorkspace({ name: 'team-b' });
      root = new MLflow({ endpoint: trellis.url });
      team = new MLflow({ endpoint: `${trellis.url}/workspaces/team-b/mlflow` });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('manages experiments: create, get, list (the pre-2.0 endpoint it calls), rename, tag, delete and restore', async () => {
      const { experiment_id } = (await quietly(() => root.Experiments.create({ name: 'npm-flow', artifact_location: '' }))) as {
        experiment_id: string;
      };
      assert.match(experiment_id, /^\d+$/);
      const { experiment } = (await root.Experiments.get({ experiment_id })) as { experiment: { name: string; lifecycle_stage: string } };
      assert.equal(experiment.name, 'npm-flow');
      assert.equal(experiment.lifecycle_stage, 'active');

      await quietly(() => root.Experiments.update({ experiment_id, new_name: 'npm-flow-renamed' }));
      // mlflow@2.0.7 builds this URL without a '/' (".../experimentsset-experiment-tag"), so it cannot
      // work against any MLflow server; the answer is MLflow's own for an unknown endpoint.
      const brokenUrl = await mlflowFailure(() => root.Experiments.setExperimentTag({ experiment_id, key: 'team', value: 'vision' }));
      assert.equal(brokenUrl.status, 404);
      assert.equal(brokenUrl.error_code, 'ENDPOINT_NOT_FOUND');
      const renamed = (await root.Experiments.get({ experiment_id })) as {
        experiment: { name: string; tags: Array<{ key: string; value: string }> };
      };
      assert.equal(renamed.experiment.name, 'npm-flow-renamed');
      assert.deepEqual(renamed.experiment.tags, []);

      const listed = (await root.Experiments.list()) as { experiments: Array<{ name: string }> };
      assert.deepEqual(listed.experiments.map((e) => e.name).sort(), ['Default', 'npm-flow-renamed']);

      await quietly(() => root.Experiments.delete({ experiment_id }));
      const active = (await root.Experiments.list({ view_type: 'ACTIVE_ONLY' as never })) as { experiments: Array<{ name: string }> };
      assert.deepEqual(
        active.experiments.map((e) => e.name),
        ['Default'],
      );
      const deleted = (await root.Experiments.list({ view_type: 'DELETED_ONLY' as never })) as { experiments: Array<{ name: string }> };
      assert.deepEqual(
        deleted.experiments.map((e) => e.name),
        ['npm-flow-renamed'],
      );
      await quietly(() => root.Experiments.restore({ experiment_id }));
      assert.equal(
        ((await root.Experiments.get({ experiment_id })) as { experiment: { lifecycle_stage: string } }).experiment.lifecycle_stage,
        'active',
      );

      const duplicate = await mlflowFailure(() => root.Experiments.create({ name: 'npm-flow-renamed', artifact_location: '' }));
      assert.equal(duplicate.status, 400);
      assert.equal(duplicate.error_code, 'RESOURCE_ALREADY_EXISTS');
    });

    it('logs to a run and reads it back: metrics, params, tags, batch, history, search, update, delete and restore', async () => {
      const { experiment_id } = (await quietly(() => root.Experiments.create({ name: 'npm-runs', artifact_location: '' }))) as {
        experiment_id: string;
      };
      const created = (await quietly(() =>
        root.Runs.create({ experiment_id, user_id: 'npm-user', start_time: 1_700_000_000_000, tags: [{ key: 'source', value: 'npm' }] }),
      )) as {
        run: { info: { run_id: string; status: string; user_id: string } };
      };
      const runId = created.run.info.run_id;
      assert.equal(created.run.info.status, 'RUNNING');
      assert.equal(created.run.info.user_id, 'npm-user');

      for (let step = 0; step < 5; step++)
        await quietly(() =>
          root.Runs.logMetric({ run_id: runId, key: 'loss', value: 1 / (step + 1), timestamp: 1_700_000_000_000 + step, step }),
        );
      await quietly(() => root.Runs.logParameter({ run_id: runId, key: 'lr', value: '0.01' }));
      await quietly(() => root.Runs.setTag({ run_id: runId, key: 'stage', value: 'dev' }));
      await quietly(() => root.Runs.setTag({ run_id: runId, key: 'scratch', value: 'x' }));
      await quietly(() => root.Runs.deleteTag({ run_id: runId, key: 'scratch' }));
      await quietly(() =>
        root.Runs.logBatch({
          run_id: runId,
          metrics: [{ key: 'accuracy', value: 0.93, timestamp: 1_700_000_000_100, step: 1 }],
          params: [{ key: 'epochs', value: '5' }],
          tags: [{ key: 'batch', value: 'yes' }],
        }),
      );

      const { run } = (await root.Runs.get({ run_id: runId })) as {
        run: {
          data: {
            metrics: Array<{ key: string; value: number; step: number }>;
            params: Array<{ key: string; value: string }>;
            tags: Array<{ key: string; value: string }>;
          };
        };
      };
      const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m]));
      assert.equal(metrics.loss?.value, 0.2);
      assert.equal(metrics.loss?.step, 4);
      assert.equal(metrics.accuracy?.value, 0.93);
      assert.deepEqual(Object.fromEntries(run.data.params.map((p) => [p.key, p.value])), { lr: '0.01', epochs: '5' });
      const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
      assert.equal(tags.stage, 'dev');
      assert.equal(tags.batch, 'yes');
      assert.equal(tags.source, 'npm');
      assert.equal(tags.scratch, undefined);

      const history = (await root.Metrics.getHistory({ run_id: runId, metric_key: 'loss' })) as {
        metrics: Array<{ step: number; value: number }>;
      };
      assert.deepEqual(
        history.metrics.map((m) => m.step),
        [0, 1, 2, 3, 4],
      );
      assert.deepEqual(
        history.metrics.map((m) => m.value),
        [1, 0.5, 1 / 3, 0.25, 0.2],
      );

      const other = (await quietly(() =>
        root.Runs.create({ experiment_id, user_id: 'npm-user', start_time: 1_700_000_001_000, tags: [] }),
      )) as { run: { info: { run_id: string } } };
      await quietly(() =>
        root.Runs.logMetric({ run_id: other.run.info.run_id, key: 'accuracy', value: 0.5, timestamp: 1_700_000_001_000, step: 0 }),
      );
      const found = (await quietly(() =>
        root.Runs.search({
          experiment_ids: [experiment_id],
          filter: 'metrics.accuracy > 0.9',
          run_view_type: 'ACTIVE_ONLY' as never,
          max_results: 10,
          order_by: ['metrics.accuracy DESC'],
        }),
      )) as {
        runs: Array<{ info: { run_id: string } }>;
      };
      assert.deepEqual(
        found.runs.map((r) => r.info.run_id),
        [runId],
      );
      const ordered = (await quietly(() => root.Runs.search({ experiment_ids: [experiment_id], order_by: ['metrics.accuracy ASC'] }))) as {
        runs: Array<{ info: { run_id: string } }>;
      };
      assert.deepEqual(
        ordered.runs.map((r) => r.info.run_id),
        [other.run.info.run_id, runId],
      );

      const finished = (await quietly(() =>
        root.Runs.update({ run_id: runId, status: 'FINISHED' as never, end_time: 1_700_000_002_000 }),
      )) as { run_info: { status: string; end_time: number } };
      assert.equal(finished.run_info.status, 'FINISHED');
      assert.equal(finished.run_info.end_time, 1_700_000_002_000);

      await quietly(() => root.Runs.delete({ run_id: runId }));
      const afterDelete = (await quietly(() => root.Runs.search({ experiment_ids: [experiment_id] }))) as {
        runs: Array<{ info: { run_id: string } }>;
      };
      assert.deepEqual(
        afterDelete.runs.map((r) => r.info.run_id),
        [other.run.info.run_id],
      );
      await quietly(() => root.Runs.restore({ run_id: runId }));
      assert.equal(
        ((await root.Runs.get({ run_id: runId })) as { run: { info: { lifecycle_stage: string } } }).run.info.lifecycle_stage,
        'active',
      );
    });

    it('gets MLflow error codes back for bad input, and a workspace URL sees only its own experiments', async () => {
      const unknown = await mlflowFailure(() => root.Runs.get({ run_id: 'f'.repeat(32) }));
      assert.equal(unknown.status, 404);
      assert.equal(unknown.error_code, 'RESOURCE_DOES_NOT_EXIST');

      const { experiment_id } = (await quietly(() => root.Experiments.create({ name: 'npm-errors', artifact_location: '' }))) as {
        experiment_id: string;
      };
      const { run } = (await quietly(() => root.Runs.create({ experiment_id, user_id: 'u', start_time: 1, tags: [] }))) as {
        run: { info: { run_id: string } };
      };
      await quietly(() => root.Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: '0.1' }));
      const changed = await mlflowFailure(() => root.Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: '0.2' }));
      assert.equal(changed.status, 400);
      assert.equal(changed.error_code, 'INVALID_PARAMETER_VALUE');
      const notNumber = await mlflowFailure(() =>
        root.Runs.logMetric({ run_id: run.info.run_id, key: 'loss', value: 'high' as never, timestamp: 1, step: 0 }),
      );
      assert.equal(notNumber.status, 400);
      assert.equal(notNumber.error_code, 'INVALID_PARAMETER_VALUE');
      const badFilter = await mlflowFailure(() => root.Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.loss >' }));
      assert.equal(badFilter.status, 400);
      assert.equal(badFilter.error_code, 'INVALID_PARAMETER_VALUE');

      await quietly(() => team.Experiments.create({ name: 'team-only', artifact_location: '' }));
      const teamList = (await team.Experiments.list()) as { experiments: Array<{ name: string }> };
      assert.deepEqual(teamList.experiments.map((e) => e.name).sort(), ['Default', 'team-only']);
      const crossing = await mlflowFailure(() => team.Runs.get({ run_id: run.info.run_id }));
      assert.equal(crossing.error_code, 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
