/**
 * The quality half of bench/sweeps.ts: Optuna's default TPESampler(seed) and Trellis's bayesian and
 * tpe samplers (makeSampler, driven in this process) on the same three problems, each trial's
 * objective computed by the same Python functions (objectives.py): Optuna's study imports them,
 * Trellis's trials ask one persistent `objectives.py serve` process over JSON lines.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { makeSampler } from '../../src/core/sweeps/samplers/make-sampler.js';
import { searchSpaceSchema } from '../../src/core/sweeps/search-space.js';
import type { Goal, Parameters, SampledTrial } from '../../src/core/sweeps/sweep-types.js';
import { repositoryRoot } from '../../test/support/trellis-process.js';
import { braninSpace, hartmann6Space } from '../../test/support/sweep-objectives.js';

export const scriptsFolder = join(repositoryRoot, 'bench', 'sweeps');

export interface Problem {
  name: 'branin' | 'hartmann6' | 'svc_digits';
  goal: Goal;
  /** The search space as a sweep file writes it (loguniform bounds are the exponent's, as Azure ML's). */
  space: Record<string, { type: string; min_value: number; max_value: number }>;
}

export const problems: Problem[] = [
  { name: 'branin', goal: 'minimize', space: braninSpace },
  { name: 'hartmann6', goal: 'minimize', space: hartmann6Space as Problem['space'] },
  {
    name: 'svc_digits',
    goal: 'maximize',
    space: {
      C: { type: 'loguniform', min_value: Math.log(1e-3), max_value: Math.log(1e3) },
      gamma: { type: 'loguniform', min_value: Math.log(1e-5), max_value: Math.log(10) },
    },
  },
];

/** One study: a sampler, a seed, a problem, and every trial's objective in order. */
export interface StudyOutcome {
  problem: Problem['name'];
  sampler: 'optuna-tpe' | 'bayesian' | 'tpe';
  seed: number;
  best: number;
  objectives: number[];
  /** Time the sampler took to propose, per trial (Trellis's only: Optuna's is inside its study). */
  samplerMsPerTrial?: number;
  seconds: number;
}

/** Runs a process to its end, handing each stdout line to `onLine`; rejects with its output when it fails. */
export function runLines(command: string, args: string[], onLine: (line: string) => void, cwd = scriptsFolder): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    let errors = '';
    createInterface({ input: child.stdout }).on('line', onLine);
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${errors.slice(-3000)}`)),
    );
  });
}

/** Optuna's default TPESampler, seeds 0..seeds-1, `trials` trials each, on one problem. */
export async function runOptuna(python: string, problem: Problem, seeds: number, trials: number, log: (line: string) => void) {
  const outcomes: StudyOutcome[] = [];
  await runLines(python, [join(scriptsFolder, 'optuna_study.py'), problem.name, String(seeds), String(trials)], (line) => {
    const parsed = JSON.parse(line) as { seed: number; best: number; seconds: number; objectives: number[] };
    outcomes.push({ problem: problem.name, sampler: 'optuna-tpe', ...parsed });
    log(`    optuna tpe ${problem.name} seed ${parsed.seed}: best ${parsed.best.toPrecision(6)} (${parsed.seconds.toFixed(1)} s)`);
  });
  return outcomes;
}

/** One `objectives.py serve` process: evaluate(problem, parameters) → the objective, one JSON line each way. */
export function objectiveServer(python: string) {
  const child = spawn(python, [join(scriptsFolder, 'objectives.py'), 'serve'], {
    cwd: scriptsFolder,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async evaluate(problem: Problem['name'], parameters: Parameters): Promise<number> {
      child.stdin.write(`${JSON.stringify({ problem, parameters })}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error('objectives.py serve ended');
      return (JSON.parse(value) as { value: number }).value;
    },
    close: () => new Promise<void>((resolve) => child.stdin.end(() => child.once('close', () => resolve()))),
  };
}

/**
 * Trellis's `sampler` with `seed` on `problem`, one trial after another (each told every trial
 * before it, all completed: what a sweep with max_concurrent_trials 1 gives its sampler).
 */
export async function runTrellisStudy(
  evaluate: (problem: Problem['name'], parameters: Parameters) => Promise<number>,
  problem: Problem,
  sampler: 'bayesian' | 'tpe',
  seed: number,
  trials: number,
): Promise<StudyOutcome> {
  const started = performance.now();
  const instance = makeSampler({ type: sampler, seed }, searchSpaceSchema.parse(problem.space), problem.goal);
  const history: SampledTrial[] = [];
  let samplerMs = 0;
  for (let index = 0; index < trials; index += 1) {
    const proposed = performance.now();
    const parameters = instance.next(index, history);
    samplerMs += performance.now() - proposed;
    if (parameters === null) throw new Error(`${sampler} ran out of points at trial ${index}`);
    history.push({ index, parameters, objective: await evaluate(problem.name, parameters), state: 'completed' });
  }
  const objectives = history.map((trial) => trial.objective as number);
  return {
    problem: problem.name,
    sampler,
    seed,
    best: bestOf(problem.goal, objectives),
    objectives,
    samplerMsPerTrial: samplerMs / trials,
    seconds: (performance.now() - started) / 1000,
  };
}

export function bestOf(goal: Goal, values: readonly number[]): number {
  return goal === 'minimize' ? Math.min(...values) : Math.max(...values);
}

/** The q-quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return (sorted[below] as number) + ((sorted[above] as number) - (sorted[below] as number)) * (position - below);
}
