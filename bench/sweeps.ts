/**
 * Benchmark for BENCHMARKS.md (issue 16): sweep jobs against Optuna (PyPI), in one run.
 *   (1) quality: the median over seeds of the best objective after N trials on Branin, Hartmann-6
 *       and an SVC on scikit-learn's digits, Optuna's default TPESampler against Trellis's bayesian
 *       and tpe samplers, every objective computed by the same Python (bench/sweeps/objectives.py);
 *       then one real sweep per problem (bayesian, seed 0, one trial at a time), whose best must be
 *       the in-process seed-0 best;
 *   (2) early termination: the same random-sampled learning-curve sweep with no policy and with
 *       each policy, trial-steps (reports) run and the best objective;
 *   (3) overhead: trivial trials one at a time (and four at a time), the time between two trial
 *       ends minus the trivial program's own spawn → exit.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SweepJobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';
import {
  objectiveServer,
  type Problem,
  problems,
  runLines,
  runOptuna,
  runTrellisStudy,
  type StudyOutcome,
  scriptsFolder,
} from './sweeps/sampler-quality.js';

export interface SweepBenchOptions {
  seeds: number;
  trials: number;
  /** Trials of each early-termination sweep, and the pause after each of a trial's 20 epochs (s). */
  earlyTrials: number;
  epochPause: number;
  overheadTrials: number;
  /** Direct spawns of the trivial trial that measure its own work. */
  ownRuns: number;
  /** Which parts run: quality, early, overhead. */
  parts: string[];
  log: (line: string) => void;
}

export interface Summary {
  p50: number;
  mean: number;
  max: number;
}

export interface RealSweepCheck {
  problem: Problem['name'];
  best: number | null;
  inProcessBest: number;
  /** Trials whose objective equals the in-process seed-0 study's trial of the same index, from the first on. */
  samePrefix: number;
  trials: number;
  seconds: number;
}

export interface EarlyTerminationRow {
  policy: string;
  settings: string;
  trials: number;
  stopped: number;
  steps: number;
  best: number | null;
  seconds: number;
}

export interface OverheadRow {
  concurrency: number;
  trials: number;
  /** Between consecutive trial ends (job endedAt), minus the trivial program's own p50. */
  added: Summary;
  /** Submit request → the sweep's endedAt, ms. */
  totalMs: number;
  state: string;
}

export interface SweepBenchResult {
  pins: string[];
  studies: StudyOutcome[];
  realSweeps: RealSweepCheck[];
  early: EarlyTerminationRow[];
  own?: Summary & { python: string };
  overhead: OverheadRow[];
}

const pins = ['optuna==5.1.0', 'scikit-learn==1.5.2', 'numpy==1.26.4', 'scipy==1.17.1'];
const workspace = 'default';
const clusterName = 'bench-cluster';
const sklearnEnvironment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const trivialEnvironment = 'azureml:trellis-python@latest';

/** Wall-clock milliseconds with sub-millisecond resolution. */
const wallNow = () => performance.timeOrigin + performance.now();

function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** The venv with Optuna, scikit-learn, numpy and scipy (pinned: scikit-learn's as the sklearn-1.5 environment's) under .cache/, made once. */
async function ensureOptunaVenv(log: (line: string) => void): Promise<string> {
  const venv = join(repositoryRoot, '.cache', 'optuna-venv');
  const python = join(venv, 'bin', 'python');
  const stamp = join(venv, '.bench-pins');
  if (existsSync(python) && existsSync(stamp) && (await readFile(stamp, 'utf8')) === pins.join(' ')) return python;
  log(`  optuna: making ${venv} with ${pins.join(' ')} from PyPI (a minute or two)`);
  await rm(venv, { recursive: true, force: true });
  await runLines(process.env.TRELLIS_PYTHON ?? 'python3', ['-m', 'venv', venv], () => {});
  await runLines(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...pins], () => {});
  await writeFile(stamp, pins.join(' '));
  return python;
}

