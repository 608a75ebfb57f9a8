/**
 * Trellis against MLflow's own tracking server (`mlflow server` from PyPI, SQLite backend), both
 * started side by side on this machine in one run, each with its defaults (MLflow: 4 workers;
 * Trellis: one process), driven over loopback HTTP by the same Node client code:
 *   (a) metric points via log-batch (1,000 a call) from 8 concurrent clients — points/s;
 *   (b) runs/search over 50,000 runs with a metric filter and an order — p50/p99;
 *   (c) metrics/get-history of a 100,000-step metric — time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '../src/store/store.js';
import { removeHome, repositoryRoot, startTrellis } from '../test/support/trellis-process.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { freePort } from '../scripts/test-postgres.mjs';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { ensurePythonEnv } from '../scripts/python-env.mjs';

export interface TrackingBenchOptions {
  points: number;
  clients: number;
  searchRuns: number;
  searchQueries: number;
  historySteps: number;
  log: (line: string) => void;
}

export interface ServerFigures {
  server: string;
  ingest: { points: number; seconds: number; pointsPerSecond: number };
  search: { runs: number; matched: number; p50: number; p99: number };
  history: { steps: number; medianMs: number; runs: number[] };
}

/** The tracking server under test: its base URL, how to seed runs directly, and how to stop it. */
export interface Target {
  name: string;
  url: string;
  /** Where its data lives: Trellis's home, MLflow's SQLite file (for seeding straight into it). */
  dataPath: string;
  seedRuns(experimentId: string, count: number, startTime: number): Promise<void>;
  stop(): Promise<void>;
}

const searchFilter = 'metrics.accuracy > 0.9';
const searchOrder = ['metrics.accuracy DESC'];
const searchPage = 100;

