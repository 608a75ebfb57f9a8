/**
 * Benchmark for BENCHMARKS.md (issue 15): the time a pipeline runner adds to each step, Trellis
 * (`trellis up`, SQLite, a local amlcompute cluster) against Kubeflow Pipelines' local runner
 * (`kfp` from PyPI, `kfp.local` with its SubprocessRunner, use_venv=False), the same pipelines in
 * one run:
 *   (a) a chain of N trivial Python steps, each reading its predecessor's output;
 *   (b) a fan-out of N trivial Python steps joined by one step reading all their outputs;
 *   (c) Trellis alone: the chain of (a) submitted again unchanged, every step Reused.
 * Added time = submit → completion minus the steps' own work, where a step's own work is what the
 * same trivial Python program costs spawned directly (spawn → exit, the runner's own interpreter);
 * each step prints its own start and end (time.time()), so the time between two step ends, minus
 * that, is what the runner added to one step.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineJobBody, TrellisClient } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';

export interface PipelineBenchOptions {
  /** Steps in the chain, and steps fanned out (plus one join). */
  steps: number;
  /** Direct spawns of the trivial step that measure its own work. */
  ownRuns: number;
  log: (line: string) => void;
}

export interface Summary {
  p50: number;
  mean: number;
  max: number;
}

/** One pipeline on one runner. */
export interface ShapeFigures {
  steps: number;
  /** Submit (the pipeline call) → completion, ms. */
  totalMs: number;
  /** Per step: (time between its end and the end before it, the first after the submit) − the step's own work. */
  added: Summary;
  /** (totalMs − steps × own) / steps: the whole run, the tail after the last step included. */
  addedMean: number;
  /** The last step's end → the pipeline complete, ms. */
  tailMs: number;
  /** The most steps whose jobs ran at once (kfp.local runs one at a time). */
  concurrency: number;
}

export interface RunnerFigures {
  runner: string;
  /** The trivial step spawned directly with this runner's interpreter: spawn → exit, p50 of ownRuns. */
  own: Summary;
  python: string;
  chain: ShapeFigures;
  fanout: ShapeFigures;
}

export interface ReuseFigures {
  steps: number;
  reused: number;
  /** Submit request sent → the client sees Completed (polling every 10 ms). */
  observedMs: number;
  /** Submit request sent → the pipeline's endedAt (server clock, ms). */
  endedMs: number;
}

export interface PipelineBenchResult {
  kfpVersion: string;
  kfp: RunnerFigures;
  trellis: RunnerFigures;
  reuse: ReuseFigures;
}

const kfpVersion = '2.17.3';
const workspace = 'default';
const clusterName = 'bench-cluster';
const clusterNodes = 4;
const environment = 'azureml:trellis-python@latest';

/**
 * The trivial step, the same program for both runners and for the direct spawn: `MODE INPUT... OUT`,
 * each input a literal or a folder holding `v`; it writes sum(inputs) (+1 when MODE is add) to
 * OUT/v and prints its own start and end. Single quotes only, so it sits in a shell's "...".
 */