/** A sweep file: flow-style search space, numbers written in full so they parse back to the same doubles. */
function sweepYaml(sweep: {
  name: string;
  command: string;
  environment: string;
  code?: string;
  space: Record<string, object>;
  algorithm: string;
  goal: string;
  metric: string;
  total: number;
  concurrent: number;
  policy?: string[];
}): string {
  const flow = (expression: object) =>
    `{${Object.entries(expression)
      .map(([key, value]) => `${key}: ${String(value)}`)
      .join(', ')}}`;
  return [
    'type: sweep',
    `name: ${sweep.name}`,
    `experiment_name: bench-sweeps`,
    `compute: azureml:${clusterName}`,
    'trial:',
    ...(sweep.code ? [`  code: ${sweep.code}`] : []),
    `  command: >-\n    ${sweep.command}`,
    `  environment: ${sweep.environment}`,
    'search_space:',
    ...Object.entries(sweep.space).map(([name, expression]) => `  ${name}: ${flow(expression)}`),
    `sampling_algorithm: ${sweep.algorithm}`,
    'objective:',
    `  goal: ${sweep.goal}`,
    `  primary_metric: ${sweep.metric}`,
    'limits:',
    `  max_total_trials: ${sweep.total}`,
    `  max_concurrent_trials: ${sweep.concurrent}`,
    ...(sweep.policy ? ['early_termination:', ...sweep.policy.map((line) => `  ${line}`)] : []),
    '',
  ].join('\n');
}

const ended = (state: string) => ['Completed', 'Failed', 'Canceled'].includes(state);

/** Submits a sweep file with `trellis job create --file`, as a user would; returns its name and when the request was sent. */
async function submitSweep(trellis: TrellisProcess, folder: string, text: string): Promise<{ name: string; sent: number }> {
  const file = join(folder, `${/name: (\S+)/.exec(text)?.[1] ?? 'sweep'}.yml`);
  await writeFile(file, text);
  const sent = wallNow();
  const result = await runCli(['job', 'create', '--file', file, '-o', 'json'], { url: trellis.url });
  if (result.code !== 0) throw new Error(`job create ${file}: ${result.stderr}`);
  return { name: (JSON.parse(result.stdout) as SweepJobBody).name, sent };
}

/** Polls the sweep list (cheap) until `name` ended, with a progress line every 10 s; returns the sweep with its trials. */
async function waitSweep(trellis: TrellisProcess, name: string, log: (line: string) => void): Promise<SweepJobBody> {
  let nextProgress = wallNow() + 10_000;
  for (;;) {
    const { items } = await trellis.client.listSweeps(workspace, { limit: 10 });
    if (ended(items.find((item) => item.name === name)?.state ?? '')) return trellis.client.getSweep(workspace, name);
    if (wallNow() >= nextProgress) {
      nextProgress = wallNow() + 10_000;
      const { progress } = await trellis.client.getSweep(workspace, name);
      if (progress)
        log(
          `    ${name}: ${progress.trials} of ${progress.maxTotalTrials} trials started, ${progress.running} running, ${progress.completed} completed, ${progress.stoppedEarly} stopped early`,
        );
    }
    await sleep(250);
  }
}

/** The trivial trial's own work: `python -c pass 0.5` spawned directly, spawn → exit, after 5 warm-ups. */
async function measureOwnWork(python: string, runs: number): Promise<Summary> {
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = wallNow();
      const child = spawn(python, ['-c', 'pass', '0.5'], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(wallNow() - started) : reject(new Error(`python -c pass exited ${code}`))));
    });
  for (let i = 0; i < 5; i += 1) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await once());
  return summarise(samples);
}

/** (1) Trellis's samplers in process and Optuna, then one real bayesian sweep per problem checked against seed 0. */
async function runQuality(optunaPython: string, options: SweepBenchOptions): Promise<StudyOutcome[]> {
  const { log, seeds, trials } = options;
  const studies: StudyOutcome[] = [];
  for (const problem of problems) {
    log(`  optuna: ${problem.name}, TPESampler, ${seeds} seeds × ${trials} trials`);
    studies.push(...(await runOptuna(optunaPython, problem, seeds, trials, log)));
  }
  const server = objectiveServer(optunaPython);
  try {
    for (const problem of problems)
      for (const sampler of ['bayesian', 'tpe'] as const) {
        log(`  trellis in process: ${problem.name}, ${sampler}, ${seeds} seeds × ${trials} trials`);
        for (let seed = 0; seed < seeds; seed += 1) {
          const study = await runTrellisStudy(server.evaluate, problem, sampler, seed, trials);
          studies.push(study);
          log(
            `    ${sampler} ${problem.name} seed ${seed}: best ${study.best.toPrecision(6)} (${study.seconds.toFixed(1)} s, sampler ${study.samplerMsPerTrial?.toFixed(1)} ms a trial)`,
          );
        }
      }
  } finally {
    await server.close();
  }
  return studies;
}

