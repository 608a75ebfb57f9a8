/**
 * Run search on a freshly created PostgreSQL database right after a bulk load, with no ANALYZE by
 * anyone but Trellis (issue 22): the planner would otherwise estimate one row everywhere and pick
 * nested loops that read the params table once per run. Trellis analyses what the planner never
 * saw before the search, keeps the tables' autovacuum settings tight, and the answer is right.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const postgresMissing = process.env.TRELLIS_TEST_POSTGRES_URL ? false : 'TRELLIS_TEST_POSTGRES_URL is not set (npm test starts PostgreSQL)';
const runCount = 600;
const learningRates = ['0.1', '0.01', '0.001'];
const accuracyOf = (i: number) => ((i * 7919) % 10007) / 10007;

let database: TestDatabase;
let trellis: TrellisProcess;
let client: pg.Client;

async function call<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${trellis.url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${text}`);
  return JSON.parse(text) as T;
}

before(async () => {
  if (postgresMissing) return;
  database = await createTestDatabase('postgres');
  trellis = await startTrellis({ databaseUrl: database.url });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});

after(async () => {
  if (postgresMissing) return;
  await client?.end();
  await trellis?.stop();
  if (trellis) await removeHome(trellis.home);
  await database?.drop();
});

async function statistics(table: string) {
  const { rows } = await client.query<{ reltuples: number; last_analyze: Date | null; reloptions: string[] | null }>(
    `SELECT c.reltuples, s.last_analyze, c.reloptions FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = $1`,
    [table],
  );
  assert.ok(rows[0], `no table ${table}`);
  return rows[0];
}

test('the tracking tables carry autovacuum settings suited to them', { skip: postgresMissing }, async () => {
  for (const table of ['runs', 'params', 'run_tags', 'latest_metrics']) {
    const { reloptions } = await statistics(table);
    assert.ok(reloptions?.includes('autovacuum_analyze_scale_factor=0.05'), `${table}: ${reloptions}`);
    assert.ok(reloptions?.includes('autovacuum_analyze_threshold=500'), `${table}: ${reloptions}`);
  }
  assert.ok((await statistics('metrics')).reloptions?.includes('autovacuum_vacuum_insert_scale_factor=0.05'));
});

test('a search right after a bulk load into a new database: right answer, on statistics Trellis gathered itself', {
  skip: postgresMissing,
}, async () => {
  const { experiment_id } = await call<{ experiment_id: string }>('experiments/create', { name: 'bulk' });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < runCount; i = next++) {
        const { run } = await call<{ run: { info: { run_id: string } } }>('runs/create', {
          experiment_id,
          start_time: 1_700_000_000_000 + i,
        });
        await call('runs/log-batch', {
          run_id: run.info.run_id,
          metrics: [{ key: 'accuracy', value: accuracyOf(i), timestamp: 1, step: 0 }],
          params: [
            { key: 'lr', value: learningRates[i % 3] },
            { key: 'seed', value: String(i) },
          ],
        });
      }
    }),
  );
  const { runs } = await call<{
    runs: Array<{ data: { metrics: Array<{ key: string; value: number }>; params: Array<{ key: string; value: string }> } }>;
  }>('runs/search', {
    experiment_ids: [experiment_id],
    filter: "metrics.accuracy > 0.5 and params.lr = '0.01'",
    order_by: ['metrics.accuracy DESC'],
    max_results: 1000,
  });
  const expected = Array.from({ length: runCount }, (_, i) => i)
    .filter((i) => learningRates[i % 3] === '0.01' && accuracyOf(i) > 0.5)
    .map(accuracyOf)
    .sort((a, b) => b - a);
  assert.deepEqual(
    runs.map((run) => run.data.metrics.find((m) => m.key === 'accuracy')?.value),
    expected,
  );
  assert.ok(runs.every((run) => run.data.params.find((p) => p.key === 'lr')?.value === '0.01'));

  // After the search, every table it planned over has statistics, gathered by Trellis's own
  // ANALYZE (autovacuum's would be last_autoanalyze, and no one else ran one).
  for (const table of ['runs', 'params', 'latest_metrics']) {
    const after = await statistics(table);
    assert.ok(after.reltuples >= 0, `${table} still never analysed`);
    assert.ok(after.last_analyze !== null, `${table} was not analysed by Trellis`);
  }
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stats WHERE tablename = 'params' AND attname = 'key'`);
  assert.equal(rows[0]?.n, '1', 'the planner knows how the params keys spread');
});