const stepProgram = [
  'import sys,time,os',
  's=time.time()',
  "xs=[int(open(os.path.join(a,'v')).read()) if os.path.isdir(a) else int(a) for a in sys.argv[2:-1]]",
  "v=sum(xs)+(1 if sys.argv[1]=='add' else 0)",
  "open(os.path.join(sys.argv[-1],'v'),'w').write(str(v))",
  "print('bench-step',v,s,time.time(),sys.executable)",
].join(';');

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with Python's time.time()). */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Runs a process to its end; rejects with its output when it fails. */
function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`)),
    );
  });
}

/** The venv with kfp (pinned) under .cache/, made once and reused while the pin holds. */
async function ensureKfpVenv(log: (line: string) => void): Promise<string> {
  const venv = join(repositoryRoot, '.cache', 'kfp-venv');
  const python = join(venv, 'bin', 'python');
  const stamp = join(venv, '.kfp-version');
  if (existsSync(python) && existsSync(stamp) && (await readFile(stamp, 'utf8')) === kfpVersion) return python;
  log(`  kfp: making ${venv} with kfp==${kfpVersion} from PyPI (a minute or less)`);
  await rm(venv, { recursive: true, force: true });
  await run(process.env.TRELLIS_PYTHON ?? 'python3', ['-m', 'venv', venv]);
  await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `kfp==${kfpVersion}`]);
  await writeFile(stamp, kfpVersion);
  return python;
}

/**
 * The trivial step's own work with each of `pythons`: `python -c <step>` spawned directly, spawn →
 * exit, `runs` times each, the interpreters taking turns so both see the same load.
 */
async function measureOwnWork(pythons: string[], runs: number): Promise<Summary[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'trellis-bench-own-'));
  try {
    await mkdir(join(scratch, 'in'));
    await mkdir(join(scratch, 'out'));
    await writeFile(join(scratch, 'in', 'v'), '41');
    const once = async (python: string) => {
      const started = wallNow();
      const output = await run(python, ['-c', stepProgram, 'add', join(scratch, 'in'), join(scratch, 'out')]);
      if (!output.startsWith('bench-step 42 ')) throw new Error(`the step run directly printed '${output}'`);
      return wallNow() - started;
    };
    for (let i = 0; i < 5; i++) for (const python of pythons) await once(python);
    const samples = pythons.map((): number[] => []);
    for (let i = 0; i < runs; i++) for (const [index, python] of pythons.entries()) samples[index]?.push(await once(python));
    return samples.map(summarise);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface StepStamp {
  label: string;
  start: number;
  end: number;
}

/**
 * Per-step added time from the steps' own end stamps: sorted, each end minus the one before
 * (the submit before the first), minus the step's own work.
 */
function figuresOf(stamps: StepStamp[], submitted: number, completed: number, ownMs: number, concurrency: number): ShapeFigures {
  const ends = stamps.map((stamp) => stamp.end).sort((a, b) => a - b);
  const added = ends.map((end, index) => end - (index === 0 ? submitted : (ends[index - 1] as number)) - ownMs);
  const totalMs = completed - submitted;
  return {
    steps: stamps.length,
    totalMs,
    added: summarise(added),
    addedMean: (totalMs - stamps.length * ownMs) / stamps.length,
    tailMs: completed - (ends[ends.length - 1] as number),
    concurrency,
  };
}

/** Runs one shape on kfp.local in a fresh work folder; returns its figures. */
async function runKfpShape(python: string, shape: 'chain' | 'fanout', steps: number, ownMs: number, log: (line: string) => void) {
  const work = await mkdtemp(join(tmpdir(), `trellis-bench-kfp-${shape}-`));
  try {
    const expectedSteps = shape === 'chain' ? steps : steps + 1;
    const progress = setInterval(() => {
      readFile(join(work, 'steps.log'), 'utf8')
        .then((text) => log(`    kfp ${shape}: ${text.split('\n').filter(Boolean).length} of ${expectedSteps} steps done`))
        .catch(() => {});
    }, 10_000);
    let output: string;
    try {
      output = await run(python, [join(repositoryRoot, 'bench', 'kfp', 'run_pipeline.py'), shape, String(steps), work]);
    } finally {
      clearInterval(progress);
    }
    const last = output.trim().split('\n').at(-1) ?? '';
    const outcome = JSON.parse(last) as { called: number; returned: number; result: number; expected: number };
    if (outcome.result !== outcome.expected) throw new Error(`kfp ${shape}: result ${outcome.result}, expected ${outcome.expected}`);
    const stamps = (await readFile(join(work, 'steps.log'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [label = '', start = '', end = ''] = line.split(' ');
        return { label, start: Number(start) * 1000, end: Number(end) * 1000 };
      });
    if (stamps.length !== expectedSteps) throw new Error(`kfp ${shape}: ${stamps.length} step stamps, expected ${expectedSteps}`);
    return figuresOf(stamps, outcome.called * 1000, outcome.returned * 1000, ownMs, 1);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A command step of the pipeline YAML: the trivial program, its mode, its inputs (literals or bindings). */
function stepYaml(name: string, mode: 'add' | 'sum', inputs: Array<[string, string]>): string[] {
  const args = inputs.map(([input]) => `\${{inputs.${input}}}`).join(' ');
  return [
    `  ${name}:`,
    '    command: |-',
    `      python -c "${stepProgram}" ${mode} ${args} \${{outputs.out}}`,
    `    environment: ${environment}`,
    '    inputs:',
    ...inputs.map(([input, value]) => `      ${input}: ${value}`),
    '    outputs:',
    '      out:',
  ];
}

const stepName = (prefix: string, index: number) => `${prefix}${String(index).padStart(3, '0')}`;

/** The Azure ML pipeline YAML of a shape: the same graph as the kfp pipeline. */
function pipelineYaml(shape: 'chain' | 'fanout' | 'warmup', steps: number): string {
  const lines = [
    '$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json',
    'type: pipeline',
    `display_name: bench-${shape}`,
    `experiment_name: bench-pipelines-${shape}`,
    'settings:',
    `  default_compute: azureml:${clusterName}`,
    'jobs:',
  ];
  if (shape === 'chain' || shape === 'warmup') {
    // The warm-up adds 1,000 first, so none of its steps has the chain's reuse key.
    lines.push(...stepYaml(stepName('s', 1), 'add', [['before', shape === 'warmup' ? '1000' : '0']]));
    for (let i = 2; i <= steps; i++)
      lines.push(...stepYaml(stepName('s', i), 'add', [['before', `\${{parent.jobs.${stepName('s', i - 1)}.outputs.out}}`]]));
  } else {
    for (let i = 1; i <= steps; i++) lines.push(...stepYaml(stepName('f', i), 'add', [['x', String(i - 1)]]));
    lines.push(
      ...stepYaml(
        'join',
        'sum',
        Array.from({ length: steps }, (_, i) => [`x${i + 1}`, `\${{parent.jobs.${stepName('f', i + 1)}.outputs.out}}`] as [string, string]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

const ended = (state: string) => ['Completed', 'Failed', 'Canceled'].includes(state);

/** Polls the pipeline list (which carries no steps, so it costs the server little) until `name` has ended. */
async function waitEnded(client: TrellisClient, name: string, pollMs: number, log: (line: string) => void): Promise<{ observed: number }> {
  let nextProgress = wallNow() + 10_000;
  for (;;) {
    const { items } = await client.listPipelines(workspace, { limit: 3 });
    const found = items.find((item) => item.name === name);
    if (!found) throw new Error(`pipeline ${name} is not in the list`);
    if (ended(found.state)) {
      const observed = wallNow();
      if (found.state !== 'Completed') throw new Error(`pipeline ${name} ended ${found.state}: ${found.reason ?? ''}`);
      return { observed };
    }
    if (wallNow() >= nextProgress) {
      nextProgress = wallNow() + 10_000;
      const pipeline = await client.getPipeline(workspace, name);
      const done = pipeline.steps?.filter((step) => step.status === 'Completed' || step.status === 'Reused').length ?? 0;
      log(`    trellis ${pipeline.displayName}: ${done} of ${pipeline.steps?.length ?? 0} steps done`);
    }
    await sleep(pollMs);
  }
}

/** The `bench-step` line a step's job printed. */
async function stepStamp(trellis: TrellisProcess, job: string): Promise<StepStamp & { value: number; python: string }> {
  const response = await fetch(`${trellis.url}/api/v1/workspaces/${workspace}/jobs/${job}/logs`);
  const text = await response.text();
  const line = text.split('\n').find((item) => item.startsWith('bench-step '));
  if (!response.ok || !line) throw new Error(`job ${job}: log '${text.slice(0, 500)}' has no bench-step line`);
  const [, value = '', start = '', end = '', python = ''] = line.trim().split(' ');
  return { label: job, value: Number(value), start: Number(start) * 1000, end: Number(end) * 1000, python };
}

/** The most step jobs running at once, from their start and end (server clock). */
function concurrencyOf(pipeline: PipelineJobBody): number {
  const edges: Array<[number, number]> = [];
  for (const step of pipeline.steps ?? [])
    if (step.startedAt !== null && step.endedAt !== null) edges.push([step.startedAt, 1], [step.endedAt, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, change] of edges) {
    now += change;
    most = Math.max(most, now);
  }
  return most;
}

async function submitPipeline(client: TrellisClient, text: string): Promise<{ name: string; sent: number }> {
  const sent = wallNow();
  const pipeline = await client.submitPipeline(workspace, { fileName: 'pipeline.yml', text, uploads: {}, inlined: {} });
  return { name: pipeline.name, sent };
}

/** Runs one shape on Trellis; checks the final value; returns the stamps, times and the interpreter the steps ran. */
async function runTrellisShape(trellis: TrellisProcess, shape: 'chain' | 'fanout', steps: number, log: (line: string) => void) {
  const { name, sent } = await submitPipeline(trellis.client, pipelineYaml(shape, steps));
  await waitEnded(trellis.client, name, 50, log);
  const pipeline = await trellis.client.getPipeline(workspace, name);
  const stamps = [];
  for (const step of pipeline.steps ?? []) {
    if (step.status !== 'Completed' || !step.job) throw new Error(`step ${step.step} is ${step.status}`);
    stamps.push(await stepStamp(trellis, step.job));
  }
  const last = stamps.find((stamp) => stamp.label.endsWith(shape === 'chain' ? stepName('s', steps) : 'join'));
  const expected = shape === 'chain' ? steps : (steps * (steps + 1)) / 2;
  if (last?.value !== expected) throw new Error(`trellis ${shape}: result ${last?.value}, expected ${expected}`);
  return { name, sent, completed: pipeline.endedAt as number, stamps, concurrency: concurrencyOf(pipeline), python: last.python };
}

export async function runPipelineBench(options: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const { steps, log } = options;
  const kfpPython = await ensureKfpVenv(log);
  const trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments') } });
  try {
    const client = trellis.client;
    await client.apply(workspace, {
      fileName: 'compute.yml',
      kind: 'compute',
      text: `name: ${clusterName}\ntype: amlcompute\nsize: Standard_DS2_v2\nmin_instances: 0\nmax_instances: ${clusterNodes}\nidle_time_before_scale_down: 3600\n`,
    });
    // Warm-up, not measured: builds the environment once, makes the cluster's nodes and the experiment.
    log('  trellis: warm-up pipeline (3 steps)');
    const warmup = await submitPipeline(client, pipelineYaml('warmup', 3));
    await waitEnded(client, warmup.name, 50, log);
    const python = (await stepStamp(trellis, `${warmup.name}-${stepName('s', 1)}`)).python;
    log(`  the trivial step spawned directly, ${options.ownRuns} times with kfp's interpreter and with the Trellis steps' (${python})`);
    const [kfpOwn, trellisOwn] = (await measureOwnWork([kfpPython, python], options.ownRuns)) as [Summary, Summary];

    // kfp.local runs while the Trellis server idles (nothing queued: a reconcile tick every 500 ms).
    log(`  kfp.local: (a) chain of ${steps} steps`);
    const kfpChain = await runKfpShape(kfpPython, 'chain', steps, kfpOwn.p50, log);
    log(`  kfp.local: (b) fan-out of ${steps} steps and a join`);
    const kfpFanout = await runKfpShape(kfpPython, 'fanout', steps, kfpOwn.p50, log);

    log(`  trellis: (a) chain of ${steps} steps`);
    const chain = await runTrellisShape(trellis, 'chain', steps, log);
    log(`  trellis: (b) fan-out of ${steps} steps and a join`);
    const fanout = await runTrellisShape(trellis, 'fanout', steps, log);

    log(`  trellis: (c) the chain of (a) again, unchanged`);
    const again = await submitPipeline(client, pipelineYaml('chain', steps));
    const { observed } = await waitEnded(client, again.name, 10, log);
    const reused = await client.getPipeline(workspace, again.name);
    const notReused = reused.steps?.filter((step) => step.status !== 'Reused') ?? [];
    if (notReused.length > 0 || reused.steps?.length !== steps)
      throw new Error(`(c): steps not Reused: ${notReused.map((step) => `${step.step} ${step.status}: ${step.reason ?? ''}`).join('; ')}`);

    return {
      kfpVersion,
      kfp: { runner: `kfp.local ${kfpVersion}`, own: kfpOwn, python: kfpPython, chain: kfpChain, fanout: kfpFanout },
      trellis: {
        runner: 'Trellis',
        own: trellisOwn,
        python,
        chain: figuresOf(chain.stamps, chain.sent, chain.completed, trellisOwn.p50, chain.concurrency),
        fanout: figuresOf(fanout.stamps, fanout.sent, fanout.completed, trellisOwn.p50, fanout.concurrency),
      },
      reuse: {
        steps,
        reused: (reused.steps ?? []).length - notReused.length,
        observedMs: observed - again.sent,
        endedMs: (reused.endedAt as number) - again.sent,
      },
    };
  } finally {
    await trellis.stop();
    await removeHome(trellis.home);
  }
}
