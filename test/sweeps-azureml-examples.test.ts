import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SweepJobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// The three sweep examples of Azure/azureml-examples (commit 085cd6ea, kept byte for byte:
// test/fixtures/azureml-examples/NOTICE.md), submitted unchanged with `trellis job create --file`.
const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'jobs');
const dataMirror = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'data-mirror');
const environmentCache = join(repositoryRoot, '.cache', 'environments');

interface MlflowRun {
  info: { status: string; run_id: string };
  data: {
    metrics?: Array<{ key: string; value: number }>;
    params?: Array<{ key: string; value: string }>;
    tags?: Array<{ key: string; value: string }>;
  };
}

type Trial = NonNullable<SweepJobBody['trials']>[number];

/** What each example's trials must show: their hyperparameters in the search space, and the script having used them. */
const examplesToRun: Record<string, { trials: number; check: (trial: Trial, run: MlflowRun) => void }> = {
  'basics/hello-sweep.yml': {
    trials: 4,
    check: (trial, run) => {
      assert.ok(['hello', 'world', 'hello_world'].includes(String(trial.parameters.B)), `B=${trial.parameters.B}`);
      const c = Number(trial.parameters.C);
      assert.ok(c >= 0.1 && c <= 1.0, `C=${c}`);
      // The script logs what it was given: the sampled values reached it through ${{search_space.*}}.
      assert.equal(param(run, 'B'), String(trial.parameters.B));
      assert.equal(Number(param(run, 'C')), c);
      assert.equal(Number(param(run, 'A')), 0.5, 'the fixed input reached the trial');
    },
  },
  'single-step/scikit-learn/iris/job-sweep.yml': {
    trials: 20,
    check: (trial, run) => {
      const c = Number(trial.parameters.C);
      assert.ok(c >= 0.5 && c <= 0.9, `C=${c}`);
      assert.ok(['rbf', 'linear', 'poly'].includes(String(trial.parameters.kernel)));
      // mlflow.autolog records the estimator's parameters as the script set them from the command line.
      assert.equal(param(run, 'kernel'), String(trial.parameters.kernel));
      assert.equal(Number(param(run, 'C')), c);
    },
  },
  'single-step/lightgbm/iris/job-sweep.yml': {
    trials: 20,
    check: (trial, run) => {
      const rate = Number(trial.parameters.learning_rate);
      assert.ok(rate >= 0.01 && rate <= 0.9, `learning_rate=${rate}`);
      assert.ok(['gbdt', 'dart'].includes(String(trial.parameters.boosting)));
      assert.equal(param(run, 'boosting'), String(trial.parameters.boosting));
      // LightGBM's autolog reports the metric at every boosting round: a trial reports it many times.
      assert.ok(trial.reports > 1, `${trial.job} reported test-multi_logloss ${trial.reports} time(s)`);
    },
  },
};

function param(run: MlflowRun, key: string): string | undefined {
  return run.data.params?.find((item) => item.key === key)?.value;
}

function tag(run: MlflowRun, key: string): string | undefined {
  return run.data.tags?.find((item) => item.key === key)?.value;
}

describe('the sweep examples of Azure/azureml-examples run unchanged with trellis job create --file', () => {
  let trellis: TrellisProcess;
  let downloads: string;

  const mlflowRun = async (runId: string): Promise<MlflowRun> =>
    ((await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as { run: MlflowRun }).run;

  before(async () => {
    trellis = await startTrellis({
      env: { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200', TRELLIS_DATA_MIRROR: dataMirror },
    });
    downloads = await mkdtemp(join(tmpdir(), 'trellis-sweep-download-'));
    // The cluster the single-step examples name, as `az ml compute create` makes it.
    const cluster = await runCli(['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--max-instances', '4'], {
      url: trellis.url,
    });
    assert.equal(cluster.code, 0, cluster.stderr);
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (downloads) await rm(downloads, { recursive: true, force: true });
  });

  it('runs each to Completed with its trials, a best trial, and each trial given its own hyperparameters', {
    timeout: 1_200_000,
  }, async () => {
    const submitted = await Promise.all(
      Object.keys(examplesToRun).map(async (file) => {
        const result = await runCli(['job', 'create', '--file', join(examples, file), '-o', 'json'], { url: trellis.url });
        assert.equal(result.code, 0, `${file}: ${result.stderr}`);
        return { file, name: (JSON.parse(result.stdout) as SweepJobBody).name };
      }),
    );
    for (const { file, name } of submitted) {
      const expected = examplesToRun[file]!;
      const sweep = await waitFor(() => trellis.client.getSweep('default', name), {
        until: (found) => ['Completed', 'Failed', 'Canceled'].includes(found.state),
        timeoutMs: 1_100_000,
        intervalMs: 500,
        what: `sweep ${file} to end`,
      });
      const trials = sweep.trials ?? [];
      assert.equal(
        sweep.state,
        'Completed',
        `${file}: ${sweep.reason}\n${trials.map((trial) => `${trial.job} ${trial.status} ${trial.reason}`).join('\n')}`,
      );
      assert.equal(trials.length, expected.trials, file);
      assert.deepEqual(
        trials.map((trial) => trial.index),
        [...Array(expected.trials).keys()],
        'trial indices 0..n-1, each once',
      );
      const sweepRun = await mlflowRun(sweep.runId);
      for (const trial of trials) {
        assert.equal(trial.status, 'Completed', `${trial.job}: ${trial.reason}`);
        assert.equal(trial.job, `${name}_${trial.index}`);
        assert.ok(trial.objective !== null && Number.isFinite(trial.objective), `${trial.job} has an objective`);
        const run = await mlflowRun(trial.runId!);
        assert.equal(tag(run, 'mlflow.parentRunId'), sweep.runId, "a trial's run is a child of the sweep's");
        expected.check(trial, run);
      }
      // Random sampling: the trials do not all share one point.
      assert.ok(new Set(trials.map((trial) => JSON.stringify(trial.parameters))).size > 1, `${file}: the trials differ`);
      const goal = String((sweep.spec.objective as { goal: string }).goal);
      const objectives = trials.map((trial) => trial.objective!);
      const bestValue = goal === 'minimize' ? Math.min(...objectives) : Math.max(...objectives);
      assert.equal(sweep.best?.objective, bestValue, `${file}: the best trial has the best objective`);
      assert.equal(tag(sweepRun, 'best_child_run_id'), sweep.best?.runId);
      assert.equal(sweepRun.info.status, 'FINISHED');

      const shown = await runCli(['job', 'show', '--name', name], { url: trellis.url });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`best trial:\\s+${sweep.best?.job}`));
      assert.match(
        shown.stdout,
        new RegExp(`progress:\\s+${expected.trials} of ${expected.trials} trials: 0 running, ${expected.trials} completed`),
      );
    }

    // job download of a sweep fetches its best trial's logs and outputs.
    const hello = submitted.find(({ file }) => file === 'basics/hello-sweep.yml')!;
    const best = (await trellis.client.getSweep('default', hello.name)).best!;
    const downloaded = await runCli(['job', 'download', '--name', hello.name, '--download-path', downloads], { url: trellis.url });
    assert.equal(downloaded.code, 0, downloaded.stderr);
    const files = await readdir(join(downloads, best.job), { recursive: true });
    assert.ok(
      files.some((file) => file.endsWith('std_log.txt')),
      `the best trial's log is among ${files.join(', ')}`,
    );
  });
});