async function runRealQualitySweeps(
  trellis: TrellisProcess,
  folder: string,
  studies: StudyOutcome[],
  options: SweepBenchOptions,
): Promise<RealSweepCheck[]> {
  // The three sweeps run at once (each one trial at a time): they share nothing but the machine.
  options.log(`  trellis sweeps: bayesian seed 0, ${options.trials} trials one at a time, one sweep per problem, the three at once`);
  return Promise.all(
    problems.map(async (problem) => {
      const flags = Object.keys(problem.space)
        .map((name) => `--${name} \${{search_space.${name}}}`)
        .join(' ');
      const name = `quality-${problem.name.replace('_', '-')}`;
      const { sent } = await submitSweep(
        trellis,
        folder,
        sweepYaml({
          name,
          command: `python objectives.py ${problem.name} ${flags}`,
          environment: sklearnEnvironment,
          code: './src',
          space: problem.space,
          algorithm: '{type: bayesian, seed: 0}',
          goal: problem.goal,
          metric: 'objective',
          total: options.trials,
          concurrent: 1,
        }),
      );
      const sweep = await waitSweep(trellis, name, options.log);
      const reference = studies.find((study) => study.problem === problem.name && study.sampler === 'bayesian' && study.seed === 0);
      const real = [...(sweep.trials ?? [])].sort((a, b) => a.index - b.index).map((trial) => trial.objective);
      let samePrefix = 0;
      while (samePrefix < real.length && real[samePrefix] === reference?.objectives[samePrefix]) samePrefix += 1;
      if (samePrefix < real.length)
        options.log(
          `    ${name}: trial ${samePrefix} differs: ${real[samePrefix]} here, ${reference?.objectives[samePrefix]} in process (${JSON.stringify(sweep.trials?.find((t) => t.index === samePrefix)?.parameters)})`,
        );
      return {
        problem: problem.name,
        best: sweep.best?.objective ?? null,
        inProcessBest: reference?.best ?? Number.NaN,
        samePrefix,
        trials: real.length,
        seconds: ((sweep.endedAt ?? wallNow()) - sent) / 1000,
      };
    }),
  );
}

/** The early-termination policies compared, each with the settings it runs with (none first). */
export const policies: Array<{ policy: string; lines?: string[] }> = [
  { policy: 'none' },
  { policy: 'median_stopping', lines: ['type: median_stopping', 'evaluation_interval: 1', 'delay_evaluation: 5'] },
  { policy: 'bandit', lines: ['type: bandit', 'slack_factor: 0.1', 'evaluation_interval: 1', 'delay_evaluation: 5'] },
  {
    policy: 'truncation_selection',
    lines: ['type: truncation_selection', 'truncation_percentage: 25', 'evaluation_interval: 1', 'delay_evaluation: 5'],
  },
  { policy: 'asha', lines: ['type: asha', 'min_resource: 2', 'reduction_factor: 3', 'max_resource: 20'] },
];

async function runEarlyTermination(trellis: TrellisProcess, folder: string, options: SweepBenchOptions): Promise<EarlyTerminationRow[]> {
  const rows: EarlyTerminationRow[] = [];
  for (const { policy, lines } of policies) {
    const name = `early-${policy.replaceAll('_', '-')}`;
    options.log(`  trellis sweep ${name}: ${options.earlyTrials} random trials (seed 7), 4 at a time, 20 epochs each`);
    await submitSweep(
      trellis,
      folder,
      sweepYaml({
        name,
        command: `python learning_curve.py --alpha \${{search_space.alpha}} --eta0 \${{search_space.eta0}} --epochs 20 --pause ${options.epochPause}`,
        environment: sklearnEnvironment,
        code: './src',
        space: {
          alpha: { type: 'loguniform', min_value: Math.log(1e-6), max_value: Math.log(1e-1) },
          eta0: { type: 'loguniform', min_value: Math.log(1e-4), max_value: Math.log(1) },
        },
        algorithm: '{type: random, seed: 7}',
        goal: 'minimize',
        metric: 'val_error',
        total: options.earlyTrials,
        concurrent: 4,
        ...(lines ? { policy: lines } : {}),
      }),
    );
    const sweep = await waitSweep(trellis, name, options.log);
    if (sweep.state !== 'Completed') throw new Error(`${name} ended ${sweep.state}: ${sweep.reason}`);
    const trials = sweep.trials ?? [];
    const row = {
      policy,
      settings: (lines ?? []).slice(1).join(', '),
      trials: trials.length,
      stopped: trials.filter((trial) => trial.stopReason !== null).length,
      steps: trials.reduce((sum, trial) => sum + trial.reports, 0),
      best: sweep.best?.objective ?? null,
      seconds: ((sweep.endedAt ?? 0) - (sweep.startedAt ?? 0)) / 1000,
    };
    options.log(`    ${name}: ${row.steps} trial-steps, ${row.stopped} stopped early, best ${row.best}, ${row.seconds.toFixed(1)} s`);
    rows.push(row);
  }
  return rows;
}

