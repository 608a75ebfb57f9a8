/**
 * Benchmark for BENCHMARKS.md (issue 17): data drift of 20 features (12 numerical, 8
 * categorical) over the same 1,000,000-row reference and current CSVs, Trellis against Evidently
 * (PyPI, pinned below), side by side in one run:
 *   - Trellis (bench/monitoring/trellis-drift.ts, its own process): both files read from disk
 *     column by column into per-feature summaries (summarizeFile), then the data drift signal evaluated on
 *     every feature (evaluateDataSignal); the time of each step and the process's peak RSS. Then
 *     csv-parse alone over the same files (the share of the time that is parsing), and the same
 *     drift with a 10,000,000-row current file: the peak RSS of 1M against 10M;
 *   - Evidently (bench/monitoring/evidently_drift.py, its own process): pandas.read_csv of both
 *     files (load), then a Report with DataDriftPreset on every column (compute), once with the
 *     tests forced to those Trellis computes with the same definition (numerical `wasserstein`,
 *     categorical `psi`) and the column types Trellis inferred, once with Evidently's defaults;
 *   - the per-feature values and verdicts side by side.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repositoryRoot } from '../test/support/trellis-process.js';
import { ensureDataset, features } from './monitoring/dataset.js';
import type { ParseOnlyOutput, TrellisDriftOutput } from './monitoring/trellis-drift.js';

/** Evidently and what it runs on, pinned: pandas 3 breaks evidently 0.7.23's import (infer_dtype_from_object is gone). */
const evidentlyPins = ['evidently==0.7.23', 'pandas==2.3.3', 'numpy==2.4.6', 'scipy==1.17.1'];

export interface MonitoringBenchOptions {
  /** Rows of the reference and of the current file. */
  rows: number;
  /** Rows of the larger current file of the memory check. */
  largeRows: number;
  log: (line: string) => void;
}

export interface EvidentlyColumn {
  column: string;
  method: string;
  threshold: number;
  value: number;
  drift: boolean;
}

export interface EvidentlyOutput {
  evidently: string;
  pandas: string;
  importsS: number;
  loadS: number;
  computeS: number;
  rssAfterImports: number;
  maxRss: number;
  referenceRows: number;
  currentRows: number;
  driftedCount: number;
  columns: EvidentlyColumn[];
  /** Evidently's column types: 'num', 'cat', 'text', ... */
  columnTypes: Record<string, string>;
}

/** A child's parsed output and the time from spawn to exit (start-up and imports included), ms. */
export interface Measured<T> {
  output: T;
  wallMs: number;
}

export interface MonitoringBenchResult {
  rows: number;
  largeRows: number;
  /** Bytes of each file. */
  sizes: { reference: number; current: number; largeCurrent: number };
  python: string;
  trellis: Measured<TrellisDriftOutput>;
  parseOnly: Measured<ParseOnlyOutput>;
  trellisLarge: Measured<TrellisDriftOutput>;
  evidentlyMatched: Measured<EvidentlyOutput>;
  evidentlyDefault: Measured<EvidentlyOutput>;
}

export { features };

/** Runs a process to its end, resolving with its stdout and the time from spawn to exit (ms); rejects with its output when it fails. */
function run(command: string, args: string[]): Promise<{ stdout: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve({ stdout, wallMs: performance.now() - started })
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${(stdout + stderr).slice(-3000)}`)),
    );
  });
}

/** Runs a measured child; its last line of stdout is its JSON output. */
async function runJson<T>(command: string, args: string[]): Promise<Measured<T>> {
  const { stdout, wallMs } = await run(command, args);
  return { output: JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T, wallMs };
}

/** The venv with Evidently (pinned) under .cache/, made once and reused while the pins hold. */
async function ensureEvidentlyVenv(log: (line: string) => void): Promise<string> {
  const venv = join(repositoryRoot, '.cache', 'evidently-venv');
  const python = join(venv, 'bin', 'python');
  const stamp = join(venv, '.bench-pins');
  const pins = evidentlyPins.join(' ');
  if (existsSync(python) && existsSync(stamp) && (await readFile(stamp, 'utf8')) === pins) return python;
  log(`  monitoring: making ${venv} with ${pins} from PyPI (a minute or two)`);
  await rm(venv, { recursive: true, force: true });
  await run(process.env.TRELLIS_PYTHON ?? 'python3', ['-m', 'venv', venv]);
  await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...evidentlyPins]);
  await writeFile(stamp, pins);
  return python;
}

function trellisDrift(mode: 'drift' | 'parse', reference: string, current: string) {
  const script = join(repositoryRoot, 'bench', 'monitoring', 'trellis-drift.ts');
  return runJson<TrellisDriftOutput & ParseOnlyOutput>(process.execPath, ['--import', 'tsx', script, mode, reference, current]);
}

export async function runMonitoringBench(options: MonitoringBenchOptions): Promise<MonitoringBenchResult> {
  const { log } = options;
  const files = await ensureDataset(join(repositoryRoot, '.cache', 'bench-monitoring'), options.rows, options.largeRows, log);
  const python = await ensureEvidentlyVenv(log);
  const sizes = {
    reference: (await stat(files.reference)).size,
    current: (await stat(files.current)).size,
    largeCurrent: (await stat(files.largeCurrent)).size,
  };

  log(`  monitoring: Trellis, ${options.rows.toLocaleString('en')} + ${options.rows.toLocaleString('en')} rows`);
  const trellis = (await trellisDrift('drift', files.reference, files.current)) as Measured<TrellisDriftOutput>;
  // Evidently gets the column types Trellis inferred, so both judge each feature as the same type.
  const types = { numerical: [] as string[], categorical: [] as string[] };
  for (const feature of features) {
    const inferred = trellis.output.metrics.find((metric) => metric.feature === feature.name)?.featureType;
    if (inferred !== feature.type) throw new Error(`Trellis inferred ${feature.name} as ${inferred}, the data made it ${feature.type}`);
    types[feature.type].push(feature.name);
  }
  const evidently = (mode: 'matched' | 'default') =>
    runJson<EvidentlyOutput>(python, [
      join(repositoryRoot, 'bench', 'monitoring', 'evidently_drift.py'),
      files.reference,
      files.current,
      mode,
      JSON.stringify(types),
    ]);
  log('  monitoring: Evidently, tests matched to Trellis (wasserstein, psi)');
  const evidentlyMatched = await evidently('matched');
  log('  monitoring: Evidently, its defaults');
  const evidentlyDefault = await evidently('default');
  log('  monitoring: Trellis, csv-parse alone');
  const parseOnly = (await trellisDrift('parse', files.reference, files.current)) as Measured<ParseOnlyOutput>;
  log(`  monitoring: Trellis, ${options.rows.toLocaleString('en')} + ${options.largeRows.toLocaleString('en')} rows`);
  const trellisLarge = (await trellisDrift('drift', files.reference, files.largeCurrent)) as Measured<TrellisDriftOutput>;
  return {
    rows: options.rows,
    largeRows: options.largeRows,
    sizes,
    python: evidentlyPins.join(', '),
    trellis,
    parseOnly,
    trellisLarge,
    evidentlyMatched,
    evidentlyDefault,
  };
}
