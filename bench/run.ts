/**
 * `npm run bench`: runs every benchmark and prints the tables BENCHMARKS.md records.
 * BENCH_ONLY=foundation|tracking|tracking-stores|balanced-tracking|tracing|jobs|failover|serving|studio|auth|artifacts|pipelines|sweeps|monitoring|advisor|backup runs one part. Sizes: BENCH_COUNT (default 10000) and
 * BENCH_STARTUP_RUNS (default 5) for the foundation; BENCH_POINTS (1000000), BENCH_CLIENTS (8),
 * BENCH_SEARCH_RUNS (50000), BENCH_SEARCH_QUERIES (20), BENCH_HISTORY_STEPS (100000) for tracking;
 * BENCH_STORES_CLIENTS (8), BENCH_STORES_RUNS (2000), BENCH_STORES_POINTS (1000000), BENCH_STORES_QUERIES (20), BENCH_STORES_SERVERS
 * (trellis-sqlite,trellis-postgres,mlflow-postgres) for tracking-stores (also part of tracking);
 * BENCH_TRACES (10000), BENCH_TRACE_SPANS (50: spans a trace), BENCH_TRACE_CLIENTS (8), BENCH_TRACE_QUERIES (20: timed runs
 * of each search), BENCH_TRACE_QUERY_BUDGET_S (60: a search stops repeating after this many seconds of timed runs),
 * BENCH_TRACE_QUERY_TIMEOUT_S (300: a search request unanswered by then gives that query up, reported as such), BENCH_TRACE_ROUND (500: traces
 * each server takes in turn during ingest), BENCH_TRACE_SERVERS (trellis,mlflow), BENCH_TRACE_SERVER_PROFILE (a folder for Trellis's CPU profile) for tracing;
 * BENCH_MLFLOW_START_S (300: seconds `mlflow server` may take to answer /health) for tracking and tracing;
 * BENCH_JOBS (1000), BENCH_JOBS_IDLE (100), BENCH_JOB_NODES (16), BENCH_JOB_CLIENTS (4) for jobs;
 * BENCH_BALANCED_SERVERS (1,2,3), BENCH_BALANCED_POINTS (1000000), BENCH_BALANCED_CLIENTS (8) for balanced-tracking;
 * BENCH_FAILOVER_TTLS (10000,3000: lease TTLs in ms), BENCH_FAILOVER_KILLS (5 a TTL), BENCH_FAILOVER_SERVERS (3) for failover;
 * BENCH_SERVING_CALLS (10000), BENCH_SERVING_SECONDS (10), BENCH_SERVING_CONNECTIONS (8,32,64) for serving;
 * BENCH_STUDIO_RUNS (50000), BENCH_STUDIO_POINTS (1000000), BENCH_STUDIO_REPETITIONS (5) for studio;
 * BENCH_AUTH_CALLS (20000), BENCH_AUTH_CLIENTS (8) for auth; BENCH_ARTIFACT_MB (512: MiB uploaded and downloaded
 * per workspace and measurement), BENCH_ARTIFACT_FILE_MB (64: MiB a file), BENCH_ARTIFACT_CLIENTS (4),
 * BENCH_ARTIFACT_RANGES (1 MiB ranged reads; twice BENCH_ARTIFACT_MB, at most 1000) for artifacts;
 * BENCH_PIPELINE_STEPS (100), BENCH_PIPELINE_OWN_RUNS (30) for pipelines; BENCH_SWEEP_SEEDS (10), BENCH_SWEEP_TRIALS (50),
 * BENCH_SWEEP_EARLY_TRIALS (32), BENCH_SWEEP_EPOCH_PAUSE (0.3 s), BENCH_SWEEP_OVERHEAD_TRIALS (200), BENCH_SWEEP_OWN_RUNS (30),
 * BENCH_SWEEP_PARTS (quality,early,overhead), BENCH_SWEEP_SERVER_PROFILE (a folder for the server's CPU profile) for sweeps;
 * BENCH_MONITORING_ROWS (1000000: rows of the reference and of the current file), BENCH_MONITORING_LARGE_ROWS (10000000:
 * the current file of the memory check) for monitoring; BENCH_ADVISOR_FILES (10000), BENCH_ADVISOR_RESOURCES (10000),
 * BENCH_ADVISOR_RUNS (5) for the advisor, BENCH_ADVISOR_LIVE=0 to leave its live rules out, BENCH_ADVISOR_CLI=<main.js of
 * another build> to time that CLI too, alternately on the same folder (before and after a change); BENCH_BACKUP_POINTS
 * (1000000), BENCH_BACKUP_MB (1024: MiB of artifacts), BENCH_BACKUP_FILE_MB (4: MiB a file), BENCH_BACKUP_CLIENTS (4) for backup.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { median as middle, runAdvisorBench } from './advisor.js';
import { runArtifactsAtRestBench, type Throughput } from './artifacts-at-rest.js';
import { runAuthBench } from './auth.js';
import { runBackupBench } from './backup.js';
import { runBalancedTrackingBench } from './balanced-tracking.js';
import { runJobQueueBench, type Summary } from './job-queue-latency.js';
import { type FailoverSample, runFailoverBench } from './leader-failover.js';
import { runMonitoringBench } from './monitoring.js';
import { monitoringTables } from './monitoring/monitoring-tables.js';
import { runTrackingBench } from './mlflow-tracking.js';
import { runStoresBench, storesSearch } from './tracking-stores.js';
import { runTracingBench } from './tracing.js';
import { runPipelineBench, type ShapeFigures } from './pipelines.js';
import { bestRate, runServingBench, type LatencyRow } from './serving.js';
import { runStartupAndCrud } from './startup-and-crud.js';
import { runStudioBench, type Timings } from './studio.js';
import { runSweepBench } from './sweeps.js';
import { sweepTables } from './sweeps/sweep-tables.js';

const only = process.env.BENCH_ONLY;
const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

log(
  `trellis bench: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);

if (!only || only === 'foundation') {
  const count = Number(process.env.BENCH_COUNT ?? 10_000);
  const startupRuns = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
  const { startup, crud } = await runStartupAndCrud({ startupRuns, count, log });

  console.log('\n## Start-up: `trellis up` to a ready /readyz (goal ≤ 2000 ms)\n');
  console.log('| database | median | min | max | runs | goal met |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of startup) {
    const m = median(row.runs);
    console.log(
      `| ${row.dialect} | ${ms(m)} | ${ms(Math.min(...row.runs))} | ${ms(Math.max(...row.runs))} | ${row.runs.length} | ${m <= 2000 ? 'yes' : 'no'} (${(m / 2000).toFixed(2)}× the goal) |`,
    );
  }
  console.log(`\n## Create and get over HTTP, ${count} resources, one client, sequential\n`);
  console.log('| database | create p50 | create p99 | creates/s | get p50 | get p99 | gets/s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of crud) {
    console.log(
      `| ${row.dialect} | ${ms(row.create.p50)} | ${ms(row.create.p99)} | ${row.create.perSecond.toFixed(0)} | ${ms(row.get.p50)} | ${ms(row.get.p99)} | ${row.get.perSecond.toFixed(0)} |`,
    );
  }
  const [sqlite, postgres] = crud;
  if (sqlite && postgres) {
    console.log(
      `\nPostgreSQL / SQLite, same run: create p50 ${(postgres.create.p50 / sqlite.create.p50).toFixed(2)}×, get p50 ${(postgres.get.p50 / sqlite.get.p50).toFixed(2)}×`,
    );
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
    console.log(
      `| (b) search ${trellis.search.runs.toLocaleString('en')} runs, p50 | ${ms(trellis.search.p50)} | ${ms(mlflow.search.p50)} | ${ratio(mlflow.search.p50, trellis.search.p50)} | ≥ 10× |`,
    );
    console.log(
      `| (b) search ${trellis.search.runs.toLocaleString('en')} runs, p99 | ${ms(trellis.search.p99)} | ${ms(mlflow.search.p99)} | ${ratio(mlflow.search.p99, trellis.search.p99)} | ≥ 10× |`,
    );
    console.log(
      `| (c) get-history, ${trellis.history.steps.toLocaleString('en')} steps, median of 5 | ${ms(trellis.history.medianMs)} | ${ms(mlflow.history.medianMs)} | ${ratio(mlflow.history.medianMs, trellis.history.medianMs)} | — |`,
    );
    console.log(
      `\nSearch: filter \`metrics.accuracy > 0.9\`, order \`metrics.accuracy DESC\`, max_results 100 (${trellis.search.matched} and ${mlflow.search.matched} runs returned).`,
    );
  }
}

if (!only || only === 'tracking' || only === 'tracking-stores') {
  const options = {
    clients: Number(process.env.BENCH_STORES_CLIENTS ?? 8),
    runs: Number(process.env.BENCH_STORES_RUNS ?? 2000),
    points: Number(process.env.BENCH_STORES_POINTS ?? 1_000_000),
    queries: Number(process.env.BENCH_STORES_QUERIES ?? 20),
    servers: (process.env.BENCH_STORES_SERVERS ?? 'trellis-sqlite,trellis-postgres,mlflow-postgres').split(','),
    log,
  };
  const { figures, raw, postgresVersion } = await runStoresBench(options);
  const sqlite = figures.find((row) => row.server === 'Trellis (SQLite)');
  const postgres = figures.find((row) => row.server === 'Trellis (PostgreSQL)');
  const mlflow = figures.find((row) => row.server.startsWith('MLflow'));
  const times = (ours: number | undefined, theirs: number | undefined) =>
    ours === undefined || theirs === undefined ? '—' : `${(ours / theirs).toFixed(1)}×`;
  const cell = (row: (typeof figures)[number] | undefined, value: (row: (typeof figures)[number]) => string) => (row ? value(row) : '—');
  console.log(
    `\n## Tracking on both stores: Trellis on SQLite and on PostgreSQL ${postgresVersion}, \`mlflow server\` on the same PostgreSQL, same run\n`,
  );
  console.log(
    '| measurement | Trellis, SQLite | Trellis, PostgreSQL | MLflow server, PostgreSQL | PostgreSQL: Trellis ÷ MLflow (goal ≥ 10×) |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  const rate = (value: number, unit: string) => `${Math.round(value).toLocaleString('en')} ${unit}`;
  console.log(
    `| runs created (runs/create, ${options.clients} clients, ${options.runs.toLocaleString('en')} runs) | ${cell(sqlite, (r) => rate(r.runsPerSecond, 'runs/s'))} | ${cell(postgres, (r) => rate(r.runsPerSecond, 'runs/s'))} | ${cell(mlflow, (r) => rate(r.runsPerSecond, 'runs/s'))} | ${times(postgres?.runsPerSecond, mlflow?.runsPerSecond)} |`,
  );
  console.log(
    `| runs filled (one log-batch of 100 metrics, 10 params, 2 tags, then runs/update) | ${cell(sqlite, (r) => rate(r.fillCallsPerSecond, 'calls/s'))} | ${cell(postgres, (r) => rate(r.fillCallsPerSecond, 'calls/s'))} | ${cell(mlflow, (r) => rate(r.fillCallsPerSecond, 'calls/s'))} | ${times(postgres?.fillCallsPerSecond, mlflow?.fillCallsPerSecond)} |`,
  );
  console.log(
    `| ingest (log-batch of 1,000 points, ${options.clients} clients, ${options.points.toLocaleString('en')} points) | ${cell(sqlite, (r) => rate(r.ingest.pointsPerSecond, 'points/s'))} | ${cell(postgres, (r) => rate(r.ingest.pointsPerSecond, 'points/s'))} | ${cell(mlflow, (r) => rate(r.ingest.pointsPerSecond, 'points/s'))} | ${times(postgres?.ingest.pointsPerSecond, mlflow?.ingest.pointsPerSecond)} |`,
  );
  console.log(
    `| search right after the ingest, first query | ${cell(sqlite, (r) => ms(r.search.firstMs))} | ${cell(postgres, (r) => ms(r.search.firstMs))} | ${cell(mlflow, (r) => ms(r.search.firstMs))} | ${times(mlflow?.search.firstMs, postgres?.search.firstMs)} |`,
  );
  console.log(
    `| search p50 (${options.queries} queries) | ${cell(sqlite, (r) => ms(r.search.p50))} | ${cell(postgres, (r) => ms(r.search.p50))} | ${cell(mlflow, (r) => ms(r.search.p50))} | ${times(mlflow?.search.p50, postgres?.search.p50)} |`,
  );
  console.log(
    `| search p99 | ${cell(sqlite, (r) => ms(r.search.p99))} | ${cell(postgres, (r) => ms(r.search.p99))} | ${cell(mlflow, (r) => ms(r.search.p99))} | ${times(mlflow?.search.p99, postgres?.search.p99)} |`,
  );
  console.log(
    `| get-history, ${(sqlite ?? postgres ?? mlflow)?.historySteps.toLocaleString('en') ?? '?'} steps, median of 5 | ${cell(sqlite, (r) => ms(r.historyMs))} | ${cell(postgres, (r) => ms(r.historyMs))} | ${cell(mlflow, (r) => ms(r.historyMs))} | ${times(mlflow?.historyMs, postgres?.historyMs)} |`,
  );
  console.log(
    `\nPostgreSQL search p50 against SQLite's (goal ≤ 2×): ${sqlite && postgres ? `${(postgres.search.p50 / sqlite.search.p50).toFixed(2)}×` : '—'}; first query ${sqlite && postgres ? `${(postgres.search.firstMs / sqlite.search.firstMs).toFixed(2)}×` : '—'}.`,
  );
  console.log(
    `SQLite's own batched inserts on this disk (Python sqlite3, WAL, synchronous=FULL, 1,000-row transactions, Trellis's metrics table): ${rate(raw.rows_per_second, 'rows/s')}; Trellis's SQLite ingest is ${sqlite ? `${((100 * sqlite.ingest.pointsPerSecond) / raw.rows_per_second).toFixed(0)}%` : '—'} of it (goal ≥ 50%).`,
  );
  console.log(
    `Search: \`${storesSearch.filter} ORDER BY ${storesSearch.order_by.join(', ')}\`, max_results 100 (${figures.map((r) => `${r.server}: ${r.search.matched}`).join(', ')} runs returned).`,
  );
}

if (!only || only === 'balanced-tracking') {
  const options = {
    servers: (process.env.BENCH_BALANCED_SERVERS ?? '1,2,3').split(',').map(Number),
    points: Number(process.env.BENCH_BALANCED_POINTS ?? 1_000_000),
    clients: Number(process.env.BENCH_BALANCED_CLIENTS ?? 8),
    log,
  };
  const rows = await runBalancedTrackingBench(options);
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(', ');
  const first = rows[0];
  console.log(
    `\n## MLflow tracking ingest through HAProxy: ${options.points.toLocaleString('en')} points via log-batch (1,000 a call), ${options.clients} clients, N servers on one PostgreSQL\n`,
  );
  console.log(`| servers | points/s | seconds | vs ${first?.servers ?? 1} server(s) | load average before (1, 5, 15 min) | after |`);
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows)
    console.log(
      `| ${row.servers} | ${row.pointsPerSecond.toFixed(0)} | ${row.seconds.toFixed(1)} | ${first ? (row.pointsPerSecond / first.pointsPerSecond).toFixed(2) : '—'}× | ${load(row.loadBefore)} | ${load(row.loadAfter)} |`,
    );
  console.log(`\n${cpus().length} cores, node ${process.version}.`);
}

if (!only || only === 'tracing') {
  const options = {
    traces: Number(process.env.BENCH_TRACES ?? 10_000),
    spansPerTrace: Number(process.env.BENCH_TRACE_SPANS ?? 50),
    clients: Number(process.env.BENCH_TRACE_CLIENTS ?? 8),
    queries: Number(process.env.BENCH_TRACE_QUERIES ?? 20),
    queryBudgetSeconds: Number(process.env.BENCH_TRACE_QUERY_BUDGET_S ?? 60),
    queryTimeoutSeconds: Number(process.env.BENCH_TRACE_QUERY_TIMEOUT_S ?? 300),
    roundTraces: Number(process.env.BENCH_TRACE_ROUND ?? 500),
    profileFolder: process.env.BENCH_TRACE_SERVER_PROFILE,
    servers: (process.env.BENCH_TRACE_SERVERS ?? 'trellis,mlflow')
      .split(',')
      .flatMap((name): ('trellis' | 'mlflow')[] => (name === 'trellis' || name === 'mlflow' ? [name] : [])),
    log,
  };
  const figures = await runTracingBench(options);
  const [first] = figures;
  const trellis = figures.find((row) => row.server.startsWith('Trellis'));
  const mlflow = figures.find((row) => row.server.startsWith('MLflow'));
  const ratio = (ours: number | undefined, theirs: number | undefined) =>
    ours === undefined || theirs === undefined ? '—' : `${(ours / theirs).toFixed(1)}×`;
  if (first) {
    console.log(
      `\n## MLflow tracing: ${first.ingest.traces.toLocaleString('en')} traces of ${options.spansPerTrace} spans over OTLP/HTTP (${(first.ingest.bytes / 2 ** 20).toFixed(0)} MiB of protobuf), ${options.clients} clients\n`,
    );
    console.log(
      '| server | wall time | traces/s | spans/s | requests sent again (503 …) | traces held after | spans of trace 0 (GetTrace) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of figures) {
      console.log(
        `| ${row.server} | ${row.ingest.seconds.toFixed(1)} s | ${row.ingest.tracesPerSecond.toFixed(0)} | ${row.ingest.spansPerSecond.toFixed(0)} | ${row.ingest.retries} | ${row.stored.traces} | ${row.stored.spansOfOne} |`,
      );
    }
    console.log(`\nIngest, Trellis / MLflow: ${ratio(trellis?.ingest.spansPerSecond, mlflow?.ingest.spansPerSecond)} (goal ≥ 10×)`);
    console.log(
      `\n### Search (SearchTracesV3) and GetTrace, ${options.queries} timed runs each after 2 warm-ups (fewer past ${options.queryBudgetSeconds} s)\n`,
    );
    const mismatches: string[] = [];
    console.log('| query | matched (Trellis / MLflow) | Trellis p50 / p99 | MLflow p50 / p99 (runs) | Trellis advantage p50 / p99 |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const query of first.queries) {
      const ours = trellis?.queries.find((row) => row.name === query.name);
      const theirs = mlflow?.queries.find((row) => row.name === query.name);
      const cell = (row: typeof ours) => {
        if (!row) return '—';
        if (row.timedOut) return `no answer in ${options.queryTimeoutSeconds} s (timed out)`;
        return `${ms(row.p50)} / ${ms(row.p99)}${row.runs < options.queries ? ` (${row.runs})` : ''}`;
      };
      // A query MLflow gave no answer to within the timeout took at least that long: the advantage is at least timeout / ours.
      const advantage =
        theirs?.timedOut && ours && !ours.timedOut
          ? `≥ ${((options.queryTimeoutSeconds * 1000) / ours.p50).toFixed(0)}× / ≥ ${((options.queryTimeoutSeconds * 1000) / ours.p99).toFixed(0)}× (MLflow timed out)`
          : `${ratio(theirs?.p50, ours?.p50)} / ${ratio(theirs?.p99, ours?.p99)}`;
      const isMismatch = ours?.matched !== undefined && theirs?.matched !== undefined && ours.matched !== theirs.matched;
      if (isMismatch) mismatches.push(`${query.name}: Trellis matched ${ours.matched}, MLflow ${theirs.matched}`);
      console.log(
        `| ${query.name}: ${query.description} | ${ours?.matched ?? '—'} / ${theirs?.matched ?? '—'}${isMismatch ? ' (differ)' : ''} | ${cell(ours)} | ${cell(theirs)} | ${advantage} |`,
      );
    }
    // Both servers hold the same traces, so a query must match as many on each: a difference fails the bench.
    if (mismatches.length > 0) {
      console.log(`\nThe servers matched different numbers of traces:\n${mismatches.join('\n')}`);
      process.exitCode = 1;
    }
  }
}

if (!only || only === 'failover') {
  const options = {
    ttls: (process.env.BENCH_FAILOVER_TTLS ?? '10000,3000').split(',').map(Number),
    kills: Number(process.env.BENCH_FAILOVER_KILLS ?? 5),
    servers: Number(process.env.BENCH_FAILOVER_SERVERS ?? 3),
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const rows = await runFailoverBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const spread = (values: number[]) => `${ms(median(values))} (${ms(Math.min(...values))} – ${ms(Math.max(...values))})`;
  const column = (samples: FailoverSample[], key: keyof FailoverSample) => spread(samples.map((sample) => sample[key]));
  console.log(
    `\n## Leader failover: kill -9 of the server running the controllers, ${options.servers} servers on one PostgreSQL (median, min – max)\n`,
  );
  console.log(
    "| lease TTL | kills | lease left at the kill | kill → next leader's controllers running | kill → a job submitted after it running | clean stop (SIGTERM) → next leader |",
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows)
    console.log(
      `| ${row.ttlMs} ms | ${row.kills.length} | ${column(row.kills, 'leaseLeft')} | ${column(row.kills, 'toLeader')} | ${column(row.kills, 'toJobRunning')} | ${spread(row.cleanStops)} |`,
    );
  console.log(`\n${cpus().length} cores, node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`);
}

if (!only || only === 'jobs') {
  const options = {
    jobs: Number(process.env.BENCH_JOBS ?? 1000),
    idleJobs: Number(process.env.BENCH_JOBS_IDLE ?? 100),
    nodes: Number(process.env.BENCH_JOB_NODES ?? 16),
    clients: Number(process.env.BENCH_JOB_CLIENTS ?? 4),
    log,
  };
  const { idle, saturated } = await runJobQueueBench(options);
  const p50p99 = (summary: Summary) => `${ms(summary.p50)} / ${ms(summary.p99)}`;
  const added = idle.ackToRunning.p50 - idle.peerSpawnToRunning.p50;
  console.log(
    `\n## Job queue: \`echo $EPOCHREALTIME\` as a command job on a local cluster (max_instances ${options.nodes}), against Node spawning \`bash -c\` itself\n`,
  );
  console.log(`### (a) idle cluster: ${idle.jobs} jobs, one at a time (goal: ≤ 50 ms p50 added by Trellis)\n`);
  console.log('| measurement | p50 / p99 | max |');
  console.log('| --- | --- | --- |');
  console.log(`| Trellis: submit request → 201 | ${p50p99(idle.submit)} | ${ms(idle.submit.max)} |`);
  console.log(`| Trellis: 201 → command running | ${p50p99(idle.ackToRunning)} | ${ms(idle.ackToRunning.max)} |`);
  console.log(`| Trellis: submit request → command running | ${p50p99(idle.sentToRunning)} | ${ms(idle.sentToRunning.max)} |`);
  console.log(`| peer: spawn() → command running | ${p50p99(idle.peerSpawnToRunning)} | ${ms(idle.peerSpawnToRunning.max)} |`);
  console.log(
    `\nAdded by Trellis (201 → running, minus the peer's spawn → running), p50: ${ms(added)} — ${added <= 50 ? 'goal met' : 'goal missed'} (${(added / 50).toFixed(2)}× the goal); 201 → running is ${(idle.ackToRunning.p50 / idle.peerSpawnToRunning.p50).toFixed(1)}× the peer's spawn → running.`,
  );
  const phases = [
    ['Queued → Preparing (scheduler picks it, node marked busy)', 'queuedToPreparing'],
    ['Preparing → Running event (attempt folder, environment, cgroups, spawn, records)', 'preparingToRunningEvent'],
    ['Running event → command ran', 'runningEventToCommand'],
    ['command ran → Completed', 'commandToEnded'],
  ] as const;
  console.log('\n| phase (job events, server clock, ms resolution) | idle p50 / p99 | saturated p50 / p99 |');
  console.log('| --- | --- | --- |');
  for (const [label, field] of phases) console.log(`| ${label} | ${p50p99(idle.phases[field])} | ${p50p99(saturated.phases[field])} |`);
  console.log(`\n### (b) saturated queue: ${saturated.jobs} jobs from ${saturated.clients} clients at once\n`);
  console.log('| measurement | Trellis | peer (pool of the same width) | peer / Trellis |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| all ${saturated.jobs} completed, from the first submit | ${saturated.seconds.toFixed(1)} s (${saturated.jobsPerSecond.toFixed(1)} jobs/s) | ${saturated.peerSeconds.toFixed(1)} s (${saturated.peerJobsPerSecond.toFixed(0)} jobs/s) | ${(saturated.peerJobsPerSecond / saturated.jobsPerSecond).toFixed(1)}× the jobs/s |`,
  );
  console.log(`| submits | ${saturated.submitSeconds.toFixed(1)} s (${saturated.submitsPerSecond.toFixed(0)} submits/s) | — | — |`);
  console.log(
    `| queue wait: 201 (peer: all queued at once) → command running, p50 / p99 | ${p50p99(saturated.ackToRunning)} | ${p50p99(saturated.peerEnqueueToRunning)} | — |`,
  );
  console.log(
    `| per job once a node is free: Preparing (peer: spawn()) → command running, p50 / p99 | ${p50p99(saturated.preparingToRunning)} | ${p50p99(saturated.peerSpawnToRunning)} | ${(saturated.preparingToRunning.p50 / saturated.peerSpawnToRunning.p50).toFixed(1)}× |`,
  );
}

if (!only || only === 'serving') {
  const options = {
    calls: Number(process.env.BENCH_SERVING_CALLS ?? 10_000),
    loadSeconds: Number(process.env.BENCH_SERVING_SECONDS ?? 10),
    connections: (process.env.BENCH_SERVING_CONNECTIONS ?? '8,32,64').split(',').map(Number),
    log,
  };
  // Others share these two cores: the load averages around the run say how much.
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const { latency, throughput, trafficShift } = await runServingBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  console.log(`\nLoad average (1, 5, 15 min): ${loadBefore} before the serving part, ${loadAfter} after.`);
  const fine = (value: number) => `${value.toFixed(3)} ms`;
  const goal = (added: number) =>
    added <= 0.3 ? `yes (${(added / 0.3).toFixed(2)}× the goal)` : `no (${(added / 0.3).toFixed(2)}× the goal)`;
  console.log(
    `\n## Serving (1): router overhead, iris ONNX model, ${options.calls.toLocaleString('en')} sequential calls a row, one keep-alive connection\n`,
  );
  console.log('| path | p50 | p99 |');
  console.log('| --- | --- | --- |');
  for (const row of [latency.inProcess, latency.inProcessJson, latency.echo, latency.socketPair, latency.worker, latency.v2, latency.score])
    console.log(`| ${row.label} | ${fine(row.p50)} | ${fine(row.p99)} |`);
  console.log('\n| overhead (difference of the percentiles) | p50 | p99 | ≤ 0.3 ms p50 met |');
  console.log('| --- | --- | --- | --- |');
  const overhead = (label: string, ours: LatencyRow, base: LatencyRow) =>
    console.log(`| ${label} | ${fine(ours.p50 - base.p50)} | ${fine(ours.p99 - base.p99)} | ${goal(ours.p50 - base.p50)} |`);
  overhead('Trellis v2 infer − in-process session.run (the whole hop: HTTP + router + worker + JSON)', latency.v2, latency.inProcess);
  overhead('Trellis /score − in-process session.run', latency.score, latency.inProcess);
  overhead('bare HTTP echo − in-process session.run (loopback HTTP alone, no model)', latency.echo, latency.inProcess);
  overhead('Trellis v2 infer − (HTTP echo + in-process v2 JSON infer): router + worker hop', latency.v2, {
    label: '',
    p50: latency.echo.p50 + latency.inProcessJson.p50,
    p99: latency.echo.p99 + latency.inProcessJson.p99,
  });
  overhead('worker called directly − in-process v2 JSON infer: the hop to the worker process alone', latency.worker, latency.inProcessJson);
  overhead('Trellis v2 infer − worker called directly: HTTP + router', latency.v2, latency.worker);
  console.log(
    `\n## Serving (2): maximum requests/s, one row a request, closed loop for ${options.loadSeconds} s at ${options.connections.join(', ')} connections (best error-free trial)\n`,
  );
  console.log('| server | best requests/s | at connections | p50 | p99 | every trial (connections: requests/s, p50/p99 ms, errors) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of throughput) {
    const trials = row.trials
      .map((trial) => `${trial.connections}: ${trial.requestsPerSecond}/s, ${trial.p50}/${trial.p99}, ${trial.errors}`)
      .join('; ');
    console.log(
      `| ${row.label} | ${row.best ? row.best.requestsPerSecond : 'none error-free'} | ${row.best?.connections ?? '—'} | ${row.best ? `${row.best.p50} ms` : '—'} | ${row.best ? `${row.best.p99} ms` : '—'} | ${trials} |`,
    );
  }
  const mlflow = bestRate(throughput.at(-1));
  console.log('\n| Trellis row / `mlflow models serve -w 2` | ratio | ≥ 5× met |');
  console.log('| --- | --- | --- |');
  for (const row of throughput.slice(0, -1)) {
    const ratio = bestRate(row) / mlflow;
    console.log(`| ${row.label} | ${ratio.toFixed(1)}× | ${ratio >= 5 ? 'yes' : 'no'} |`);
  }
  // The figures test/endpoints.test.ts used to assert (≥ 500 requests/s, ≥ 3000 requests, ≥ 100 in the slowest second).
  const shift = trafficShift;
  const met = shift.requestsPerSecond >= 500 && shift.slowestSecond >= 100 && shift.errors === 0;
  console.log(
    `\n## Traffic moved blue to green in four steps under a paced ${shift.targetRate} requests/s (goal: ≥ 500/s, ≥ 100 in the slowest second, no errors)\n`,
  );
  console.log('| requests/s | requests | slowest second | errors | p99 | goal met |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(
    `| ${shift.requestsPerSecond} | ${shift.requests} | ${shift.slowestSecond} | ${shift.errors} | ${shift.p99} ms | ${met ? 'yes' : 'no'} |`,
  );
}

if (!only || only === 'studio') {
  const options = {
    runs: Number(process.env.BENCH_STUDIO_RUNS ?? 50_000),
    points: Number(process.env.BENCH_STUDIO_POINTS ?? 1_000_000),
    repetitions: Number(process.env.BENCH_STUDIO_REPETITIONS ?? 5),
    seriesCalls: 5,
    timeoutMs: 60_000,
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const [trellis, mlflow] = await runStudioBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  console.log(`\nLoad average (1, 5, 15 min): ${loadBefore} before the studio part, ${loadAfter} after.`);
  if (trellis && mlflow) {
    const cell = (timings: Timings) =>
      timings.samples.length === 0
        ? `failed (${timings.failure})`
        : `${ms(timings.p50)} / ${ms(timings.max)} (${timings.samples.length} of ${options.repetitions})`;
    const ratio = (ours: Timings, theirs: Timings) =>
      ours.samples.length && theirs.samples.length ? `${(theirs.p50 / ours.p50).toFixed(1)}×` : '—';
    console.log(`\n## Studio in chromium: Trellis studio and MLflow's web UI side by side, same machine, same run\n`);
    console.log('| page.goto → shown, p50 / max (repetitions) | Trellis studio | MLflow UI | MLflow p50 / Trellis p50 |');
    console.log('| --- | --- | --- | --- |');
    console.log(
      `| run table of ${options.runs.toLocaleString('en')} runs: first run row visible | ${cell(trellis.table)} | ${cell(mlflow.table)} | ${ratio(trellis.table, mlflow.table)} |`,
    );
    console.log(
      `| chart of one ${options.points.toLocaleString('en')}-point metric: drawn | ${cell(trellis.chart)} | ${cell(mlflow.chart)} | ${ratio(trellis.chart, mlflow.chart)} |`,
    );
    for (const row of [trellis, mlflow])
      for (const [name, timings] of [
        ['table', row.table],
        ['chart', row.chart],
      ] as const)
        if (timings.failure) console.log(`\n${row.server}, ${name}: stopped at ${timings.failure}`);
    if (trellis.series) {
      const goalMet = trellis.chart.samples.length > 0 && trellis.chart.p50 < 1000;
      console.log(`\n| Trellis alone | p50 | max | calls |`);
      console.log('| --- | --- | --- | --- |');
      console.log(
        `| series API, ${options.points.toLocaleString('en')} points downsampled to 1,500 (GET .../metrics/loss/series?points=1500) | ${ms(trellis.series.p50)} | ${ms(trellis.series.max)} | ${trellis.series.samples.length} |`,
      );
      console.log(
        `\nGoal, the ${options.points.toLocaleString('en')}-point chart drawn in under a second (p50): ${goalMet ? 'met' : 'missed'} (${(trellis.chart.p50 / 1000).toFixed(2)}× the goal); the series API call is ${((trellis.series.p50 / trellis.chart.p50) * 100).toFixed(0)}% of the chart's p50.`,
      );
    }
  }
}

if (!only || only === 'auth') {
  const options = {
    calls: Number(process.env.BENCH_AUTH_CALLS ?? 20_000),
    clients: Number(process.env.BENCH_AUTH_CLIENTS ?? 8),
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const figures = await runAuthBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const off = figures.find((row) => row.mode === 'off');
  if (off) {
    const share = (ours: number, base: number) => `${((ours / base) * 100).toFixed(1)}%`;
    console.log(
      `\n## Authentication: MLflow log-metric and get-run with authentication off and on, same run (goal: ≥ 95% of the unauthenticated rate)\n`,
    );
    console.log('| mode | credential | log-metric calls/s | p50 | of off | get-run calls/s | p50 | of off | goal met |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of figures) {
      const logShare = row.logMetric.callsPerSecond / off.logMetric.callsPerSecond;
      const getShare = row.getRun.callsPerSecond / off.getRun.callsPerSecond;
      const met = row.mode === 'off' ? '—' : logShare >= 0.95 && getShare >= 0.95 ? 'yes' : 'no';
      console.log(
        `| ${row.mode} | ${row.credential} | ${row.logMetric.callsPerSecond.toFixed(0)} | ${ms(row.logMetric.p50)} | ${share(row.logMetric.callsPerSecond, off.logMetric.callsPerSecond)} | ${row.getRun.callsPerSecond.toFixed(0)} | ${ms(row.getRun.p50)} | ${share(row.getRun.callsPerSecond, off.getRun.callsPerSecond)} | ${met} |`,
      );
    }
    console.log(
      `\n${off.logMetric.calls.toLocaleString('en')} calls of each kind per measurement from ${options.clients} concurrent clients (one run each, one metric point per log-metric call); each mode measured twice (off, token, oidc, then reversed) and the better kept. Loopback HTTP on one machine of ${cpus().length} cores, the clients sharing the CPUs with the server; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
    );
  }
}

if (!only || only === 'artifacts') {
  const mebibyte = 2 ** 20;
  const totalMebibytes = Number(process.env.BENCH_ARTIFACT_MB ?? 512);
  const options = {
    totalBytes: totalMebibytes * mebibyte,
    fileBytes: Number(process.env.BENCH_ARTIFACT_FILE_MB ?? 64) * mebibyte,
    clients: Number(process.env.BENCH_ARTIFACT_CLIENTS ?? 4),
    ranges: Number(process.env.BENCH_ARTIFACT_RANGES ?? Math.min(1000, 2 * totalMebibytes)),
    rangeBytes: mebibyte,
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const result = await runArtifactsAtRestBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const [plain, sealed] = result.figures;
  if (plain && sealed) {
    const rate = (figure: Throughput) => figure.mebibytesPerSecond.toFixed(0);
    const share = (ours: Throughput, base: Throughput) => ours.mebibytesPerSecond / base.mebibytesPerSecond;
    const fileMebibytes = result.fileBytes / mebibyte;
    console.log(
      `\n## Artifacts encrypted at rest: MLflow artifact upload and download, a plain and an hbi_workspace side by side, same server, same run (goal: ≥ 80% of plain)\n`,
    );
    console.log('| measurement | plain MiB/s | sealed MiB/s | sealed / plain | goal ≥ 80% met |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [label, field] of [
      [`upload: PUT ${result.files} files of ${fileMebibytes} MiB, ${result.clients} clients`, 'upload'],
      [`download: GET the same files whole, ${result.clients} clients`, 'download'],
      [
        `ranged: ${result.ranges.toLocaleString('en')} GETs of a random ${result.rangeBytes / mebibyte} MiB range, ${result.clients} clients`,
        'ranged',
      ],
    ] as const) {
      const ratio = share(sealed[field], plain[field]);
      console.log(
        `| ${label} | ${rate(plain[field])} | ${rate(sealed[field])} | ${(ratio * 100).toFixed(1)}% | ${ratio >= 0.8 ? 'yes' : 'no'} |`,
      );
    }
    console.log(
      `\nOne Trellis server (local authentication on, loopback HTTP, no credentials), workspaces \`plain\` and \`sealed\` (\`hbi_workspace: true\`), both through \`/workspaces/<ws>/mlflow/api/2.0/mlflow-artifacts/artifacts/...\`; the same ${result.files} files of ${fileMebibytes} MiB of random bytes (${(result.files * fileMebibytes).toLocaleString('en')} MiB each way per measurement) for both, every download's size and one file's sha256 checked per measurement; MiB = 2^20 bytes. Each workspace measured twice (plain then sealed, then sealed then plain) and the better kept per cell. The store writes to the data directory's disk: ${result.filesystem}. ${cpus().length} cores, shared by the clients and the server; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
    );
  }
}

if (!only || only === 'pipelines') {
  const options = {
    steps: Number(process.env.BENCH_PIPELINE_STEPS ?? 100),
    ownRuns: Number(process.env.BENCH_PIPELINE_OWN_RUNS ?? 30),
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const started = new Date();
  const { kfp, trellis, reuse, kfpVersion } = await runPipelineBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  console.log(
    `\n## Pipelines: Trellis against kfp.local (kfp ${kfpVersion}, SubprocessRunner, use_venv=False), same machine, same run (started ${started.toISOString()})\n`,
  );
  console.log('| runner | a trivial step spawned directly (own work), p50 / mean | interpreter |');
  console.log('| --- | --- | --- |');
  for (const row of [kfp, trellis]) console.log(`| ${row.runner} | ${ms(row.own.p50)} / ${ms(row.own.mean)} | ${row.python} |`);
  const shapes = [
    [`(a) chain of ${options.steps} steps`, 'chain'],
    [`(b) fan-out of ${options.steps} steps + join`, 'fanout'],
  ] as const;
  console.log(
    '\n| pipeline | runner | steps | submit → completed | added per step, p50 | added per step, mean (whole run) | last step → completed | most steps at once |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [label, field] of shapes)
    for (const row of [kfp, trellis]) {
      const shape: ShapeFigures = row[field];
      console.log(
        `| ${label} | ${row.runner} | ${shape.steps} | ${(shape.totalMs / 1000).toFixed(2)} s | ${ms(shape.added.p50)} | ${ms(shape.addedMean)} | ${ms(shape.tailMs)} | ${shape.concurrency} |`,
      );
    }
  // Where steps run at once, the time between two step ends is not one step's cost: each goal is judged on the larger of p50 and mean.
  const perStep = (shape: ShapeFigures) => Math.max(shape.added.p50, shape.addedMean);
  console.log(
    '\n| pipeline | Trellis / kfp.local, p50 | mean | larger of p50 and mean: Trellis, kfp.local | goal ≤ 0.10× met | goal ≤ 50 ms met |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [label, field] of shapes) {
    const ours = trellis[field];
    const theirs = kfp[field];
    const ratio = perStep(ours) / perStep(theirs);
    console.log(
      `| ${label} | ${(ours.added.p50 / theirs.added.p50).toFixed(3)}× | ${(ours.addedMean / theirs.addedMean).toFixed(3)}× | ${ms(perStep(ours))}, ${ms(perStep(theirs))} | ${ratio <= 0.1 ? 'yes' : 'no'} (${ratio.toFixed(3)}×) | ${perStep(ours) <= 50 ? 'yes' : 'no'} (${(perStep(ours) / 50).toFixed(2)}× the goal) |`,
    );
  }
  console.log(
    `\n| (c) the chain of (a) submitted again, unchanged | steps Reused | submit → Completed seen by the client | submit → endedAt (server) | goal ≤ 1 s met |`,
  );
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| Trellis | ${reuse.reused} of ${reuse.steps} | ${ms(reuse.observedMs)} | ${ms(reuse.endedMs)} | ${reuse.observedMs <= 1000 ? 'yes' : 'no'} (${(reuse.observedMs / 1000).toFixed(2)}× the goal) |`,
  );
  console.log(
    `\n${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
  );
}

if (!only || only === 'sweeps') {
  const options = {
    seeds: Number(process.env.BENCH_SWEEP_SEEDS ?? 10),
    trials: Number(process.env.BENCH_SWEEP_TRIALS ?? 50),
    earlyTrials: Number(process.env.BENCH_SWEEP_EARLY_TRIALS ?? 32),
    epochPause: Number(process.env.BENCH_SWEEP_EPOCH_PAUSE ?? 0.3),
    overheadTrials: Number(process.env.BENCH_SWEEP_OVERHEAD_TRIALS ?? 200),
    ownRuns: Number(process.env.BENCH_SWEEP_OWN_RUNS ?? 30),
    parts: (process.env.BENCH_SWEEP_PARTS ?? 'quality,early,overhead').split(','),
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const started = new Date();
  const result = await runSweepBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  console.log(`\n## Sweeps: Trellis against Optuna (${result.pins.join(', ')}), same machine, same run (started ${started.toISOString()})`);
  for (const line of sweepTables(result, options)) console.log(line);
  console.log(
    `\n${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
  );
}

if (!only || only === 'monitoring') {
  const options = {
    rows: Number(process.env.BENCH_MONITORING_ROWS ?? 1_000_000),
    largeRows: Number(process.env.BENCH_MONITORING_LARGE_ROWS ?? 10_000_000),
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const started = new Date();
  const result = await runMonitoringBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  console.log(
    `\n## Model monitoring: data drift against Evidently (${result.python}), same machine, same run (started ${started.toISOString()})`,
  );
  for (const line of monitoringTables(result)) console.log(line);
  console.log(
    `\n${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
  );
}

if (!only || only === 'advisor') {
  const options = {
    files: Number(process.env.BENCH_ADVISOR_FILES ?? 10_000),
    resources: Number(process.env.BENCH_ADVISOR_RESOURCES ?? 10_000),
    runs: Number(process.env.BENCH_ADVISOR_RUNS ?? 5),
    live: process.env.BENCH_ADVISOR_LIVE !== '0',
    ...(process.env.BENCH_ADVISOR_CLI ? { compareCli: process.env.BENCH_ADVISOR_CLI } : {}),
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const started = new Date();
  const { static: files, live } = await runAdvisorBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const seconds = (values: number[]) => `${middle(values).toFixed(3)} s`;
  const goal = (values: number[]) => (middle(values) <= 1 ? 'yes' : `no (${middle(values).toFixed(2)}× the goal)`);
  console.log(
    `\n## Advisor: a whole check of 10,000 resources (goal < 1 s; started ${started.toISOString()}, median of ${options.runs})\n`,
  );
  console.log('| check | what | median | min | max | goal met |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const row = (check: string, what: string, values: number[], judged: boolean) =>
    console.log(
      `| ${check} | ${what} | ${seconds(values)} | ${Math.min(...values).toFixed(3)} s | ${Math.max(...values).toFixed(3)} s | ${judged ? goal(values) : '—'} |`,
    );
  row('static', `\`trellis advisor check -f\` on ${files.files} files, process start to exit`, files.cliSeconds, true);
  row('static', 'the same with `--include-passed` (every check in the report), runs alternated', files.includePassedSeconds, true);
  if (files.compareCliSeconds)
    row('static', `the same with ${options.compareCli} (BENCH_ADVISOR_CLI), runs alternated`, files.compareCliSeconds, true);
  row('static', 'in-process: reading the files', files.readSeconds, false);
  row('static', `in-process: files to ${files.subjects} subjects (YAML, schemas, ARM)`, files.subjectSeconds, false);
  row('static', `in-process: ${files.checks} checks, ${files.findings} findings`, files.checkSeconds, false);
  if (live) {
    row(
      'live',
      `adviseWorkspace on ${live.resources.total} resources (${live.checks} checks, ${live.findings} findings)`,
      live.serviceSeconds,
      true,
    );
    row('live', 'GET /api/v1/workspaces/{ws}/advisor/score over HTTP', live.httpSeconds, true);
    const { total: _total, ...kinds } = live.resources;
    console.log(
      `\nThe live workspace: ${Object.entries(kinds)
        .map(([kind, count]) => `${count} ${kind}`)
        .join(', ')}.`,
    );
  }
  console.log(
    `\n${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
  );
}

if (!only || only === 'backup') {
  const mebibyte = 2 ** 20;
  const options = {
    points: Number(process.env.BENCH_BACKUP_POINTS ?? 1_000_000),
    artifactBytes: Number(process.env.BENCH_BACKUP_MB ?? 1024) * mebibyte,
    fileBytes: Number(process.env.BENCH_BACKUP_FILE_MB ?? 4) * mebibyte,
    clients: Number(process.env.BENCH_BACKUP_CLIENTS ?? 4),
    log,
  };
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const result = await runBackupBench(options);
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const mib = (bytes: number) => `${(bytes / mebibyte).toFixed(1)} MiB`;
  const judged = (seconds: number, goal: number) => `${seconds <= goal ? 'yes' : 'no'} (${(seconds / goal).toFixed(2)}× the goal)`;
  const { backup, incremental } = result;
  console.log(
    `\n## Backup and restore: ${result.points.toLocaleString('en')} metric points and ${gib(result.artifactBytes)} of artifacts (${result.files} files), SQLite, process start to exit\n`,
  );
  console.log('| step | seconds | what it moved | goal | met |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| \`trellis backup --to\`, server running | ${backup.seconds.toFixed(1)} | ${backup.summary.copied.objects} objects, ${gib(backup.summary.copied.bytes)} copied (metadata ${mib(backup.summary.metadata.bytes)}) | ≤ 60 s | ${judged(backup.seconds, 60)} |`,
  );
  console.log(
    `| the same again, nothing changed | ${incremental.seconds.toFixed(1)} | ${incremental.summary.copied.objects} objects copied, ${incremental.summary.present.objects} already there${incremental.summary.metadata.reused ? ', database not read (unchanged)' : ''} | ≤ 5 s | ${judged(incremental.seconds, 5)} |`,
  );
  console.log(
    `| \`trellis backup verify\` (reads every byte) | ${result.verify.seconds.toFixed(1)} | ${gib(backup.summary.bytes + backup.summary.metadata.bytes)} hashed | — | — |`,
  );
  console.log(
    `| \`trellis restore\` into a fresh directory | ${result.restore.seconds.toFixed(1)} | ${backup.summary.files} files and the database | ≤ 60 s | ${judged(result.restore.seconds, 60)} |`,
  );
  console.log(`| \`trellis up\` on the restored directory, until it listens | ${result.start.seconds.toFixed(1)} | — | — | — |`);
  console.log(
    `\nThe live database was ${mib(result.databaseBytes)} (trellis.db and its WAL). The restored server was checked: all ${result.points.toLocaleString('en')} points and an artifact's sha256. ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
  );
}
