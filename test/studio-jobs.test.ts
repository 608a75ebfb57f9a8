import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { finished, waitForJob } from './support/jobs.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The studio's jobs and compute pages in chromium against a real `trellis up`: a cluster and
 * jobs made through the API (plain bash on the trellis-node environment, so no Python env is
 * built), then each page opened and checked for what a user sees. Screenshots in test-output/studio/.
 */

// Callbacks given to page.waitForFunction run in the browser, on its document (declared here with
// just what they use: this file is compiled without the DOM library).
declare const document: {
  querySelector(selector: string): { readonly textContent: string | null } | null;
  querySelectorAll(selector: string): { readonly length: number };
};

const cluster = `
name: cpu-cluster
type: amlcompute
size: Standard_DS3_v2
min_instances: 0
max_instances: 3
idle_time_before_scale_down: 30
`;

const job = (name: string, command: string) =>
  [
    `name: ${name}`,
    `display_name: ${name} demo`,
    `command: ${JSON.stringify(command)}`,
    'environment: azureml:trellis-node@latest',
    'compute: azureml:cpu-cluster',
    '',
  ].join('\n');

describe("the studio's jobs and compute pages in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '2' } });
    shots = await screenshotFolder();
    await trellis.client.apply('default', { fileName: 'compute.yml', text: cluster, kind: 'compute' });
    const submit = (name: string, command: string) =>
      trellis.client.submitJob('default', { fileName: `${name}.yml`, text: job(name, command), uploads: {}, inlined: {} });
    await submit('counter', 'for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 1; done');
    await submit('broken', 'echo "about to fail" && exit 3');
    await submit('long-one', 'echo "started long"; sleep 120');
    ({ browser, page } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('lists the jobs with their states, filters by state in the URL, and opens a job from the keyboard', async () => {
    await waitForJob(trellis.client, 'broken', finished, 30_000);
    await page.goto(`${trellis.url}/studio/w/default/jobs`);
    const table = page.getByRole('table', { name: 'Jobs' });
    await table.getByRole('row', { name: /broken.*Failed/ }).waitFor();
    await table.getByRole('row', { name: /long-one/ }).waitFor();
    assert.equal(await table.locator('tbody tr').count(), 3);
    await page.screenshot({ path: join(shots, 'jobs.png'), fullPage: true });

    await page.getByRole('combobox', { name: 'Filter by state' }).selectOption('Failed');
    await page.waitForURL(/state=Failed/);
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Jobs"] tbody tr').length === 1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Jobs"] tbody tr').length === 3);

    await table.locator('tbody tr').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/jobs\/[\w-]+$/);
    await page.getByRole('heading', { name: /demo/ }).waitFor();
  });

  it('tails the log of a running job as it prints, and shows its states and MLflow run', async () => {
    await waitForJob(trellis.client, 'counter', (body) => body.state === 'Running' || finished(body), 30_000);
    await page.goto(`${trellis.url}/studio/w/default/jobs/counter`);
    await page.getByRole('heading', { name: /counter demo/ }).waitFor();
    const log = page.getByLabel('Job log');
    await page.waitForFunction(() => document.querySelector('pre.log')?.textContent?.includes('tick 6'), undefined, { timeout: 20_000 });
    assert.match((await log.textContent()) ?? '', /tick 1[\s\S]*tick 6/);
    await page.locator('.badge', { hasText: 'Completed' }).first().waitFor({ timeout: 15_000 });
    await page.getByText('the log is complete').waitFor({ timeout: 15_000 });
    const history = page.getByRole('table', { name: 'State history' });
    await history.getByRole('row', { name: /Completed/ }).waitFor();
    assert.ok((await history.textContent())?.includes('Running'));
    const runId = (await trellis.client.getJob('default', 'counter')).runId;
    assert.equal(await page.getByRole('link', { name: runId }).getAttribute('href'), `/studio/w/default/runs/${runId}`);
    await page.screenshot({ path: join(shots, 'job.png'), fullPage: true });
  });

  it("shows a failed job's reason in the server's words", async () => {
    await page.goto(`${trellis.url}/studio/w/default/jobs/broken`);
    await page
      .getByText(/exited with code 3/)
      .first()
      .waitFor();
    await page.waitForFunction(() => document.querySelector('pre.log')?.textContent?.includes('about to fail'));
  });

  it('cancels a running job from its page after a confirmation', async () => {
    await waitForJob(trellis.client, 'long-one', (body) => body.state === 'Running', 30_000);
    await page.goto(`${trellis.url}/studio/w/default/jobs/long-one`);
    await page.waitForFunction(() => document.querySelector('pre.log')?.textContent?.includes('started long'), undefined, {
      timeout: 15_000,
    });
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('group', { name: 'Confirm cancel' }).waitFor();
    await page.screenshot({ path: join(shots, 'job-cancel.png'), fullPage: true });
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('h1 .badge', { hasText: 'Canceled' }).waitFor({ timeout: 20_000 });
    assert.equal((await trellis.client.getJob('default', 'long-one')).state, 'Canceled');
    await page.getByText('the log is complete').waitFor({ timeout: 10_000 });
  });

  it('lists the cluster with its node-hours, and its page shows the nodes over time', async () => {
    await page.goto(`${trellis.url}/studio/w/default/computes`);
    const row = page.getByRole('table', { name: 'Clusters' }).getByRole('row', { name: /cpu-cluster/ });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    assert.match(text, /Standard_DS3_v2/);
    const hours = /(\d+\.\d{4})\$/.exec(text.replace(/\s/g, ''));
    assert.ok(hours && Number(hours[1]) > 0, `no node-hours in: ${text}`);
    await page.screenshot({ path: join(shots, 'computes.png'), fullPage: true });

    await row.getByRole('link', { name: 'cpu-cluster' }).click();
    await page.waitForURL(/\/computes\/cpu-cluster$/);
    await page.getByRole('heading', { name: 'cpu-cluster' }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    assert.ok(Number(await page.locator('.chart').getAttribute('data-points')) > 2);
    await page
      .getByRole('table', { name: 'Jobs on this compute' })
      .getByRole('row', { name: /counter/ })
      .waitFor();
    await page.screenshot({ path: join(shots, 'compute.png'), fullPage: true });

    // The chart's source: the cluster's nodes over the last day, removed ones too; a bad `since` is refused.
    const nodesUrl = `${trellis.url}/api/v1/workspaces/default/computes/cpu-cluster/nodes`;
    const withHistory = (await (await fetch(`${nodesUrl}?since=0`)).json()) as {
      nodes: Array<{ nodeId: string }>;
      history: Array<{ nodeId: string; createdAt: number }>;
    };
    assert.ok(withHistory.history.length >= 1 && withHistory.history.length >= withHistory.nodes.length, JSON.stringify(withHistory));
    assert.ok(withHistory.nodes.every((node) => withHistory.history.some((item) => item.nodeId === node.nodeId)));
    assert.equal(((await (await fetch(nodesUrl)).json()) as { history?: unknown }).history, undefined);
    assert.equal((await fetch(`${nodesUrl}?since=-5`)).status, 400);
  });

  it('tells a workspace without jobs or clusters what to run', async () => {
    const created = await fetch(`${trellis.url}/api/v1/workspaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'empty-team' }),
    });
    assert.ok(created.status < 300, await created.text());
    await page.goto(`${trellis.url}/studio/w/empty-team/jobs`);
    await page.getByRole('heading', { name: 'No jobs yet' }).waitFor();
    assert.ok((await page.locator('.empty').textContent())?.includes('trellis job create --file job.yml'));
    await page.goto(`${trellis.url}/studio/w/empty-team/computes`);
    await page.getByRole('heading', { name: 'No compute clusters yet' }).waitFor();
    await page.goto(`${trellis.url}/studio/w/default/jobs/no-such-job`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /no-such-job/);
  });
});
