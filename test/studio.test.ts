import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { mlflowPost } from './support/mlflow-rest.js';

/**
 * The studio in a real browser (Debian's chromium through playwright-core) against a real
 * `trellis up`: data is made through the MLflow REST API, then each page is opened and checked
 * for what a user sees. Screenshots of each page go to test-output/studio/.
 */

// The callbacks given to page.evaluate and page.waitForFunction run in the browser, on its
// document; this file is compiled without the DOM library, so it declares what they use of it.
interface PageElement {
  readonly textContent: string | null;
  closest(selector: string): PageElement | null;
}
interface PageCanvas extends PageElement {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } };
}
declare const document: {
  readonly documentElement: { readonly dataset: Record<string, string | undefined> };
  querySelector(selector: string): PageElement | null;
  querySelectorAll<Found extends PageElement = PageElement>(selector: string): ArrayLike<Found> & Iterable<Found>;
};

const runCount = 30;
const longSteps = 5_000;

describe('the studio in chromium', { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let experimentId: string;
  let longRunId: string;

  before(async () => {
    trellis = await startTrellis();
    shots = await screenshotFolder();
    experimentId = (await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', { name: 'studio-demo' })).experiment_id;
    for (let index = 0; index < runCount; index++) {
      const run = (
        await mlflowPost<{ run: { info: { run_id: string } } }>(trellis.url, 'runs/create', {
          experiment_id: experimentId,
          run_name: `run-${String(index).padStart(2, '0')}`,
          start_time: Date.now() - (runCount - index) * 1000,
        })
      ).run;
      const now = Date.now();
      await mlflowPost(trellis.url, 'runs/log-batch', {
        run_id: run.info.run_id,
        params: [
          { key: 'lr', value: String(0.001 * (index + 1)) },
          { key: 'model', value: index % 2 === 0 ? 'lr' : 'tree' },
        ],
        metrics: [{ key: 'accuracy', value: index / runCount, timestamp: now, step: 0 }],
        tags: [{ key: 'team', value: 'vision' }],
      });
      if (index === runCount - 1) longRunId = run.info.run_id;
      await mlflowPost(trellis.url, 'runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() });
    }
    // One long curve: 5,000 steps of a noisy decaying loss, in batches of 1,000.
    for (let start = 0; start < longSteps; start += 1_000) {
      const metrics = Array.from({ length: 1_000 }, (_, offset) => ({
        key: 'loss',
        value: Math.exp(-(start + offset) / 1_500) + 0.05 * Math.sin(start + offset),
        timestamp: 1_700_000_000_000 + start + offset,
        step: start + offset,
      }));
      await mlflowPost(trellis.url, 'runs/log-batch', { run_id: longRunId, metrics });
    }
    // Artifacts through the artifact proxy, as the MLflow client uploads them.
    const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${longRunId}`)).json()) as {
      run: { info: { artifact_uri: string } };
    };
    const root = run.run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    for (const [path, body] of [
      ['notes.txt', 'trained on iris\n'],
      ['eval/confusion.csv', 'label,setosa,versicolor\nsetosa,10,0\nversicolor,1,9\n'],
    ]) {
      const put = await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, { method: 'PUT', body });
      assert.equal(put.status, 200);
    }
    ({ browser, page } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it("lists the keys of an experiment's runs for the column picker, and answers 404 for an unknown experiment", async () => {
    const keys = (await (await fetch(`${trellis.url}/api/v1/workspaces/default/experiments/${experimentId}/keys`)).json()) as {
      metrics: string[];
      params: string[];
      tags: string[];
    };
    assert.deepEqual(keys.metrics, ['accuracy', 'loss']);
    assert.deepEqual(keys.params, ['lr', 'model']);
    assert.ok(keys.tags.includes('team') && keys.tags.includes('mlflow.runName'), JSON.stringify(keys.tags));
    const unknown = await fetch(`${trellis.url}/api/v1/workspaces/default/experiments/987654/keys`);
    assert.equal(unknown.status, 404, await unknown.text());
  });

  it('opens at the server root on the experiment list, served by trellis up itself', async () => {
    await page.goto(trellis.url);
    await page.waitForURL(/\/studio\/w\/default\/experiments$/);
    const row = page.getByRole('row', { name: /studio-demo/ });
    await row.waitFor();
    assert.equal(await page.title(), 'Trellis studio');
    await page.screenshot({ path: join(shots, 'experiments.png'), fullPage: true });
  });

  it('lists the runs, adds a metric column, sorts by it on the server, and filters with MLflow syntax', async () => {
    // Each test opens the page it starts from (the page is shared; none relies on where another left it).
    await page.goto(`${trellis.url}/studio/w/default/experiments`);
    await page.getByRole('link', { name: 'studio-demo' }).click();
    await page.waitForURL(new RegExp(`/experiments/${experimentId}$`));
    const rows = page.getByRole('table', { name: 'Runs' }).locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), runCount);

    await page.getByRole('combobox', { name: 'Add a column' }).selectOption('metrics.accuracy');
    await page.getByRole('columnheader', { name: /metrics\.accuracy/ }).waitFor();
    await page.getByRole('button', { name: /^metrics\.accuracy/ }).click();
    await page.waitForURL(/sort=metrics\.accuracy(\+|%20)DESC/);
    await page.waitForFunction(() => document.querySelector('table[aria-label="Runs"] tbody tr td a')?.textContent === 'run-29');
    // The view is in the URL: reloading it gives the same table.
    await page.reload();
    await page.getByRole('columnheader', { name: /metrics\.accuracy/ }).waitFor();
    assert.equal(await rows.first().locator('td a').first().textContent(), 'run-29');

    await page.getByRole('textbox', { name: 'Filter runs' }).fill("metrics.accuracy >= 0.5 and params.model = 'lr'");
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Runs"] tbody tr').length === 7);
    await page.screenshot({ path: join(shots, 'runs.png'), fullPage: true });
  });

  it("shows the server's words for a filter it cannot read, and changes nothing", async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}`);
    await page.getByRole('table', { name: 'Runs' }).locator('tbody tr').first().waitFor();
    await page.getByRole('textbox', { name: 'Filter runs' }).fill('metrics.accuracy >>> 1');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Invalid|filter/i);
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForFunction((count) => document.querySelectorAll('table[aria-label="Runs"] tbody tr').length === count, runCount);
  });

  it('moves through the run table with the keyboard and opens a run with Enter', async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}`);
    const first = page.getByRole('table', { name: 'Runs' }).locator('tbody tr').first();
    await first.waitFor();
    await first.focus();
    await page.keyboard.press('ArrowDown');
    const secondName = await page.locator('table[aria-label="Runs"] tbody tr:focus td a').textContent();
    assert.ok(secondName?.startsWith('run-'), `the focused row is ${secondName}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\/[0-9a-f]+$/);
    await page.getByRole('heading', { name: new RegExp(secondName!) }).waitFor();
    await page.goBack();
  });

  it('compares picked runs: differences marked, params against a metric, a scatter, curves overlaid', async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}`);
    const table = page.getByRole('table', { name: 'Runs' });
    await table.locator('tbody tr').first().waitFor();
    // Two picked with the mouse, one with Space on a focused row.
    await page
      .getByRole('checkbox', { name: /^Pick / })
      .nth(0)
      .check();
    await page
      .getByRole('checkbox', { name: /^Pick / })
      .nth(1)
      .check();
    await table.locator('tbody tr').nth(2).focus();
    await page.keyboard.press(' ');
    await page.getByRole('button', { name: 'Compare 3 runs' }).click();
    await page.waitForURL(/\/compare\?runs=[0-9a-f]+,[0-9a-f]+,[0-9a-f]+$/);
    const comparison = page.getByRole('table', { name: 'Comparison' });
    await comparison.waitFor();
    assert.equal(await comparison.locator('thead th').count(), 4);
    // lr and accuracy differ between the runs, team does not appear (a tag), model may or may not.
    assert.ok((await comparison.locator('tr.differs', { hasText: 'lr' }).count()) >= 1);
    assert.equal(await comparison.locator('tr.differs', { hasText: 'accuracy' }).count(), 1);
    assert.equal(await page.locator('svg.parallel polyline.run-line').count(), 3);
    assert.equal(await page.locator('svg.scatter circle.dot').count(), 3);
    await page.getByRole('checkbox', { name: 'only what differs' }).check();
    assert.equal(await comparison.locator('tbody tr:not(.differs)').count(), 0);
    await page.locator('figure.metric-panel canvas').first().waitFor();
    await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true });
  });

  it('draws a 5,000-step curve downsampled on the server, with its params, tags and artifacts', async () => {
    await page.goto(`${trellis.url}/studio/w/default/runs/${longRunId}`);
    await page.getByRole('heading', { name: /run-29/ }).waitFor();
    const caption = page.locator('figure.metric-panel figcaption', { hasText: /of 5,000 points/ });
    await caption.waitFor();
    assert.match((await caption.textContent()) ?? '', /1,500 of 5,000 points \(downsampled on the server, LTTB\)/);
    // The canvas has been drawn on: some of its pixels are not blank.
    const painted = await page.evaluate(() => {
      const canvas = [...document.querySelectorAll<PageCanvas>('figure.metric-panel canvas')].find((element) =>
        element.closest('figure')?.textContent?.includes('loss'),
      );
      if (!canvas) return 0;
      const pixels: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) count++;
      return count;
    });
    assert.ok(painted > 500, `only ${painted} pixels of the loss chart are drawn`);
    assert.equal(await page.getByRole('table', { name: 'Parameters' }).getByRole('row', { name: /lr/ }).count(), 1);
    assert.ok((await page.getByRole('table', { name: 'Tags' }).textContent())?.includes('vision'));

    await page.getByRole('button', { name: 'notes.txt' }).click();
    await page.locator('pre.preview-text', { hasText: 'trained on iris' }).waitFor();
    await page.getByRole('button', { name: 'eval/' }).click();
    await page.getByRole('button', { name: 'confusion.csv' }).click();
    await page.locator('.artifact-preview table').getByRole('cell', { name: 'versicolor' }).first().waitFor();

    await page.getByRole('checkbox', { name: 'log scale' }).check();
    await page.screenshot({ path: join(shots, 'run.png'), fullPage: true });
  });

  it('switches to the dark theme and keeps it across a reload', async () => {
    await page.goto(`${trellis.url}/studio/w/default/runs/${longRunId}`);
    await page.getByRole('heading', { name: /run-29/ }).waitFor();
    await page.getByRole('button', { name: /dark theme/ }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.reload();
    await page.getByRole('heading', { name: /run-29/ }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.screenshot({ path: join(shots, 'run-dark.png'), fullPage: true });
    await page.getByRole('button', { name: /light theme/ }).click();
  });

  it('changes workspace with the picker, and a workspace without experiments of its own does not see these', async () => {
    const created = await fetch(`${trellis.url}/api/v1/workspaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'team-b' }),
    });
    assert.ok(created.status < 300, await created.text());
    await page.goto(`${trellis.url}/studio/w/default/experiments`);
    await page.getByRole('combobox', { name: 'Workspace' }).selectOption('team-b');
    await page.waitForURL(/\/studio\/w\/team-b\/experiments$/);
    await page.getByRole('heading', { name: 'Experiments' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    await page.getByRole('link', { name: 'Default' }).waitFor();
    assert.equal(await page.getByText('studio-demo').count(), 0);
    await page.screenshot({ path: join(shots, 'workspace-b.png'), fullPage: true });
  });

  it('answers an address that is not a page with a page saying so', async () => {
    await page.goto(`${trellis.url}/studio/w/default/nothing-here`);
    await page.getByRole('heading', { name: 'No such page' }).waitFor();
  });
});