/** (3) Trivial trials: the python the trials run (from a warm-up trial), its own spawn → exit, then the sweeps. */
async function runOverhead(trellis: TrellisProcess, folder: string, options: SweepBenchOptions) {
  const trivial = (name: string, command: string, total: number, concurrent: number) =>
    sweepYaml({
      name,
      command,
      environment: trivialEnvironment,
      space: { x: { type: 'uniform', min_value: 0, max_value: 1 } },
      algorithm: '{type: random, seed: 0}',
      goal: 'minimize',
      metric: 'objective',
      total,
      concurrent,
    });
  options.log('  trellis: warm-up sweep (2 trivial trials that print their interpreter)');
  await submitSweep(
    trellis,
    folder,
    trivial('overhead-warmup', `python -c "import sys; print('bench-python', sys.executable)" \${{search_space.x}}`, 2, 1),
  );
  await waitSweep(trellis, 'overhead-warmup', options.log);
  const logs = await (await fetch(`${trellis.url}/api/v1/workspaces/${workspace}/jobs/overhead-warmup_0/logs`)).text();
  const python = /bench-python (\S+)/.exec(logs)?.[1];
  if (!python) throw new Error(`the warm-up trial printed no interpreter: ${logs.slice(0, 500)}`);
  options.log(`  the trivial trial spawned directly, ${options.ownRuns} times (${python})`);
  const own = await measureOwnWork(python, options.ownRuns);
  const rows: OverheadRow[] = [];
  for (const concurrency of [1, 4]) {
    const name = `overhead-${concurrency}`;
    options.log(`  trellis sweep ${name}: ${options.overheadTrials} trials of python -c pass, ${concurrency} at a time`);
    const { sent } = await submitSweep(
      trellis,
      folder,
      trivial(name, 'python -c pass ${{search_space.x}}', options.overheadTrials, concurrency),
    );
    const sweep = await waitSweep(trellis, name, options.log);
    const ends = (sweep.trials ?? []).map((trial) => trial.endedAt ?? Number.NaN).sort((a, b) => a - b);
    const added = ends.slice(1).map((end, index) => end - (ends[index] as number) - own.p50);
    rows.push({
      concurrency,
      trials: ends.length,
      added: summarise(added),
      totalMs: (sweep.endedAt ?? Number.NaN) - sent,
      state: sweep.state,
    });
    options.log(
      `    ${name}: ${sweep.state}, added per trial p50 ${summarise(added).p50.toFixed(1)} ms, mean ${summarise(added).mean.toFixed(1)} ms`,
    );
  }
  return { own: { ...own, python }, overhead: rows };
}

export async function runSweepBench(options: SweepBenchOptions): Promise<SweepBenchResult> {
  const { log, parts } = options;
  const optunaPython = await ensureOptunaVenv(log);
  const result: SweepBenchResult = { pins, studies: [], realSweeps: [], early: [], overhead: [] };
  if (parts.includes('quality')) result.studies = await runQuality(optunaPython, options);
  if (!parts.includes('quality') && !parts.includes('early') && !parts.includes('overhead')) return result;

  const folder = await mkdtemp(join(tmpdir(), 'trellis-bench-sweeps-'));
  await mkdir(join(folder, 'src'));
  for (const script of ['objectives.py', 'learning_curve.py']) await copyFile(join(scriptsFolder, script), join(folder, 'src', script));
  const environments = process.env.TRELLIS_ENV_CACHE ?? join(repositoryRoot, '.cache', 'environments');
  const trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environments } });
  try {
    await trellis.client.apply(workspace, {
      fileName: 'compute.yml',
      kind: 'compute',
      text: `name: ${clusterName}\ntype: amlcompute\nsize: Standard_DS2_v2\nmin_instances: 0\nmax_instances: 4\nidle_time_before_scale_down: 3600\n`,
    });
    if (parts.includes('overhead')) Object.assign(result, await runOverhead(trellis, folder, options));
    if (parts.includes('quality')) result.realSweeps = await runRealQualitySweeps(trellis, folder, result.studies, options);
    if (parts.includes('early')) result.early = await runEarlyTermination(trellis, folder, options);
    return result;
  } finally {
    await trellis.stop();
    await removeHome(trellis.home);
    await rm(folder, { recursive: true, force: true });
  }
}
