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
import type { SweepJobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';
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
import { clusterName, type Summary, submitSweep, summarise, sweepYaml, waitSweep, wallNow, workspace } from './sweeps/submit-sweep.js';

export type { Summary } from './sweeps/submit-sweep.js';

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
  /** Where the time between two trial ends goes (one at a time only), from the trials' job events. */
  phases?: Array<{ label: string; summary: Summary }>;
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
const sklearnEnvironment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const trivialEnvironment = 'azureml:trellis-python@latest';

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

/**
 * Trials one at a time: from the job events of each trial and the one before it, the previous
 * trial's end → this trial Queued (the sweep runner's pass), → Preparing (the scheduler), →
 * Running (attempt folder, environment, spawn), → Completed (the program itself, and the job
 * runner seeing it exit and closing the job).
 */
async function phasesOf(trellis: TrellisProcess, sweep: SweepJobBody): Promise<Array<{ label: string; summary: Summary }>> {
  interface TrialEvents {
    queued: number;
    preparing: number;
    running: number;
    ended: number;
  }
  const events: TrialEvents[] = [];
  for (const trial of [...(sweep.trials ?? [])].sort((a, b) => a.index - b.index)) {
    const { items } = await trellis.client.jobEvents(workspace, trial.job);
    const at = (state: string) => items.find((item) => item.state === state)?.at ?? Number.NaN;
    events.push({ queued: at('Queued'), preparing: at('Preparing'), running: at('Running'), ended: trial.endedAt ?? Number.NaN });
  }
  const phases: Array<[string, (event: TrialEvents, before: TrialEvents) => number]> = [
    ['previous trial ended → Queued (the sweep runner notices, samples, submits)', (event, before) => event.queued - before.ended],
    ['Queued → Preparing (the scheduler picks it)', (event) => event.preparing - event.queued],
    ['Preparing → Running (attempt folder, environment, spawn)', (event) => event.running - event.preparing],
    ['Running → ended (the program, then the job runner closing the job)', (event) => event.ended - event.running],
  ];
  return phases.map(([label, phase]) => ({
    label,
    summary: summarise(events.slice(1).map((event, index) => phase(event, events[index] as TrialEvents))),
  }));
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
    const phases = concurrency === 1 ? await phasesOf(trellis, sweep) : undefined;
    rows.push({
      concurrency,
      trials: ends.length,
      added: summarise(added),
      totalMs: (sweep.endedAt ?? Number.NaN) - sent,
      state: sweep.state,
      ...(phases ? { phases } : {}),
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
  // BENCH_SWEEP_SERVER_PROFILE=<folder>: the server writes a V8 CPU profile there when it stops (where a trial's time goes).
  const profile = process.env.BENCH_SWEEP_SERVER_PROFILE;
  const trellis = await startTrellis({
    env: {
      TRELLIS_ENV_CACHE: environments,
      ...(profile ? { NODE_OPTIONS: `--require ${join(scriptsFolder, 'cpu-profile.cjs')}`, TRELLIS_BENCH_PROFILE_DIR: profile } : {}),
    },
  });
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
  } catch (error) {
    // The server's own words, and how it ended if it did, before its home is removed.
    const { exitCode, signalCode } = trellis.child;
    log(
      `  the bench failed; the server ${exitCode === null && signalCode === null ? 'still runs' : `ended (code ${exitCode}, signal ${signalCode})`}; its output ends:\n${trellis.output().slice(-4000)}`,
    );
    throw error;
  } finally {
    await trellis.stop();
    await removeHome(trellis.home);
    await rm(folder, { recursive: true, force: true });
  }
}
