/**
 * Tracking on both of Trellis's stores against `mlflow server` with its backend on the same
 * PostgreSQL server (issue 22), in one run, one server at a time, each on a freshly created database:
 *   (a) runs created/s: 8 clients create the search runs through runs/create;
 *   (b) the runs are filled (a log-batch of metrics, params and tags each, then finished);
 *   (c) ingest: 8 clients, each on its own run, send log-batch calls of 1,000 points — points/s;
 *   (d) search right after that bulk ingest, no ANALYZE by anyone: a metric and a param filter
 *       ordered by the metric — the first query, then p50/p99;
 *   (e) get-history of one ingested metric.
 * And SQLite's own batched insert rate on the same disk (bench/tracking/raw_sqlite_insert.py), the
 * ceiling the SQLite ingest is measured against.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { removeHome, repositoryRoot, startTrellis } from '../test/support/trellis-process.js';
import { call, createRun, startMlflowTarget } from './mlflow-tracking.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { startTestPostgres } from '../scripts/test-postgres.mjs';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { ensurePythonEnv } from '../scripts/python-env.mjs';

export interface StoresBenchOptions {
  clients: number;
  runs: number;
  points: number;
  queries: number;
  /** Which servers to run, of trellis-sqlite, trellis-postgres, mlflow-postgres. */
  servers: string[];
  log: (line: string) => void;
}

export interface StoreFigures {
  server: string;
  runsPerSecond: number;
  fillCallsPerSecond: number;
  ingest: { points: number; seconds: number; pointsPerSecond: number };
  search: { matched: number; firstMs: number; p50: number; p99: number };
  historyMs: number;
  historySteps: number;
}

export interface RawInsert {
  rows: number;
  seconds: number;
  rows_per_second: number;
}

interface Target {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** The search of the benchmark: a metric and a param filter, ordered by the metric. */
export const storesSearch = {
  filter: "metrics.accuracy > 0.5 and params.lr = '0.01'",
  order_by: ['metrics.accuracy DESC'],
  max_results: 100,
};

const learningRates = ['0.1', '0.01', '0.001'];

/** The accuracy of run `i`, spread over [0, 1) without order. */
const accuracyOf = (i: number) => ((i * 7919) % 10007) / 10007;

/** Fills run `i` as the search expects it: one log-batch of 100 metric points, 10 params and 2 tags, then FINISHED. */
export async function fillRun(url: string, runId: string, i: number): Promise<void> {
  const now = Date.now();
  const metrics = [{ key: 'accuracy', value: accuracyOf(i), timestamp: now, step: 0 }];
  for (let k = 1; k < 10; k++)
    for (let step = 0; step < 10; step++) metrics.push({ key: `loss${k}`, value: 1 / (step + k + i), timestamp: now + step, step });
  const params = [
    { key: 'lr', value: learningRates[i % 3]! },
    ...Array.from({ length: 9 }, (_, k) => ({ key: `p${k}`, value: String((i + k) % 17) })),
  ];
  const tags = [
    { key: 'team', value: i % 2 ? 'vision' : 'speech' },
    { key: 'bench', value: 'stores' },
  ];
  await call(url, 'runs/log-batch', { run_id: runId, metrics, params, tags });
  await call(url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: now + 1 });
}

/** Runs `work(i)` for i in [0, count) from `clients` concurrent loops; returns the seconds taken. */
async function concurrently(count: number, clients: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
  return (performance.now() - started) / 1000;
}

