/**
 * runs/search alone, for before/after comparisons of one change (bench/tracking-stores.ts is the
 * side-by-side measurement against MLflow): a fresh Trellis (the built CLI, dist/) on SQLite or on a
 * new database of a PostgreSQL this script starts, 2,000 runs filled as tracking-stores fills them,
 * then QUERIES searches one after the other, p10/p50/p90 of each call's wall time. The search is the
 * stores bench's (a metric and a param filter, ordered by the metric, a page of 100), or with
 * MAX_RESULTS a page of that many runs, no filter, in MLflow's default order.
 *
 *   STORE=postgres|sqlite QUERIES=200 [MAX_RESULTS=1000] node --import tsx bench/search-profile.ts
 *
 * To compare two builds, alternate them on the same machine: copy each build's dist/ aside with
 * `cp -a` (a plain copy changes the times that tell the advisor's bundle is fresh) and put each back
 * before its run.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { removeHome, startTrellis } from '../test/support/trellis-process.js';
import { call, createRun } from './mlflow-tracking.js';
import { fillRun, storesSearch } from './tracking-stores.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { startTestPostgres } from '../scripts/test-postgres.mjs';

const store = process.env.STORE ?? 'postgres';
const queries = Number(process.env.QUERIES ?? 200);
const maxResults = process.env.MAX_RESULTS ? Number(process.env.MAX_RESULTS) : undefined;
const runCount = 2000;

const postgres = store === 'postgres' ? await startTestPostgres() : undefined;
let databaseUrl: string | undefined;
if (postgres) {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('CREATE DATABASE search_profile');
  await admin.end();
  databaseUrl = postgres.url.replace(/\/[^/]*$/, '/search_profile');
}
const trellis = await startTrellis({ databaseUrl });
try {
  const url = trellis.url;
  const { experiment_id } = await call<{ experiment_id: string }>(url, 'experiments/create', { name: 'search-profile' });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < runCount; i = next++) await fillRun(url, await createRun(url, experiment_id), i);
    }),
  );
  const body =
    maxResults === undefined
      ? { experiment_ids: [experiment_id], ...storesSearch }
      : { experiment_ids: [experiment_id], max_results: maxResults };
  const expected = maxResults ?? storesSearch.max_results;
  const timings: number[] = [];
  for (let i = 0; i < queries; i++) {
    const started = performance.now();
    const found = await call<{ runs?: unknown[] }>(url, 'runs/search', body);
    timings.push(performance.now() - started);
    if (found.runs?.length !== expected) throw new Error(`runs/search returned ${found.runs?.length ?? 0} runs, expected ${expected}`);
  }
  timings.sort((a, b) => a - b);
  const at = (q: number) => (timings[Math.min(timings.length - 1, Math.floor(q * timings.length))] ?? Number.NaN).toFixed(1);
  console.log(`${store}, page of ${expected}, ${queries} searches: p10 ${at(0.1)} ms, p50 ${at(0.5)} ms, p90 ${at(0.9)} ms`);
} finally {
  await trellis.stop();
  await removeHome(trellis.home);
  await postgres?.stop();
}
