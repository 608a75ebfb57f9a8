// Runs every test file with node's test runner, against SQLite and a real PostgreSQL that this
// script starts (and stops) so `npm test` needs nothing installed by hand.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePythonEnv } from './python-env.mjs';
import { startTestPostgres } from './test-postgres.mjs';

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'fixtures') continue;
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const filter = process.argv.slice(2);
let files = [...findTests('src'), ...findTests('studio/src'), ...findTests('test')].sort();
if (filter.length > 0) files = files.filter((file) => filter.some((part) => file.includes(part)));

// Tests that run the real Python mlflow client, or serve models made with it, need the venv.
const python = files.some((file) => /mlflow|serving|endpoint|tls|s3-artifact/.test(file)) ? ensurePythonEnv() : undefined;
console.log(`starting PostgreSQL for the store and integration tests ...`);
const postgres = await startTestPostgres();
console.log(`PostgreSQL ready; running ${files.length} test files`);

// Two reporters: spec on the terminal, and the skip summary (what was skipped, how many, why) to a file printed at the end.
const summaryDir = mkdtempSync(join(tmpdir(), 'trellis-test-summary-'));
const skipSummary = join(summaryDir, 'skipped.txt');
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=${new URL('./skip-summary-reporter.mjs', import.meta.url).href}`,
  `--test-reporter-destination=${skipSummary}`,
];
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporters, ...files], {
  stdio: 'inherit',
  env: { ...process.env, TRELLIS_TEST_POSTGRES_URL: postgres.url, ...(python ? { TRELLIS_TEST_PYTHON: python } : {}) },
});
const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
await postgres.stop();
let summary = '';
try {
  summary = readFileSync(skipSummary, 'utf8');
} catch {
  summary = 'Skipped: (no summary: the test runner wrote none)\n';
}
rmSync(summaryDir, { recursive: true, force: true });
const required = process.env.TRELLIS_REQUIRE ? ` This run requires: ${process.env.TRELLIS_REQUIRE}.` : '';
console.log(`\n${summary.trimEnd()}${required ? `\n${required.trim()}` : ''}`);
process.exit(code);
