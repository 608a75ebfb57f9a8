import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, openBrowserPage } from './support/browser.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The links the MLflow client prints (`View run <name> at: <tracking URI>/#/experiments/<id>/runs/<run>`,
 * and the registry's `/#/models/<name>/versions/<v>`) opened in a real browser (Debian's chromium)
 * against a real `trellis up`: each lands on the studio's page for what it names, in the workspace
 * of the tracking URI (the server root is the default workspace, /workspaces/<ws>/mlflow another).
 */
describe('MLflow UI links open the studio page they name', { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  const made: Record<string, { experimentId: string; runId: string }> = {};

  before(async () => {
    trellis = await startTrellis();
    await trellis.client.createWorkspace({ name: 'dev' });
    for (const [workspace, trackingUri] of [
      ['default', trellis.url],
      ['dev', `${trellis.url}/workspaces/dev/mlflow`],
    ] as const) {
      const { experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(trackingUri, 'experiments/create', {
        name: `links-${workspace}`,
      });
      const run = (
        await mlflowPost<{ run: { info: { run_id: string } } }>(trackingUri, 'runs/create', {
          experiment_id: experimentId,
          run_name: `printed-run-${workspace}`,
        })
      ).run;
      made[workspace] = { experimentId, runId: run.info.run_id };
    }
    await mlflowPost(trellis.url, 'registered-models/create', { name: 'linked-model' });
    await mlflowPost(trellis.url, 'model-versions/create', {
      name: 'linked-model',
      source: `runs:/${made.default!.runId}/model`,
      run_id: made.default!.runId,
    });
    ({ browser, page } = await openBrowserPage());
  });
  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it("a run's link, as the client prints it for the default workspace, opens that run's page", async () => {
    const { experimentId, runId } = made.default!;
    await page.goto(`${trellis.url}/#/experiments/${experimentId}/runs/${runId}`);
    await page.waitForURL(new RegExp(`/studio/w/default/runs/${runId}$`));
    await page.getByRole('heading', { name: /printed-run-default/ }).waitFor();
  });

  it("a run's link under /workspaces/<ws>/mlflow opens the run in that workspace", async () => {
    const { experimentId, runId } = made.dev!;
    await page.goto(`${trellis.url}/workspaces/dev/mlflow/#/experiments/${experimentId}/runs/${runId}`);
    await page.waitForURL(new RegExp(`/studio/w/dev/runs/${runId}$`));
    await page.getByRole('heading', { name: /printed-run-dev/ }).waitFor();
  });

  it("an experiment's link opens its runs", async () => {
    const { experimentId } = made.default!;
    await page.goto(`${trellis.url}/#/experiments/${experimentId}`);
    await page.waitForURL(new RegExp(`/studio/w/default/experiments/${experimentId}$`));
    await page.getByRole('heading', { name: 'links-default' }).waitFor();
  });

  it("a model version's link opens that version", async () => {
    await page.goto(`${trellis.url}/#/models/linked-model/versions/1`);
    await page.waitForURL(/\/studio\/w\/default\/models\/linked-model\/versions\/1$/);
    await page.getByRole('heading', { name: /^Version 1/ }).waitFor();
  });

  it('the server root with no fragment still opens the experiments', async () => {
    await page.goto(`${trellis.url}/`);
    await page.waitForURL(/\/studio\/w\/default\/experiments$/);
    assert.equal(new URL(page.url()).hash, '');
  });
});