async function measure(target: Target, options: StoresBenchOptions): Promise<StoreFigures> {
  const { log } = options;
  const { experiment_id } = await call<{ experiment_id: string }>(target.url, 'experiments/create', { name: 'bench-stores' });

  // (a) run creation
  const runIds: string[] = new Array(options.runs);
  const createSeconds = await concurrently(options.runs, options.clients, async (i) => {
    runIds[i] = await createRun(target.url, experiment_id);
  });
  log(`  ${target.name}: created ${options.runs} runs in ${createSeconds.toFixed(1)} s`);

  // (b) each run filled: 10 metrics of 10 steps, 10 params, 2 tags; then finished
  const fillSeconds = await concurrently(options.runs, options.clients, (i) => fillRun(target.url, runIds[i]!, i));
  log(`  ${target.name}: filled them in ${fillSeconds.toFixed(1)} s`);

  // (c) bulk ingest
  const { experiment_id: ingestExperiment } = await call<{ experiment_id: string }>(target.url, 'experiments/create', {
    name: 'bench-stores-ingest',
  });
  const ingestRuns = await Promise.all(Array.from({ length: options.clients }, () => createRun(target.url, ingestExperiment)));
  const batchesPerClient = Math.ceil(options.points / options.clients / 1000);
  let done = 0;
  let reported = 0;
  const now = Date.now();
  const ingestStarted = performance.now();
  await Promise.all(
    ingestRuns.map(async (runId) => {
      for (let batch = 0; batch < batchesPerClient; batch++) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.sin(batch + i),
          timestamp: now + batch,
          step: batch * 100 + Math.floor(i / 10),
        }));
        await call(target.url, 'runs/log-batch', { run_id: runId, metrics });
        done += 1000;
        if (done - reported >= 250_000) {
          reported = done;
          log(`  ${target.name}: ${done.toLocaleString('en')} points`);
        }
      }
    }),
  );
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;

  // (d) search, straight after the bulk ingest
  const timings: number[] = [];
  let matched = 0;
  let firstMs = 0;
  for (let i = 0; i < options.queries + 2; i++) {
    const started = performance.now();
    const result = await call<{
      runs?: Array<{ data: { metrics?: Array<{ key: string; value: number }>; params?: Array<{ key: string; value: string }> } }>;
    }>(target.url, 'runs/search', { experiment_ids: [experiment_id], ...storesSearch });
    const elapsed = performance.now() - started;
    if (i === 0) firstMs = elapsed;
    const runs = result.runs ?? [];
    matched = runs.length;
    const values = runs.map((run) => run.data.metrics?.find((m) => m.key === 'accuracy')?.value ?? Number.NaN);
    const expected = Math.min(storesSearch.max_results, expectedMatches(options.runs));
    if (runs.length !== expected) throw new Error(`${target.name} returned ${runs.length} runs, expected ${expected}`);
    if (!runs.every((run) => run.data.params?.find((p) => p.key === 'lr')?.value === '0.01'))
      throw new Error(`${target.name} returned a run whose lr is not 0.01`);
    if (!values.every((value, index) => value > 0.5 && (index === 0 || value <= values[index - 1]!)))
      throw new Error(`${target.name} returned runs outside the filter or order`);
    if (i >= 2) timings.push(elapsed);
  }
  timings.sort((a, b) => a - b);
  const pick = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))]!;

  // (e) history of one ingested metric
  const historySteps = batchesPerClient * 100;
  const history: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const result = await call<{ metrics: Array<{ step: number }> }>(
      target.url,
      `metrics/get-history?run_id=${ingestRuns[0]}&metric_key=m0`,
    );
    history.push(performance.now() - started);
    if (result.metrics.length !== historySteps)
      throw new Error(`${target.name} returned ${result.metrics.length} points of ${historySteps}`);
  }
  history.sort((a, b) => a - b);

  return {
    server: target.name,
    runsPerSecond: options.runs / createSeconds,
    fillCallsPerSecond: (2 * options.runs) / fillSeconds,
    ingest: { points: done, seconds: ingestSeconds, pointsPerSecond: done / ingestSeconds },
    search: { matched, firstMs, p50: pick(0.5), p99: pick(0.99) },
    historyMs: history[2]!,
    historySteps,
  };
}

/** How many of the first `runs` runs match the search (lr 0.01 is every third run from 1; accuracy above 0.5). */
function expectedMatches(runs: number): number {
  let count = 0;
  for (let i = 0; i < runs; i++) if (learningRates[i % 3] === '0.01' && accuracyOf(i) > 0.5) count++;
  return count;
}

/** A new database on the PostgreSQL server; returns its URL. */
async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return adminUrl.replace(/\/[^/]*$/, `/${name}`);
}

async function trellisTarget(name: string, databaseUrl?: string): Promise<Target> {
  const trellis = await startTrellis({ databaseUrl });
  return {
    name,
    url: trellis.url,
    async stop() {
      await trellis.stop();
      await removeHome(trellis.home);
    },
  };
}

/** SQLite's batched insert rate on this machine's temporary disk, into a table like Trellis's metrics. */
async function rawSqliteRate(python: string, rows: number): Promise<RawInsert> {
  const trellis = await startTrellis();
  await trellis.stop();
  const dir = await mkdtemp(join(tmpdir(), 'raw-sqlite-'));
  try {
    const result = spawnSync(
      python,
      [
        join(repositoryRoot, 'bench', 'tracking', 'raw_sqlite_insert.py'),
        join(trellis.home, 'trellis.db'),
        join(dir, 'raw.db'),
        String(rows),
        '1000',
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`raw_sqlite_insert.py failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as RawInsert;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await removeHome(trellis.home);
  }
}

export async function runStoresBench(
  options: StoresBenchOptions,
): Promise<{ figures: StoreFigures[]; raw: RawInsert; postgresVersion: string }> {
  const python = ensurePythonEnv({ log: options.log }) as string;
  if (!existsSync(join(python, '..', 'mlflow'))) throw new Error('the Python environment has no mlflow executable');
  const postgres = await startTestPostgres();
  const figures: StoreFigures[] = [];
  try {
    const versionClient = new pg.Client({ connectionString: postgres.url });
    await versionClient.connect();
    const postgresVersion = String((await versionClient.query('SHOW server_version')).rows[0]?.server_version);
    await versionClient.end();
    const starts: Record<string, () => Promise<Target>> = {
      'trellis-sqlite': () => trellisTarget('Trellis (SQLite)'),
      'trellis-postgres': async () => trellisTarget('Trellis (PostgreSQL)', await createDatabase(postgres.url, 'trellis_bench')),
      'mlflow-postgres': async () => startMlflowTarget(python, await createDatabase(postgres.url, 'mlflow_bench')),
    };
    for (const server of options.servers) {
      const start = starts[server];
      if (!start) throw new Error(`BENCH_STORES_SERVERS: unknown server '${server}' (trellis-sqlite, trellis-postgres, mlflow-postgres)`);
      const target = await start();
      try {
        options.log(`${target.name} at ${target.url}`);
        figures.push(await measure(target, options));
      } finally {
        await target.stop();
      }
    }
    options.log('SQLite raw batched inserts ...');
    const raw = await rawSqliteRate(python, options.points);
    return { figures, raw, postgresVersion };
  } finally {
    await postgres.stop();
  }
}
