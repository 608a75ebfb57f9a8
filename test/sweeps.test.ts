import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SweepJobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

const environment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const settings = {
  TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
  TRELLIS_JOB_TICK_MS: '200',
  TRELLIS_JOB_GRACE_SECONDS: '2',
};
const ended = (sweep: SweepJobBody) => ['Completed', 'Failed', 'Canceled'].includes(sweep.state);

/**
 * The trial script: reports `loss` = x at steps 1..steps, one report every `pause` seconds, so a
 * trial's x decides how good it looks from its first report on. It appends its run id to `tally`
 * when it starts, to count how many times each trial ran.
 */
const reportScript = `import argparse, os, time
import mlflow
parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float)
parser.add_argument("--steps", type=int, default=10)
parser.add_argument("--pause", type=float, default=0.5)
parser.add_argument("--tally", default="")
args = parser.parse_args()
if args.tally:
    with open(args.tally, "a") as tally:
        tally.write(os.environ["MLFLOW_RUN_ID"] + "\\n")
for step in range(1, args.steps + 1):
    mlflow.log_metric("loss", args.x, step=step)
    time.sleep(args.pause)
`;

describe('sweep jobs', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  let code: string;

  /** A sweep over x of the report script, written to a file and submitted as a user would: trellis job create --file. */
  const sweepFile = async (name: string, lines: string[], command = 'python report.py --x ${{search_space.x}}'): Promise<string> => {
    const file = join(scratch, `${name}.yml`);
    await writeFile(
      file,
      [
        'type: sweep',
        `name: ${name}`,
        'compute: azureml:sweep-cluster',
        'trial:',
        '  code: ./src',
        `  command: ${command}`,
        `  environment: ${environment}`,
        ...lines,
      ].join('\n'),
    );
    return file;
  };
  const create = async (file: string) => {
    const result = await runCli(['job', 'create', '--file', file, '-o', 'json'], { url: trellis.url });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as SweepJobBody;
  };
  const waitForEnd = (name: string) =>
    waitFor(() => trellis.client.getSweep('default', name), {
      until: ended,
      // Under the test's own limit, so a sweep that never ends fails with the state it was stuck in.
      timeoutMs: 420_000,
      intervalMs: 250,
      what: `sweep ${name} to end`,
    });

  before(async () => {
    trellis = await startTrellis({ env: settings });
    scratch = await mkdtemp(join(tmpdir(), 'trellis-sweeps-'));
    code = join(scratch, 'src');
    await mkdir(code);
    await writeFile(join(code, 'report.py'), reportScript);
    const cluster = await runCli(['compute', 'create', '--name', 'sweep-cluster', '--size', 'Standard_DS2_v2', '--max-instances', '6'], {
      url: trellis.url,
    });
    assert.equal(cluster.code, 0, cluster.stderr);
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('refuses at submit every problem with its field and line, and queues nothing', async () => {
    const file = await sweepFile(
      'refused',
      [
        'search_space:',
        '  x:',
        '    type: uniform',
        '    min_value: 2',
        '    max_value: 1',
        '  y:',
        '    type: gaussian',
        '    mu: 0',
        'sampling_algorithm: random',
        'limits:',
        '  max_total_trials: 4',
        '  max_concurrent_trials: 8',
      ],
      'python report.py --x ${{search_space.x}} --z ${{search_space.z}}',
    );
    const result = await runCli(['job', 'create', '--file', file], { url: trellis.url });
    assert.equal(result.code, 1);
    // The schema's problems first: the unknown expression and the missing objective.
    assert.match(result.stderr, /search_space\.y\.type: .*gaussian/);
    assert.match(result.stderr, /objective/);
    assert.equal((await trellis.client.listSweeps('default')).items.length, 0, 'nothing queued');

    const second = await sweepFile(
      'refused2',
      [
        'search_space:',
        '  x:',
        '    type: uniform',
        '    min_value: 2',
        '    max_value: 1',
        'sampling_algorithm: grid',
        'objective:',
        '  goal: minimize',
        '  primary_metric: loss',
        'limits:',
        '  max_total_trials: 4',
        '  max_concurrent_trials: 8',
      ],
      'python report.py --x ${{search_space.x}} --z ${{search_space.z}}',
    );
    const refused = await runCli(['job', 'create', '--file', second], { url: trellis.url });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /line 12: search_space\.x\.max_value: must be above min_value/, 'min_value above max_value, at its line');
    assert.match(refused.stderr, /search_space\.x.*grid/, 'grid over a continuous distribution');
    assert.match(refused.stderr, /line 6: trial\.command: \$\{\{search_space\.z\}\} names no hyperparameter/);
    assert.match(refused.stderr, /limits\.max_concurrent_trials: 8 trials at once is more than max_total_trials \(4\)/);
    assert.equal((await trellis.client.listSweeps('default')).items.length, 0, 'nothing queued');
    assert.equal((await trellis.client.listJobs('default')).items.length, 0, 'no trial queued');
  });

  for (const [policy, lines] of [
    ['bandit', ['  type: bandit', '  slack_amount: 1', '  evaluation_interval: 1', '  delay_evaluation: 2']],
    ['median_stopping', ['  type: median_stopping', '  evaluation_interval: 1', '  delay_evaluation: 2']],
    [
      'truncation_selection',
      ['  type: truncation_selection', '  truncation_percentage: 50', '  evaluation_interval: 1', '  delay_evaluation: 2'],
    ],
    ['asha', ['  type: asha', '  min_resource: 2', '  reduction_factor: 2']],
  ] as const) {
    it(`stops poor trials early with ${policy}, each Canceled with the rule and figures as its reason`, { timeout: 600_000 }, async () => {
      const name = `early-${policy.replaceAll('_', '-')}`;
      const file = await sweepFile(name, [
        'search_space:',
        '  x:',
        '    type: choice',
        '    values: [1, 2, 8, 9, 10, 11]',
        'sampling_algorithm: grid',
        'objective:',
        '  goal: minimize',
        '  primary_metric: loss',
        'limits:',
        '  max_total_trials: 6',
        '  max_concurrent_trials: 6',
        'early_termination:',
        ...lines,
      ]);
      const submitted = await create(file);
      const sweep = await waitForEnd(submitted.name);
      assert.equal(sweep.state, 'Completed', sweep.reason ?? '');
      const trials = sweep.trials ?? [];
      assert.equal(trials.length, 6);
      const stopped = trials.filter((trial) => trial.stopReason !== null);
      assert.ok(
        stopped.length > 0,
        `${policy} stopped no trial: ${trials.map((trial) => `${trial.parameters.x}:${trial.status}`).join(', ')}`,
      );
      // Which poor trials go first depends on which reached an interval first; the poorest ones always go at the latest
      // when every trial reached it (bandit: anything worse than the best + 1 goes, so only x >= 8).
      assert.ok(
        stopped.some((trial) => Number(trial.parameters.x) >= 8),
        `${policy} stopped none of the poor trials: ${stopped.map((trial) => trial.parameters.x).join(', ')}`,
      );
      for (const trial of stopped) {
        assert.equal(trial.status, 'Canceled');
        if (policy === 'bandit') assert.ok(Number(trial.parameters.x) >= 8, `bandit stopped x=${trial.parameters.x}: ${trial.stopReason}`);
        assert.match(
          trial.stopReason ?? '',
          new RegExp(`^${policy.replace('_', ' ')} policy .* primary metric \\d`),
          'the reason names the policy and figures',
        );
        assert.match(trial.reason ?? '', /^stopped by early termination: /);
      }
      const best = trials.find((trial) => trial.parameters.x === 1);
      assert.equal(best?.status, 'Completed', 'the best trial ran to the end');
      assert.equal(sweep.best?.job, best?.job);
      assert.equal(sweep.progress?.stoppedEarly, stopped.length);
      assert.match(sweep.reason ?? '', new RegExp(`${stopped.length} stopped early`));
    });
  }

  it('says how many trials never logged the primary metric', { timeout: 300_000 }, async () => {
    const file = await sweepFile(
      'no-objective',
      [
        'search_space:',
        '  x:',
        '    type: choice',
        '    values: [1, 2]',
        'sampling_algorithm: grid',
        'objective:',
        '  goal: maximize',
        '  primary_metric: accuracy',
        'limits:',
        '  max_total_trials: 2',
      ],
      'python report.py --x ${{search_space.x}} --steps 1 --pause 0',
    );
    const sweep = await waitForEnd((await create(file)).name);
    assert.equal(sweep.state, 'Failed', 'no trial completed with an objective');
    assert.equal(sweep.progress?.withoutObjective, 2);
    assert.match(sweep.reason ?? '', /2 without an objective \(never logged the primary metric\)/);
    assert.equal(sweep.best, null);
  });

  it('cancels every running trial when the sweep is canceled', { timeout: 300_000 }, async () => {
    const file = await sweepFile(
      'canceled',
      [
        'search_space:',
        '  x:',
        '    type: uniform',
        '    min_value: 0',
        '    max_value: 1',
        'sampling_algorithm: random',
        'objective:',
        '  goal: minimize',
        '  primary_metric: loss',
        'limits:',
        '  max_total_trials: 10',
        '  max_concurrent_trials: 2',
      ],
      'python report.py --x ${{search_space.x}} --steps 100 --pause 1',
    );
    const submitted = await create(file);
    await waitFor(() => trellis.client.getSweep('default', submitted.name), {
      until: (sweep) => (sweep.trials ?? []).filter((trial) => trial.status === 'Running').length === 2,
      timeoutMs: 120_000,
      what: 'two trials running',
    });
    const canceled = await runCli(['job', 'cancel', '--name', submitted.name], { url: trellis.url });
    assert.equal(canceled.code, 0, canceled.stderr);
    const sweep = await waitForEnd(submitted.name);
    assert.equal(sweep.state, 'Canceled');
    assert.equal(sweep.trials?.length, 2, 'no trial started after the cancel');
    for (const trial of sweep.trials ?? []) assert.equal(trial.status, 'Canceled');
  });

  it('goes on after kill -9 of the server mid-sweep: no trial lost, none run twice', { timeout: 600_000 }, async () => {
    const tally = join(scratch, 'tally.txt');
    await writeFile(tally, '');
    const file = await sweepFile(
      'restarted',
      [
        'search_space:',
        '  x:',
        '    type: uniform',
        '    min_value: 0',
        '    max_value: 1',
        'sampling_algorithm:',
        '  type: random',
        '  seed: 11',
        'objective:',
        '  goal: minimize',
        '  primary_metric: loss',
        'limits:',
        '  max_total_trials: 6',
        '  max_concurrent_trials: 2',
      ],
      `python report.py --x \${{search_space.x}} --steps 4 --pause 0.5 --tally ${tally}`,
    );
    const submitted = await create(file);
    const before = await waitFor(() => trellis.client.getSweep('default', submitted.name), {
      until: (sweep) =>
        (sweep.trials ?? []).some((trial) => trial.status === 'Completed') &&
        (sweep.trials ?? []).some((trial) => trial.status === 'Running'),
      timeoutMs: 180_000,
      what: 'a trial completed and another running',
    });
    const sampledBefore = new Map((before.trials ?? []).map((trial) => [trial.index, trial.parameters.x]));
    await trellis.stop('SIGKILL');
    // On the same port: the trials still running log to it (their MLflow client retries while it is down).
    trellis = await startTrellis({ home: trellis.home, env: { ...settings, TRELLIS_PORT: new URL(trellis.url).port } });
    const sweep = await waitForEnd(submitted.name);
    assert.equal(sweep.state, 'Completed', sweep.reason ?? '');
    const trials = sweep.trials ?? [];
    assert.deepEqual(
      trials.map((trial) => trial.index),
      [0, 1, 2, 3, 4, 5],
    );
    for (const [index, x] of sampledBefore) assert.equal(trials[index]?.parameters.x, x, `trial ${index} kept its hyperparameters`);
    const runs = (await readFile(tally, 'utf8')).split('\n').filter(Boolean);
    assert.equal(runs.length, 6, `each trial ran once: ${runs.join(', ')}`);
    assert.equal(new Set(runs).size, 6);
    for (const trial of trials) assert.equal(trial.status, 'Completed', `${trial.job}: ${trial.reason}`);
  });
});
