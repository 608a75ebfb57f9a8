import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * Requests an attacker (or a buggy client) would send, over real HTTP: each must be refused with
 * a 4xx in MLflow's error code, a message naming the field, and no change to what is stored.
 */
interface MlflowAnswer {
  status: number;
  body: { error_code?: string; message?: string } & Record<string, unknown>;
}

async function call(base: string, method: 'GET' | 'POST', path: string, fields: Record<string, unknown>): Promise<MlflowAnswer> {
  const url = new URL(`${base}/api/2.0/mlflow/${path}`);
  let init: RequestInit = { method };
  if (method === 'GET') {
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
    }
  } else {
    init = { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) };
  }
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as MlflowAnswer['body'] };
}

function assertRefused(answer: MlflowAnswer, field: RegExp, what: string): void {
  assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body).slice(0, 300)}`);
  assert.equal(answer.body.error_code, 'INVALID_PARAMETER_VALUE', what);
  assert.match(answer.body.message ?? '', field, what);
}

for (const dialect of testDialects()) {
  describe(`MLflow API input validation on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let experimentId: string;
    let runId: string;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      experimentId = (await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', { name: 'probed' })).experiment_id;
      runId = (await mlflowPost<{ run: { info: { run_id: string } } }>(trellis.url, 'runs/create', { experiment_id: experimentId })).run
        .info.run_id;
      await mlflowPost(trellis.url, 'runs/log-batch', {
        run_id: runId,
        metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: step, timestamp: 1000 + step, step })),
      });
    });

    after(async () => {
      if (trellis) {
        await trellis.stop();
        await removeHome(trellis.home);
      }
      await database?.drop();
    });

    const search = (filter: string) => call(trellis.url, 'POST', 'runs/search', { experiment_ids: [experimentId], filter });

    it('refuses a runs/search filter with too many IN values or comparisons, naming the limit', async () => {
      const values = Array.from({ length: 40_000 }, (_, index) => `'r${index}'`).join(',');
      assertRefused(await search(`attributes.run_id IN (${values})`), /10,000 values/, '40,000 IN values');
      const clauses = Array.from({ length: 2000 }, (_, index) => `metrics.loss > ${-index - 1}`).join(' AND ');
      assertRefused(await search(clauses), /100 comparisons/, '2,000 AND clauses');
      assertRefused(await search(`run_name = '${'x'.repeat(1_100_000)}'`), /1,000,000 characters/, 'a filter of 1.1 MB');
      // At the limits the search runs, on every database.
      const atLimit = Array.from({ length: 10_000 }, (_, index) => (index === 0 ? `'${runId}'` : `'r${index}'`)).join(',');
      const inList = await search(`attributes.run_id IN (${atLimit})`);
      assert.equal(inList.status, 200, JSON.stringify(inList.body).slice(0, 300));
      assert.equal((inList.body.runs as unknown[]).length, 1);
      const hundred = await search(Array.from({ length: 100 }, (_, index) => `metrics.loss > ${-index - 1}`).join(' AND '));
      assert.equal(hundred.status, 200, JSON.stringify(hundred.body).slice(0, 300));
      assert.equal((hundred.body.runs as unknown[]).length, 1);
    });

    it('treats a filter that is only AND, or ends in AND, as a syntax error', async () => {
      assertRefused(await search('AND'), /AND/, "'AND'");
      assertRefused(await search('metrics.loss > 0 AND'), /ends with AND/, 'a trailing AND');
      assertRefused(await search("metrics.loss > 0 AND AND run_name = 'x'"), /AND AND|after AND/, 'AND AND');
      // MLflow's own client puts an AND in front; that still reads as the comparison alone.
      const leading = await search('AND metrics.loss > 0');
      assert.equal(leading.status, 200, JSON.stringify(leading.body));
      assert.equal((leading.body.runs as unknown[]).length, 1);
    });

    it('refuses runs/log-model with model_json that is not a JSON object, changing nothing', async () => {
      for (const modelJson of ['5', '"text"', 'null', '[]', 'true']) {
        assertRefused(
          await call(trellis.url, 'POST', 'runs/log-model', { run_id: runId, model_json: modelJson }),
          /model_json/,
          `model_json ${modelJson}`,
        );
      }
      const run = await call(trellis.url, 'GET', 'runs/get', { run_id: runId });
      const tags = ((run.body.run as { data: { tags?: Array<{ key: string }> } }).data.tags ?? []).map((tag) => tag.key);
      assert.ok(!tags.includes('mlflow.log-model.history'), JSON.stringify(tags));
    });

    it('refuses runs/log-parameter with an object or list value, as log-batch does', async () => {
      for (const value of [{ a: 1 }, ['a'], {}]) {
        assertRefused(
          await call(trellis.url, 'POST', 'runs/log-parameter', { run_id: runId, key: 'p', value }),
          /'value'/,
          `value ${JSON.stringify(value)}`,
        );
      }
      assertRefused(
        await call(trellis.url, 'POST', 'runs/log-batch', { run_id: runId, params: [{ key: 'p', value: { a: 1 } }] }),
        /params\[0\]\.value/,
        'log-batch',
      );
      const run = await call(trellis.url, 'GET', 'runs/get', { run_id: runId });
      assert.deepEqual((run.body.run as { data: { params?: unknown[] } }).data.params ?? [], []);
      await mlflowPost(trellis.url, 'runs/log-parameter', { run_id: runId, key: 'n', value: 5 });
    });

    it('validates max_results of metrics/get-history and get-history-bulk', async () => {
      for (const maxResults of [0, -1]) {
        assertRefused(
          await call(trellis.url, 'GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: maxResults }),
          /max_results/,
          `get-history ${maxResults}`,
        );
        assertRefused(
          await call(trellis.url, 'GET', 'metrics/get-history-bulk', { run_id: runId, metric_key: 'loss', max_results: maxResults }),
          /max_results/,
          `get-history-bulk ${maxResults}`,
        );
      }
      // Paging by one still walks the history to its end.
      let token: string | undefined;
      const steps: number[] = [];
      for (let page = 0; page < 10; page++) {
        const answer = await call(trellis.url, 'GET', 'metrics/get-history', {
          run_id: runId,
          metric_key: 'loss',
          max_results: 1,
          ...(token ? { page_token: token } : {}),
        });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        steps.push(...(answer.body.metrics as Array<{ step: number }>).map((metric) => metric.step ?? 0));
        token = answer.body.next_page_token as string | undefined;
        if (!token) break;
      }
      assert.deepEqual(steps, [0, 1, 2]);
      const bulk = await call(trellis.url, 'GET', 'metrics/get-history-bulk', { run_id: runId, metric_key: 'loss', max_results: 100_000 });
      assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
      assert.equal((bulk.body.metrics as unknown[]).length, 3);
    });

    it('refuses experiment names over 500 characters on create and rename', async () => {
      const huge = 'x'.repeat(10 * 1024 * 1024);
      assertRefused(await call(trellis.url, 'POST', 'experiments/create', { name: huge }), /'name'.*500/, '10 MB name');
      assertRefused(await call(trellis.url, 'POST', 'experiments/create', { name: 'y'.repeat(501) }), /'name'.*500/, '501 characters');
      assertRefused(
        await call(trellis.url, 'POST', 'experiments/update', { experiment_id: experimentId, new_name: 'z'.repeat(501) }),
        /'new_name'.*500/,
        'rename to 501 characters',
      );
      const found = await call(trellis.url, 'POST', 'experiments/search', { max_results: 1000 });
      const names = (found.body.experiments as Array<{ name: string }>).map((experiment) => experiment.name);
      assert.ok(
        names.every((name) => name.length <= 500),
        'no long name was stored',
      );
      assert.ok(names.includes('probed'));
      await mlflowPost(trellis.url, 'experiments/create', { name: 'e'.repeat(500) });
    });

    it('refuses registered model names with control or bidirectional characters, or over 256 characters', async () => {
      for (const name of ['bad\u0000name', 'bad\nname', 'bad\u202Ename', 'bad\u2066name', 'm'.repeat(257)]) {
        assertRefused(
          await call(trellis.url, 'POST', 'registered-models/create', { name }),
          /'name'/,
          `create ${JSON.stringify(name.slice(0, 20))}`,
        );
      }
      await mlflowPost(trellis.url, 'registered-models/create', { name: 'good model' });
      assertRefused(
        await call(trellis.url, 'POST', 'registered-models/rename', { name: 'good model', new_name: 'evil\u202Etxt.exe' }),
        /'new_name'/,
        'rename',
      );
      const models = await call(trellis.url, 'GET', 'registered-models/search', {});
      assert.deepEqual(
        (models.body.registered_models as Array<{ name: string }>).map((model) => model.name),
        ['good model'],
      );
      await mlflowPost(trellis.url, 'registered-models/create', { name: 'ünïcode 模型 ok' });
    });

    it('refuses a number for a string field as MLflow does, quoting it as written and naming nested fields by path', async () => {
      assertRefused(
        await call(trellis.url, 'POST', 'runs/log-metric', { run_id: 31, key: 'm', value: 1, timestamp: 1 }),
        /Invalid value 31 for parameter 'run_id' supplied: Hint: Value was of type 'int'/,
        'a numeric run_id',
      );
      // JSON.stringify would lose the '.0' a Python client wrote: the message quotes the request's own text.
      const raw = await fetch(`${trellis.url}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name": "typed", "artifact_location": 9.0}',
      });
      assert.equal(raw.status, 400);
      assert.match(await raw.text(), /Invalid value 9\.0 for parameter 'artifact_location' supplied: Hint: Value was of type 'float'/);
      assertRefused(
        await call(trellis.url, 'POST', 'runs/log-batch', { run_id: runId, metrics: [{ key: 'mae', value: 2.5 }] }),
        /Missing value for required parameter 'metrics\[0\]\.timestamp'/,
        'a metric without its timestamp',
      );
      assertRefused(
        await call(trellis.url, 'POST', 'runs/log-batch', {
          run_id: runId,
          tags: [
            { key: 'ok', value: 'x' },
            { key: 7, value: 'y' },
          ],
        }),
        /Invalid value 7 for parameter 'tags\[1\]\.key'/,
        'a numeric tag key',
      );
      // run_uuid still names the run when run_id is absent; its errors speak of run_id, as MLflow's do.
      assertRefused(await call(trellis.url, 'POST', 'runs/log-metric', { key: 'm', value: 1, timestamp: 1 }), /'run_id'/, 'no run');
      await mlflowPost(trellis.url, 'runs/log-metric', { run_uuid: runId, key: 'via-uuid', value: 1, timestamp: 1 });
      assert.equal((await call(trellis.url, 'GET', 'experiments/get-by-name', { experiment_name: 'typed' })).status, 404, 'nothing made');
    });

    it('searches logged models by the datasets their metrics were computed on', async () => {
      const make = async (name: string) =>
        (await mlflowPost<{ model: { info: { model_id: string } } }>(trellis.url, 'logged-models', { experiment_id: experimentId, name }))
          .model.info.model_id;
      const scored = await make('scored');
      await make('unscored');
      await mlflowPost(trellis.url, 'runs/log-metric', {
        run_id: runId,
        key: 'accuracy',
        value: 0.9,
        timestamp: 5,
        model_id: scored,
        dataset_name: 'eval',
        dataset_digest: 'abc',
      });
      const search = async (datasets: unknown) =>
        (
          await mlflowPost<{ models?: Array<{ info: { name: string } }> }>(trellis.url, 'logged-models/search', {
            experiment_ids: [experimentId],
            datasets,
          })
        ).models?.map((model) => model.info.name) ?? [];
      assert.deepEqual(await search([{ dataset_name: 'eval', dataset_digest: 'abc' }]), ['scored']);
      assert.deepEqual(await search([{ dataset_name: 'eval' }]), ['scored'], 'the digest is optional');
      assert.deepEqual(await search([{ dataset_name: 'eval', dataset_digest: 'other' }]), []);
      assert.deepEqual((await search(undefined)).sort(), ['scored', 'unscored']);
      assertRefused(
        await call(trellis.url, 'POST', 'logged-models/search', { experiment_ids: [experimentId], datasets: [{ dataset_digest: 'abc' }] }),
        /'datasets\[0\]\.dataset_name'/,
        'a dataset without its name',
      );
    });
  });
}
