import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PipelineJobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// azureml-examples' pipeline_with_hyperparameter_sweep (commit 085cd6ea, kept byte for byte: NOTICE.md).
const example = join(
  repositoryRoot,
  'test',
  'fixtures',
  'azureml-examples',
  'cli',
  'jobs',
  'pipelines-with-components',
  'pipeline_with_hyperparameter_sweep',
);
const dataMirror = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'data-mirror');

describe('a sweep as a pipeline step: pipeline_with_hyperparameter_sweep runs unchanged', () => {
  let trellis: TrellisProcess;
  let environments: string;

  before(async () => {
    // Its components run `pip install 'mlflow<2.19'` in their environment, as the example's containers may. Environments here
    // are shared virtualenvs, not containers (docs/sweeps.md, Not yet): this server builds its own copy of that environment, so
    // the cache the other tests use keeps its MLflow, and its cluster has one node, so no two trials pip-install into it at once.
    environments = await mkdtemp(join(tmpdir(), 'trellis-sweep-step-envs-'));
    trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environments, TRELLIS_JOB_TICK_MS: '200', TRELLIS_DATA_MIRROR: dataMirror } });
    const cluster = await runCli(['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--max-instances', '1'], {
      url: trellis.url,
    });
    assert.equal(cluster.code, 0, cluster.stderr);
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (environments) await rm(environments, { recursive: true, force: true });
  });

  it("sweeps the train component's inputs, then predicts with the best trial's model", { timeout: 1_200_000 }, async () => {
    const result = await runCli(['job', 'create', '--file', join(example, 'pipeline.yml'), '-o', 'json'], { url: trellis.url });
    assert.equal(result.code, 0, result.stderr);
    const name = (JSON.parse(result.stdout) as PipelineJobBody).name;
    const pipeline = await waitFor(() => trellis.client.getPipeline('default', name), {
      until: (found) => ['Completed', 'Failed', 'Canceled'].includes(found.state),
      timeoutMs: 1_100_000,
      intervalMs: 500,
      what: 'the pipeline to end',
    });
    const sweepStep = pipeline.steps?.find((step) => step.step === 'sweep_step');
    const predictStep = pipeline.steps?.find((step) => step.step === 'predict_step');
    assert.ok(sweepStep?.job && predictStep?.job);
    const sweep = await trellis.client.getSweep('default', sweepStep.job);
    assert.equal(
      pipeline.state,
      'Completed',
      `${pipeline.reason}\n${JSON.stringify(pipeline.steps, null, 2)}\n${JSON.stringify(sweep.trials, null, 2)}`,
    );
    assert.equal(sweepStep.status, 'Completed');

    // The sweep step ran as a sweep of 5 trials over c_value, kernel and coef0, its run a child of the pipeline's.
    const trials = sweep.trials ?? [];
    assert.equal(trials.length, 5);
    for (const trial of trials) {
      assert.equal(trial.status, 'Completed', `${trial.job}: ${trial.reason}`);
      assert.ok(Number(trial.parameters.c_value) >= 0.5 && Number(trial.parameters.c_value) <= 0.9);
      assert.ok(['rbf', 'linear', 'poly'].includes(String(trial.parameters.kernel)));
      // The swept values reached the component as its inputs: autolog recorded SVC's C and kernel as the trial ran them.
      const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${trial.runId}`)).json()) as {
        run: { data: { params?: Array<{ key: string; value: string }> } };
      };
      const params = Object.fromEntries((run.run.data.params ?? []).map((param) => [param.key, param.value]));
      assert.equal(Number(params.C), Number(trial.parameters.c_value));
      assert.equal(params.kernel, String(trial.parameters.kernel));
    }
    const sweepRun = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${sweep.runId}`)).json()) as {
      run: { data: { tags?: Array<{ key: string; value: string }> } };
    };
    assert.equal(sweepRun.run.data.tags?.find((tag) => tag.key === 'mlflow.parentRunId')?.value, pipeline.runId);

    // predict_step read the best trial's model_output and test_data.
    const predict = await trellis.client.getJob('default', predictStep.job);
    assert.equal(predict.state, 'Completed', predict.reason ?? '');
    const best = sweep.best;
    assert.ok(best, 'the sweep has a best trial');
    const modelInput = predict.lineage.inputs.model;
    assert.match(
      JSON.stringify(modelInput),
      new RegExp(`azureml_${best.job}_output_data_model_output`),
      "the model the predict step read is the best trial's",
    );
  });
});
