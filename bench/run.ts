/**
 * `npm run bench`: runs every benchmark and prints the tables BENCHMARKS.md records.
 * BENCH_COUNT (default 10000) and BENCH_STARTUP_RUNS (default 5) make it shorter or longer.
 */
import { cpus, totalmem } from 'node:os';
import { runStartupAndCrud } from './startup-and-crud.js';

const count = Number(process.env.BENCH_COUNT ?? 10_000);
const startupRuns = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const log = (line: string) => process.stderr.write(`${line}\n`);

log(`trellis bench: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
const { startup, crud } = await runStartupAndCrud({ startupRuns, count, log });

const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

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
