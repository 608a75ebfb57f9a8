/**
 * Ingest rate of `trellis up` (the built CLI) against the raw batched insert rate of SQLite on the
 * same disk: 8 clients each posting log-batch calls of 1,000 points to runs of their own, on SQLite
 * and on a throwaway PostgreSQL; and Python's sqlite3 inserting the same rows into a table shaped
 * like `metrics` (WAL, synchronous=FULL, 1,000-row transactions).
 *
 *   node --import tsx bench/ingest-rate.ts [points=400000] [stores=sqlite,postgres,raw]
 *
 * TRELLIS_INGEST_PROFILE=<dir> starts the server with --cpu-prof into that folder.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { call, createRun } from './mlflow-tracking.js';
import { cliPath, removeHome, startTrellis } from '../test/support/trellis-process.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { startTestPostgres } from '../scripts/test-postgres.mjs';

const points = Number(process.argv[2] ?? 400_000);
const stores = (process.argv[3] ?? 'sqlite,postgres,raw').split(',');
const clients = 8;
const batchSize = 1000;
const python = process.env.TRELLIS_TEST_PYTHON ?? 'python3';

/** `trellis up` under --cpu-prof (Node refuses it in NODE_OPTIONS). */
async function startProfiled(databaseUrl: string | undefined, dir: string) {
  const home = mkdtempSync(join(tmpdir(), 'trellis-home-'));
  const env: NodeJS.ProcessEnv = { ...process.env, TRELLIS_HOME: home, TRELLIS_PORT: '0', TRELLIS_LOG_LEVEL: 'warn' };
  if (databaseUrl) env.TRELLIS_DATABASE_URL = databaseUrl;
  else delete env.TRELLIS_DATABASE_URL;
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, cliPath, 'up'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Trellis is up at (https?:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    home,
    async stop(signal: NodeJS.Signals) {
      child.kill(signal);
      await exited;
    },
  };
}

async function trellisRate(databaseUrl: string | undefined): Promise<number> {
  const profile = process.env.TRELLIS_INGEST_PROFILE;
  const server = profile ? await startProfiled(databaseUrl, profile) : await startTrellis({ databaseUrl });
  try {
    const { experiment_id } = await call<{ experiment_id: string }>(server.url, 'experiments/create', { name: 'ingest' });
    const runIds = await Promise.all(Array.from({ length: clients }, () => createRun(server.url, experiment_id)));
    const batches = Math.ceil(points / clients / batchSize);
    const now = Date.now();
    const body = (batch: number, runId: string) =>
      JSON.stringify({
        run_id: runId,
        metrics: Array.from({ length: batchSize }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.sin(batch + i),
          timestamp: now + batch,
          step: batch * 100 + Math.floor(i / 10),
        })),
      });
    let done = 0;
    const started = performance.now();
    await Promise.all(
      runIds.map(async (runId) => {
        for (let batch = 0; batch < batches; batch++) {
          const response = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: body(batch, runId),
          });
          if (!response.ok) throw new Error(`log-batch answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
          done += batchSize;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  } finally {
    await server.stop(process.env.TRELLIS_INGEST_PROFILE ? 'SIGINT' : 'SIGTERM');
    await removeHome(server.home);
  }
}

function rawSqliteRate(): number {
  const dir = mkdtempSync(join(tmpdir(), 'raw-sqlite-'));
  const script = `
import sqlite3, time, math, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute('pragma journal_mode=WAL'); db.execute('pragma synchronous=FULL')
db.execute('create table metrics (run_uuid text not null, key text not null, step bigint not null, timestamp bigint not null, value real not null, is_nan integer not null, primary key (run_uuid, key, step, timestamp, value, is_nan))')
points = int(sys.argv[2]); now = int(time.time() * 1000)
started = time.perf_counter()
for batch in range(points // 1000):
    run = 'run%d' % (batch % 8)
    rows = [(run, 'm%d' % (i % 10), batch * 100 + i // 10, now + batch, math.sin(batch + i), 0) for i in range(1000)]
    db.execute('begin')
    db.executemany('insert into metrics values (?, ?, ?, ?, ?, ?) on conflict do nothing', rows)
    db.execute('commit')
print(points / (time.perf_counter() - started))
`;
  try {
    return Number(
      execFileSync(python, ['-c', script, join(dir, 'raw.db'), String(points)])
        .toString()
        .trim(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const figures: Record<string, number> = {};
for (const store of stores) {
  if (store === 'raw') figures.raw = rawSqliteRate();
  if (store === 'sqlite') figures.sqlite = await trellisRate(undefined);
  if (store === 'postgres') {
    const postgres = await startTestPostgres();
    try {
      figures.postgres = await trellisRate(postgres.url);
    } finally {
      await postgres.stop();
    }
  }
  console.log(`${store}: ${Math.round(figures[store] ?? 0).toLocaleString('en')} points/s`);
}
if (figures.raw && figures.sqlite) console.log(`Trellis on SQLite / raw SQLite: ${((100 * figures.sqlite) / figures.raw).toFixed(0)}%`);
