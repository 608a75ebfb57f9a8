import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { finished, waitForJob } from './support/jobs.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { mlflowPost } from './support/mlflow-rest.js';

/**
 * The studio's model pages in chromium: a job (code folder, a data input) makes a run, a model
 * version is registered from that run through MLflow's REST API with an alias, and a batch
 * deployment serves it; the model page shows the versions and the lineage from the data, code and
 * environment through the job and run to the version and on to the deployment.
 */

describe('the studio model pages in chromium', { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let scratch: string;
  let jobName: string;
  let runId: string;

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '2' } });
    shots = await screenshotFolder();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-studio-models-'));
    await mkdir(join(scratch, 'src'));
    await mkdir(join(scratch, 'data'));
    await writeFile(join(scratch, 'src', 'train.sh'), 'echo "training on $1"\nwc -l "$1/rows.csv"\n');
    await writeFile(join(scratch, 'data', 'rows.csv'), 'x,y\n1,2\n3,4\n');
    await writeFile(
      join(scratch, 'cluster.yml'),
      'name: cpu-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 1\n',
    );
    await writeFile(
      join(scratch, 'job.yml'),
      [
        'command: bash train.sh ${{inputs.training_data}}',
        'code: ./src',
        'inputs:',
        '  training_data:',
        '    type: uri_folder',
        '    path: ./data',
        'environment: trellis-node',
        'compute: azureml:cpu-cluster',
        'experiment_name: lineage-demo',
        '',
      ].join('\n'),
    );
    for (const args of [
      ['compute', 'create', '--file', 'cluster.yml'],
      ['job', 'create', '--file', 'job.yml', '-o', 'json'],
    ]) {
      const result = await runCli(args, { url: trellis.url, cwd: scratch });
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      if (args[1] === 'create' && args[0] === 'job') jobName = (JSON.parse(result.stdout) as { name: string }).name;
    }
    const job = await waitForJob(trellis.client, jobName, finished, 120_000);
    assert.equal(job.state, 'Completed', job.reason ?? '');
    runId = job.runId;

    // The job's run gets a model folder, which is registered through MLflow, with an alias.
    const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as {
      run: { info: { artifact_uri: string } };
    };
    const root = run.run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const put = await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${root}/model/MLmodel`, {
      method: 'PUT',
      body: 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n',
    });
    assert.equal(put.status, 200);
    await mlflowPost(trellis.url, 'registered-models/create', { name: 'lineage-model' });
    await mlflowPost(trellis.url, 'model-versions/create', { name: 'lineage-model', source: `runs:/${runId}/model`, run_id: runId });
    await mlflowPost(trellis.url, 'registered-models/alias', { name: 'lineage-model', alias: 'champion', version: '1' });

    // A batch deployment serves it (a record: nothing runs until it is invoked).
    await trellis.client.applyBatchEndpoint('default', { fileName: 'endpoint.yml', text: 'name: lineage-batch\n' });
    await trellis.client.applyBatchDeployment('default', 'lineage-batch', {
      fileName: 'deployment.yml',
      text: 'name: scorer\nendpoint_name: lineage-batch\nmodel: azureml:lineage-model:1\ncompute: azureml:cpu-cluster\n',
      uploads: {},
    });

    ({ browser, page } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('lists the registered model, and its versions with their aliases and run', async () => {
    await page.goto(`${trellis.url}/studio/w/default/models`);
    await page.getByRole('link', { name: 'lineage-model' }).click();
    await page.waitForURL(/\/models\/lineage-model$/);
    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.locator('tbody tr').first().waitFor();
    const row = versions.locator('tbody tr').first();
    assert.match((await row.textContent()) ?? '', /1@champion/);
  });

  it('draws the lineage: data, code and environment into the job, its run, the version, the deployment serving it', async () => {
    // The model's page, opened here (the page is shared; this test does not rely on where another left it).
    await page.goto(`${trellis.url}/studio/w/default/models/lineage-model`);
    const graph = page.getByRole('img', { name: 'Lineage' });
    await graph.locator('[data-kind="batch deployment"]').waitFor();
    for (const kind of ['data', 'code', 'environment', 'job', 'run', 'model'])
      assert.equal(await graph.locator(`[data-kind="${kind}"]`).count(), 1, `one ${kind} node`);
    assert.match((await graph.locator('[data-kind="environment"]').textContent()) ?? '', /trellis-node/);
    assert.match((await graph.locator('[data-kind="job"]').textContent()) ?? '', new RegExp(jobName.slice(0, 20)));
    assert.equal(await graph.locator('path.edge').count(), 6);
    assert.match((await page.locator('dl.facts').textContent()) ?? '', /batch endpoint lineage-batch \/ scorer/);
    await page.screenshot({ path: join(shots, 'model.png'), fullPage: true });
    // The run node leads to the run.
    await graph.locator('[data-kind="run"]').click();
    await page.waitForURL(new RegExp(`/runs/${runId}$`));
    // A job's run shows the job's log.
    await page.getByRole('heading', { name: 'Job log' }).waitFor();
    await page
      .getByText(/training on /)
      .first()
      .waitFor();
  });

  it('tells a workspace without models how to register one', async () => {
    const created = await fetch(`${trellis.url}/api/v1/workspaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'empty-models' }),
    });
    assert.ok(created.status < 300);
    await page.goto(`${trellis.url}/studio/w/empty-models/models`);
    await page.getByRole('heading', { name: 'No models registered yet' }).waitFor();
  });
});
