/**
 * `npm run bench`: runs every benchmark and prints the tables BENCHMARKS.md records.
 * BENCH_ONLY=foundation|tracking runs one part. Sizes: BENCH_COUNT (default 10000) and
 * BENCH_STARTUP_RUNS (default 5) for the foundation; BENCH_POINTS (1000000), BENCH_CLIENTS (8),
 * BENCH_SEARCH_RUNS (50000), BENCH_SEARCH_QUERIES (20), BENCH_HISTORY_STEPS (100000) for tracking.
 */
import { cpus, totalmem } from 'node:os';
import { runTrackingBench } from './mlflow-tracking.js';
import { runStartupAndCrud } from './startup-and-crud.js';

const only = process.env.BENCH_ONLY;
const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

log(`trellis bench: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);

if (!only || only === 'foundation') {
  const count = Number(process.env.BENCH_COUNT ?? 10_000);
  const startupRuns = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
  const { startup, crud } = await runStartupAndCrud({ startupRuns, count, log });

  console.log('\n## Start-up: `trellis up` to a ready /readyz (goal ≤ 2000 ms)\n');
  console.log('| database | median | min | max | runs | goal met |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of startup) {
    const m = median(row.runs);
    console.log(`| ${row.dialect} | ${ms(m)} | ${ms(Math.min(...row.runs))} | ${ms(Math.max(...row.runs))} | ${row.runs.length} | ${m <= 2000 ? 'yes' : 'no'} (${(m / 2000).toFixed(2)}× the goal) |`);
  }
  console.log(`\n## Create and get over HTTP, ${count} resources, one client, sequential\n`);
  console.log('| database | create p50 | create p99 | creates/s | get p50 | get p99 | gets/s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of crud) {
    console.log(`| ${row.dialect} | ${ms(row.create.p50)} | ${ms(row.create.p99)} | ${row.create.perSecond.toFixed(0)} | ${ms(row.get.p50)} | ${ms(row.get.p99)} | ${row.get.perSecond.toFixed(0)} |`);
  }
  const [sqlite, postgres] = crud;
  if (sqlite && postgres) {
    console.log(`\nPostgreSQL / SQLite, same run: create p50 ${(postgres.create.p50 / sqlite.create.p50).toFixed(2)}×, get p50 ${(postgres.get.p50 / sqlite.get.p50).toFixed(2)}×`);
  }
}

if (!only || only === 'tracking') {
  const options = {
    points: Number(process.env.BENCH_POINTS ?? 1_000_000),
    clients: Number(process.env.BENCH_CLIENTS ?? 8),
    searchRuns: Number(process.env.BENCH_SEARCH_RUNS ?? 50_000),
    searchQueries: Number(process.env.BENCH_SEARCH_QUERIES ?? 20),
    historySteps: Number(process.env.BENCH_HISTORY_STEPS ?? 100_000),
    log,
  };
  const [trellis, mlflow] = await runTrackingBench(options);
  if (trellis && mlflow) {
    const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(1)}×`;
    console.log(`\n## MLflow tracking: Trellis and \`mlflow server\` side by side, same machine, same run\n`);
    console.log('| measurement | Trellis (SQLite) | MLflow server (SQLite) | Trellis advantage | goal |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      `| (a) ${trellis.ingest.points.toLocaleString('en')} points via log-batch, ${options.clients} clients | ${trellis.ingest.pointsPerSecond.toFixed(0)} points/s (${trellis.ingest.seconds.toFixed(1)} s) | ${mlflow.ingest.pointsPerSecond.toFixed(0)} points/s (${mlflow.ingest.seconds.toFixed(1)} s) | ${ratio(trellis.ingest.pointsPerSecond, mlflow.ingest.pointsPerSecond)} | ≥ 10× |`,
    );
    console.log(`| (b) search ${trellis.search.runs.toLocaleString('en')} runs, p50 | ${ms(trellis.search.p50)} | ${ms(mlflow.search.p50)} | ${ratio(mlflow.search.p50, trellis.search.p50)} | ≥ 10× |`);
    console.log(`| (b) search ${trellis.search.runs.toLocaleString('en')} runs, p99 | ${ms(trellis.search.p99)} | ${ms(mlflow.search.p99)} | ${ratio(mlflow.search.p99, trellis.search.p99)} | ≥ 10× |`);
    console.log(`| (c) get-history, ${trellis.history.steps.toLocaleString('en')} steps, median of 5 | ${ms(trellis.history.medianMs)} | ${ms(mlflow.history.medianMs)} | ${ratio(mlflow.history.medianMs, trellis.history.medianMs)} | — |`);
    console.log(`\nSearch: filter \`metrics.accuracy > 0.9\`, order \`metrics.accuracy DESC\`, max_results 100 (${trellis.search.matched} and ${mlflow.search.matched} runs returned).`);
  }
}
