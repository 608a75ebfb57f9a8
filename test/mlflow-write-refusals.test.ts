import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The refusals and results of the hot tracking writes (runs/create, log-batch, runs/update), the
 * same bytes on every database: PostgreSQL checks and writes each in one statement
 * (store/postgres/postgres-run-writes.ts), SQLite in a transaction of several.
 */
async function post(base: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

function refusal(code: string, message: string): string {
  return JSON.stringify({ error_code: code, message });
}

interface RunAnswer {
  run: {
    info: { run_id: string; run_name: string; status: string; end_time?: number; lifecycle_stage: string; artifact_uri: string };
    data: {
      metrics?: Array<{ key: string; value: number | string; step: number }>;
      params?: unknown[];
      tags?: Array<{ key: string; value: string }>;
    };
  };
}

for (const dialect of testDialects()) {
  describe(`MLflow tracking writes' refusals on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let experimentId: string;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      experimentId = (await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', { name: 'refusals' })).experiment_id;
    });

    after(async () => {
      if (trellis) {
        await trellis.stop();
        await removeHome(trellis.home);
      }
      await database?.drop();
    });

    const getRun = async (runId: string): Promise<RunAnswer> => {
      const response = await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
      assert.equal(response.status, 200);
      return (await response.json()) as RunAnswer;
    };

    it('runs/create: a missing, malformed or deleted experiment is refused; tags keep the last value of a key', async () => {
      assert.deepEqual(await post(trellis.url, 'runs/create', { experiment_id: '987654' }), {
        status: 404,
        text: refusal('RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=987654 exists'),
      });
      assert.deepEqual(await post(trellis.url, 'runs/create', { experiment_id: 'abc' }), {
        status: 404,
        text: refusal('RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=abc exists'),
      });
      const gone = (await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', { name: 'gone' })).experiment_id;
      await mlflowPost(trellis.url, 'experiments/delete', { experiment_id: gone });
      assert.deepEqual(await post(trellis.url, 'runs/create', { experiment_id: gone }), {
        status: 400,
        text: refusal('INVALID_PARAMETER_VALUE', `The experiment ${gone} must be in the 'active' state. Current state is deleted.`),
      });
      const created = await mlflowPost<RunAnswer>(trellis.url, 'runs/create', {
        experiment_id: experimentId,
        run_name: 'named',
        tags: [
          { key: 'b', value: '1' },
          { key: 'a', value: 'x' },
          { key: 'b', value: '2' },
        ],
      });
      const runId = created.run.info.run_id;
      assert.deepEqual(created.run.data.tags, [
        { key: 'a', value: 'x' },
        { key: 'b', value: '2' },
        { key: 'mlflow.runName', value: 'named' },
      ]);
      const stored = await getRun(runId);
      assert.deepEqual(stored.run.data.tags, created.run.data.tags);
      assert.equal(stored.run.info.artifact_uri, created.run.info.artifact_uri);
      assert.match(created.run.info.artifact_uri, new RegExp(`/${runId}/artifacts$`));
    });

    it('log-batch: a missing or deleted run, or a changed param, is refused and writes nothing', async () => {
      assert.deepEqual(
        await post(trellis.url, 'runs/log-batch', { run_id: 'nosuchrun', metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] }),
        {
          status: 404,
          text: refusal('RESOURCE_DOES_NOT_EXIST', 'Run with id=nosuchrun not found'),
        },
      );
      const runId = (await mlflowPost<RunAnswer>(trellis.url, 'runs/create', { experiment_id: experimentId })).run.info.run_id;
      await mlflowPost(trellis.url, 'runs/log-batch', {
        run_id: runId,
        metrics: [
          { key: 'loss', value: 2, timestamp: 10, step: 1 },
          { key: 'loss', value: 1, timestamp: 11, step: 2 },
          { key: 'acc', value: 'NaN', timestamp: 10, step: 0 },
        ],
        params: [{ key: 'lr', value: '0.1' }],
        tags: [
          { key: 't', value: 'first' },
          { key: 't', value: 'last' },
          { key: 'mlflow.runName', value: 'renamed' },
        ],
      });
      const changed = await post(trellis.url, 'runs/log-batch', {
        run_id: runId,
        metrics: [{ key: 'loss', value: 0, timestamp: 12, step: 3 }],
        params: [
          { key: 'new', value: 'n' },
          { key: 'lr', value: '0.2' },
        ],
        tags: [{ key: 't', value: 'not written' }],
      });
      assert.deepEqual(changed, {
        status: 400,
        text: refusal(
          'INVALID_PARAMETER_VALUE',
          `Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${runId}'. Attempted logging new value '0.2'.`,
        ),
      });
      // The same value again is fine.
      await mlflowPost(trellis.url, 'runs/log-batch', { run_id: runId, params: [{ key: 'lr', value: '0.1' }] });
      const run = await getRun(runId);
      assert.equal(run.run.info.run_name, 'renamed');
      assert.deepEqual(run.run.data.params, [{ key: 'lr', value: '0.1' }]);
      assert.deepEqual(
        run.run.data.tags?.filter((tag) => tag.key === 't' || tag.key === 'mlflow.runName'),
        [
          { key: 'mlflow.runName', value: 'renamed' },
          { key: 't', value: 'last' },
        ],
      );
      assert.deepEqual(
        run.run.data.metrics?.map((metric) => [metric.key, metric.value, metric.step]),
        [
          ['acc', 'NaN', 0],
          ['loss', 1, 2],
        ],
      );
      await mlflowPost(trellis.url, 'runs/delete', { run_id: runId });
      assert.deepEqual(await post(trellis.url, 'runs/log-batch', { run_id: runId, params: [{ key: 'x', value: '1' }] }), {
        status: 400,
        text: refusal('INVALID_PARAMETER_VALUE', `The run ${runId} must be in the 'active' state. Current state is deleted.`),
      });
    });

    it('runs/update: a missing or deleted run is refused; the answer is the run as updated', async () => {
      assert.deepEqual(await post(trellis.url, 'runs/update', { run_id: 'nosuchrun', status: 'FINISHED' }), {
        status: 404,
        text: refusal('RESOURCE_DOES_NOT_EXIST', 'Run with id=nosuchrun not found'),
      });
      const runId = (await mlflowPost<RunAnswer>(trellis.url, 'runs/create', { experiment_id: experimentId, run_name: 'before' })).run.info
        .run_id;
      const unchanged = await mlflowPost<{ run_info: RunAnswer['run']['info'] }>(trellis.url, 'runs/update', { run_id: runId });
      assert.equal(unchanged.run_info.status, 'RUNNING');
      assert.equal(unchanged.run_info.end_time, undefined);
      const updated = await mlflowPost<{ run_info: RunAnswer['run']['info'] }>(trellis.url, 'runs/update', {
        run_id: runId,
        status: 'FINISHED',
        end_time: 5000,
        run_name: 'after',
      });
      assert.deepEqual([updated.run_info.status, updated.run_info.end_time, updated.run_info.run_name], ['FINISHED', 5000, 'after']);
      const stored = await getRun(runId);
      assert.deepEqual(stored.run.info, updated.run_info);
      assert.deepEqual(stored.run.data.tags, [{ key: 'mlflow.runName', value: 'after' }]);
      await mlflowPost(trellis.url, 'runs/delete', { run_id: runId });
      assert.deepEqual(await post(trellis.url, 'runs/update', { run_id: runId, status: 'FAILED' }), {
        status: 400,
        text: refusal('INVALID_PARAMETER_VALUE', `The run ${runId} must be in the 'active' state. Current state is deleted.`),
      });
    });
  });
}
