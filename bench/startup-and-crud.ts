/**
 * Benchmark for BENCHMARKS.md: time from `trellis up` to a ready /readyz, and create/get latency
 * (p50/p99) over HTTP for N compute resources, on SQLite and on PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { TrellisClient } from '../src/client/trellis-client.js';
import { cliPath, startTrellis } from '../test/support/trellis-process.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { freePort, startTestPostgres } from '../scripts/test-postgres.mjs';

export interface StartupResult {
  dialect: string;
  runs: number[];
}

export interface CrudResult {
  dialect: string;
  count: number;
  create: { p50: number; p99: number; perSecond: number };
  get: { p50: number; p99: number; perSecond: number };
}

/** Starts `trellis up` on a fresh data directory and polls /readyz every 5 ms until it answers 200. */
async function timeStartup(databaseUrl: string | undefined): Promise<number> {
  const home = await mkdtemp(join(tmpdir(), 'trellis-bench-'));
  const port = (await freePort()) as number;
  const env: NodeJS.ProcessEnv = { ...process.env, TRELLIS_HOME: home, TRELLIS_PORT: String(port), TRELLIS_LOG_LEVEL: 'warn' };
  if (databaseUrl) env.TRELLIS_DATABASE_URL = databaseUrl;
  else delete env.TRELLIS_DATABASE_URL;
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, 'up'], { env, stdio: 'ignore' });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (response.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 30_000) throw new Error('server did not become ready in 30 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(home, { recursive: true, force: true });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summarise(samples: number[], totalMs: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSecond: (samples.length / totalMs) * 1000 };
}

async function timeCrud(databaseUrl: string | undefined, count: number, log: (line: string) => void): Promise<Omit<CrudResult, 'dialect'>> {
  const trellis = await startTrellis({ databaseUrl });
  const client: TrellisClient = trellis.client;
  try {
    const createTimes: number[] = [];
    const createStart = performance.now();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await client.apply('default', {
        fileName: 'bench.yml',
        kind: 'compute',
        text: `name: cluster-${i}\ntype: amlcompute\nsize: Standard_DS3_v2\nmax_instances: ${1 + (i % 8)}\ntags:\n  shard: s${i % 16}\n`,
      });
      createTimes.push(performance.now() - t0);
      if ((i + 1) % 2000 === 0) log(`    created ${i + 1}/${count}`);
    }
    const createTotal = performance.now() - createStart;
    const getTimes: number[] = [];
    const getStart = performance.now();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await client.get('default', 'compute', `cluster-${(i * 7919) % count}`, null);
      getTimes.push(performance.now() - t0);
    }
    const getTotal = performance.now() - getStart;
    return { count, create: summarise(createTimes, createTotal), get: summarise(getTimes, getTotal) };
  } finally {
    await trellis.stop();
    await rm(trellis.home, { recursive: true, force: true });
  }
}

export async function runStartupAndCrud(options: {
  startupRuns: number;
  count: number;
  log: (line: string) => void;
}): Promise<{ startup: StartupResult[]; crud: CrudResult[] }> {
  const postgres = await startTestPostgres();
  const startup: StartupResult[] = [];
  const crud: CrudResult[] = [];
  try {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const freshDatabase = async () => {
        if (dialect === 'sqlite') return undefined;
        const name = `bench_${Math.random().toString(16).slice(2, 10)}`;
        const admin = new pg.Client({ connectionString: postgres.url });
        await admin.connect();
        await admin.query(`create database ${name}`);
        await admin.end();
        return postgres.url.replace(/\/[^/]*$/, `/${name}`);
      };
      options.log(`  ${dialect}: startup to /readyz, ${options.startupRuns} runs on fresh data`);
      const runs: number[] = [];
      for (let i = 0; i < options.startupRuns; i++) runs.push(await timeStartup(await freshDatabase()));
      startup.push({ dialect, runs });
      options.log(`  ${dialect}: create then get ${options.count} resources over HTTP`);
      crud.push({ dialect, ...(await timeCrud(await freshDatabase(), options.count, options.log)) });
    }
  } finally {
    await postgres.stop();
  }
  return { startup, crud };
}