/** One MLflow REST call (POST when a body is given); throws on a non-2xx answer. */
export async function call<T>(url: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(
    `${url}/api/2.0/mlflow/${path}`,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function createRun(url: string, experimentId: string): Promise<string> {
  const created = await call<{ run: { info: { run_id: string } } }>(url, 'runs/create', {
    experiment_id: experimentId,
    start_time: Date.now(),
  });
  return created.run.info.run_id;
}

/** (a): `options.points` metric points via log-batch (1,000 a call) from `options.clients` concurrent clients, one run each. */
export async function ingest(
  target: Pick<Target, 'name' | 'url'>,
  options: Pick<TrackingBenchOptions, 'points' | 'clients' | 'log'>,
): Promise<ServerFigures['ingest']> {
  const { experiment_id } = await call<{ experiment_id: string }>(target.url, 'experiments/create', { name: 'bench-ingest' });
  const runIds = await Promise.all(Array.from({ length: options.clients }, () => createRun(target.url, experiment_id)));
  const batchesPerClient = Math.ceil(options.points / options.clients / 1000);
  const now = Date.now();
  let done = 0;
  const started = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      for (let batch = 0; batch < batchesPerClient; batch++) {
        const metrics = Array.from({ length: 1000 }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.sin(batch + i),
          timestamp: now + batch,
          step: batch * 100 + Math.floor(i / 10),
        }));
        await call(target.url, 'runs/log-batch', { run_id: runId, metrics });
        done += 1000;
        if (done % 100_000 === 0) options.log(`  ${target.name}: ${done.toLocaleString('en')} points`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { points: done, seconds, pointsPerSecond: done / seconds };
}

async function search(target: Target, options: TrackingBenchOptions): Promise<ServerFigures['search']> {
  const { experiment_id } = await call<{ experiment_id: string }>(target.url, 'experiments/create', { name: 'bench-search' });
  const seedStarted = performance.now();
  await target.seedRuns(experiment_id, options.searchRuns, Date.now() - options.searchRuns);
  options.log(
    `  ${target.name}: seeded ${options.searchRuns.toLocaleString('en')} runs in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );
  const timings: number[] = [];
  let matched = 0;
  for (let i = 0; i < options.searchQueries + 2; i++) {
    const started = performance.now();
    const result = await call<{ runs?: Array<{ data: { metrics?: Array<{ key: string; value: number }> } }> }>(target.url, 'runs/search', {
      experiment_ids: [experiment_id],
      filter: searchFilter,
      order_by: searchOrder,
      max_results: searchPage,
    });
    const elapsed = performance.now() - started;
    matched = result.runs?.length ?? 0;
    const values = (result.runs ?? []).map((run) => run.data.metrics?.find((m) => m.key === 'accuracy')?.value ?? Number.NaN);
    if (!values.every((value, index) => value > 0.9 && (index === 0 || value <= values[index - 1]!)))
      throw new Error(`${target.name} returned runs outside the filter or order`);
    if (i >= 2) timings.push(elapsed); // the first two warm caches
  }
  timings.sort((a, b) => a - b);
  const pick = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))]!;
  return { runs: options.searchRuns, matched, p50: pick(0.5), p99: pick(0.99) };
}

async function history(target: Target, options: TrackingBenchOptions): Promise<ServerFigures['history']> {
  const { experiment_id } = await call<{ experiment_id: string }>(target.url, 'experiments/create', { name: 'bench-history' });
  const runId = await createRun(target.url, experiment_id);
  const now = Date.now();
  for (let first = 0; first < options.historySteps; first += 1000) {
    const metrics = Array.from({ length: Math.min(1000, options.historySteps - first) }, (_, i) => ({
      key: 'loss',
      value: 1 / (first + i + 1),
      timestamp: now + first + i,
      step: first + i,
    }));
    await call(target.url, 'runs/log-batch', { run_id: runId, metrics });
  }
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const result = await call<{ metrics: Array<{ step: number }> }>(target.url, `metrics/get-history?run_id=${runId}&metric_key=loss`);
    runs.push(performance.now() - started);
    if (result.metrics.length !== options.historySteps || result.metrics.at(-1)?.step !== options.historySteps - 1) {
      throw new Error(`${target.name} returned ${result.metrics.length} points of ${options.historySteps}`);
    }
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { steps: options.historySteps, medianMs: sorted[Math.floor(sorted.length / 2)]!, runs };
}

/** `trellis up` on a new home; seeds runs straight through its store (`Store.open({ home })`). `env` adds to the server's environment. */
export async function startTrellisTarget(env: Record<string, string> = {}): Promise<Target> {
  const trellis = await startTrellis({ env });
  return {
    name: 'Trellis (SQLite)',
    url: trellis.url,
    dataPath: trellis.home,
    async seedRuns(experimentId, count, startTime) {
      const store = Store.open({ home: trellis.home });
      try {
        for (let first = 0; first < count; first += 5000) {
          await store.transaction(async (repositories) => {
            for (let i = first; i < Math.min(count, first + 5000); i++) {
              const runId = i.toString(16).padStart(32, '0');
              await repositories.runs.create({
                runId,
                workspace: 'default',
                experimentId,
                runName: `run-${i}`,
                userId: 'bench',
                startTime: startTime + i,
                artifactUri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
                tags: [
                  { key: 'mlflow.runName', value: `run-${i}` },
                  { key: 'team', value: i % 2 ? 'vision' : 'speech' },
                ],
              });
              await repositories.runs.update(runId, { status: 'FINISHED', endTime: startTime + i + 1 });
              await repositories.runs.logMetrics(runId, [
                { key: 'accuracy', value: ((i * 7919) % 10007) / 10007, timestamp: startTime + i, step: 0 },
              ]);
              await repositories.runs.logParams(runId, [{ key: 'lr', value: ['0.1', '0.01', '0.001'][i % 3]! }]);
            }
          });
        }
      } finally {
        await store.close();
      }
    },
    async stop() {
      await trellis.stop();
      await removeHome(trellis.home);
    },
  };
}

/** `mlflow server` on a new SQLite file; seeds runs into that file with bench/mlflow/seed_runs.py. */
export async function startMlflowTarget(
  python: string,
  /** A postgres:// database for its backend store instead of a new SQLite file (seedRuns then refuses). */
  postgresUrl?: string,
): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'mlflow-bench-'));
  const port = (await freePort()) as number;
  const database = join(dir, 'mlflow.db');
  const backendStoreUri = postgresUrl ? postgresUrl.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:') : `sqlite:///${database}`;
  const mlflow = join(python, '..', 'mlflow');
  const child: ChildProcess = spawn(
    mlflow,
    [
      'server',
      '--backend-store-uri',
      backendStoreUri,
      '--default-artifact-root',
      join(dir, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    // Its own process group: `mlflow server` starts gunicorn workers and job consumers, all stopped together.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' }, detached: true },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Its 4 workers start one after the other, each importing MLflow: minutes on a loaded 2-core machine.
  const startSeconds = Number(process.env.BENCH_MLFLOW_START_S ?? 300);
  const deadline = Date.now() + startSeconds * 1000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      // Its whole process group, so no worker outlives the bench that gave up on it.
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`mlflow server did not answer /health in ${startSeconds} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    name: postgresUrl ? 'MLflow server (PostgreSQL)' : 'MLflow server (SQLite)',
    url,
    dataPath: postgresUrl ? backendStoreUri : database,
    async seedRuns(experimentId, count, startTime) {
      if (postgresUrl) throw new Error('seeding runs goes straight into a SQLite file; this server stores them in PostgreSQL');
      const seeder = spawn(
        python,
        [join(repositoryRoot, 'bench', 'mlflow', 'seed_runs.py'), database, experimentId, String(count), String(startTime)],
        { stdio: 'inherit' },
      );
      const code = await new Promise<number | null>((resolve) => seeder.once('exit', resolve));
      if (code !== 0) throw new Error(`seeding MLflow's database failed (${code})`);
    },
    async stop() {
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      process.kill(-child.pid!, 'SIGTERM');
      // uvicorn waits for requests in flight, and a worker inside a minutes-long SQLite query (one the client gave up on) does not stop for SIGTERM.
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      try {
        process.kill(-child.pid!, 'SIGKILL'); // whatever of the group did not stop on SIGTERM
      } catch {
        // the whole group is gone
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the three measurements on each server in turn (never both at once, so neither slows the other). */
export async function runTrackingBench(options: TrackingBenchOptions): Promise<ServerFigures[]> {
  const python = ensurePythonEnv({ log: options.log }) as string;
  if (!existsSync(join(python, '..', 'mlflow'))) throw new Error('the Python environment has no mlflow executable');
  const figures: ServerFigures[] = [];
  for (const start of [() => startTrellisTarget(), () => startMlflowTarget(python)]) {
    const target = await start();
    try {
      options.log(`${target.name} at ${target.url}`);
      options.log(`  (a) ${options.points.toLocaleString('en')} points from ${options.clients} clients ...`);
      const ingestFigures = await ingest(target, options);
      options.log(`  (b) search over ${options.searchRuns.toLocaleString('en')} runs ...`);
      const searchFigures = await search(target, options);
      options.log(`  (c) history of ${options.historySteps.toLocaleString('en')} steps ...`);
      const historyFigures = await history(target, options);
      figures.push({ server: target.name, ingest: ingestFigures, search: searchFigures, history: historyFigures });
    } finally {
      await target.stop();
    }
  }
  return figures;
}
