import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { SweepJobBody } from '../src/client/trellis-client.js';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The studio's sweep page and the sweeps in the jobs list, in chromium against a real `trellis up`:
 * a sweep of four trials over x and y, minimizing `loss`, with a bandit policy, submitted with
 * `trellis job create`, watched live until it ends. The sampler may pick any x and y from the
 * search space (the trial script makes two trials good and two poor whichever it picks), so the
 * test asserts relationships — the order of the table, the best trial against the others, the
 * policy's stops against the objectives — not sampled values. Screenshots in test-output/studio/.
 */

const environment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const settings = {
  TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
  TRELLIS_JOB_TICK_MS: '200',
  TRELLIS_JOB_GRACE_SECONDS: '2',
};
const sweepName = 'studio-sweep';
/** A poor trial's loss is above this, a good trial's below (whatever the sampler picks: see the script). */
const poorLoss = 1;

/**
 * The trial: loss = |x − 2.2| + y/100, so for x near 2.2 it is below 1 and for x far from it
 * above. A good trial reports 80 steps at once and ends; a poor one reports 60 steps, one every
 * half second. By the time a poor trial is judged, a good one has reported at every step it has
 * reached, so the bandit policy (best + 0.5) stops every poor trial and never a good one.
 */
const trialScript = `import argparse, time
import mlflow
parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float)
parser.add_argument("--y", type=float)
args = parser.parse_args()
loss = abs(args.x - 2.2) + args.y / 100
if loss < ${poorLoss}:
    for step in range(1, 81):
        mlflow.log_metric("loss", loss, step=step)
else:
    for step in range(1, 61):
        mlflow.log_metric("loss", loss, step=step)
        time.sleep(0.5)
`;

const sweepFile = [
  'type: sweep',
  `name: ${sweepName}`,
  'display_name: studio sweep',
  'experiment_name: studio-sweeps',
  'compute: azureml:cpu-cluster',
  'trial:',
  '  code: ./src',
  '  command: python trial.py --x ${{search_space.x}} --y ${{search_space.y}}',
  `  environment: ${environment}`,
  'search_space:',
  '  x:',
  '    type: choice',
  '    values: [0.5, 2.5]',
  '  y:',
  '    type: choice',
  '    values: [1, 10]',
  'sampling_algorithm: grid',
  'objective:',
  '  goal: minimize',
  '  primary_metric: loss',
  'limits:',
  '  max_total_trials: 4',
  '  max_concurrent_trials: 4',
  'early_termination:',
  '  type: bandit',
  '  slack_amount: 0.5',
  '  evaluation_interval: 1',
  '  delay_evaluation: 2',
  '',
].join('\n');

const ended = (sweep: SweepJobBody) => ['Completed', 'Failed', 'Canceled'].includes(sweep.state);
const numberIn = (text: string) => Number(/-?\d+(\.\d+)?(e-?\d+)?/.exec(text)?.[0]);
/** The studio writes numbers to six significant digits. */
const isShownAs = (value: number | null, shown: number) => value !== null && Math.abs(value - shown) <= 1e-5 * Math.max(1, Math.abs(value));

describe("the studio's sweep page in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let scratch: string;
  /** The sweep as the API answers once it ended. */
  let sweep: SweepJobBody;

  before(async () => {
    trellis = await startTrellis({ env: settings });
    shots = await screenshotFolder();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-studio-sweeps-'));
    await mkdir(join(scratch, 'src'));
    await writeFile(join(scratch, 'src', 'trial.py'), trialScript);
    await writeFile(join(scratch, 'sweep.yml'), sweepFile);
    const cluster = await runCli(
      ['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--min-instances', '0', '--max-instances', '4'],
      { url: trellis.url },
    );
    assert.equal(cluster.code, 0, cluster.stderr);
    ({ browser, page } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('follows the sweep live to its end: best trial, trials best first with their hyperparameters, the stops, the charts', {
    timeout: 300_000,
  }, async () => {
    const created = await runCli(['job', 'create', '--file', join(scratch, 'sweep.yml'), '-o', 'json'], { url: trellis.url });
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as SweepJobBody).name, sweepName);
    await page.goto(`${trellis.url}/studio/w/default/sweeps/${sweepName}`);
    await page.getByRole('heading', { name: /studio sweep/ }).waitFor();
    // While it runs: cancel offered, trials appearing; the page is never reloaded from here on.
    await page.getByRole('button', { name: 'Cancel sweep' }).waitFor();
    await page.getByRole('table', { name: 'Trials' }).locator('tbody tr').first().waitFor({ timeout: 120_000 });
    await page.screenshot({ path: join(shots, 'sweep-running.png'), fullPage: true });
    await page.locator('h1 .badge', { hasText: /^(Completed|Failed|Canceled)$/ }).waitFor({ timeout: 240_000 });
    sweep = await waitFor(() => trellis.client.getSweep('default', sweepName), { what: 'the sweep ended', until: ended });
    assert.equal(sweep.state, 'Completed', sweep.reason ?? '');
    await page.locator('h1 .badge', { hasText: 'Completed' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel sweep' }).count(), 0);
    const trials = sweep.trials ?? [];
    assert.equal(trials.length, 4);
    const byIndex = new Map(trials.map((trial) => [trial.index, trial]));

    // The policy stopped exactly the poor trials; the good ones completed.
    const stopped = trials.filter((trial) => trial.stopReason !== null);
    const poor = trials.filter((trial) => (trial.objective ?? 0) > poorLoss);
    assert.equal(poor.length, 2, `two poor trials: ${trials.map((trial) => `${trial.job}=${trial.objective}`).join(', ')}`);
    assert.deepEqual(
      stopped.map((trial) => trial.index),
      poor.map((trial) => trial.index),
      `the bandit policy stopped the poor trials: ${trials.map((trial) => `${trial.job}=${trial.objective} ${trial.status}`).join(', ')}`,
    );

    // The header: objective, progress, and the best trial with its objective, hyperparameters and job page.
    const sweepFacts = (await page.locator('dl.facts[aria-label="Sweep"]').textContent()) ?? '';
    assert.match(sweepFacts, /Objectiveminimize loss/);
    assert.match(sweepFacts, /4 of 4 trials: 0 running, 2 completed, 2 stopped early, 0 failed, 0 without objective/);
    assert.match(sweepFacts, /bandit \(slack_amount 0\.5, evaluation_interval 1, delay_evaluation 2\)/);
    const best = sweep.best;
    assert.ok(best, 'the sweep has a best trial');
    const completed = trials.filter((trial) => trial.status === 'Completed');
    assert.equal(best.objective, Math.min(...completed.map((trial) => trial.objective ?? Number.POSITIVE_INFINITY)));
    const bestFacts = page.locator('dl.facts[aria-label="Best trial"]');
    const bestLink = bestFacts.getByRole('link', { name: best.job, exact: true });
    assert.equal(await bestLink.getAttribute('href'), `/studio/w/default/jobs/${best.job}`);
    const bestText = (await bestFacts.textContent()) ?? '';
    assert.match(bestText, new RegExp(`x: ${best.parameters.x}`));
    assert.match(bestText, new RegExp(`y: ${best.parameters.y}`));
    assert.ok(isShownAs(best.objective, numberIn(bestText.split('loss')[1] ?? '')), bestText);

    // The trials table: best first for minimize, one column per hyperparameter, the stopped rows marked with the policy's reason.
    const table = page.getByRole('table', { name: 'Trials' });
    await waitFor(() => table.locator('tbody tr').count(), { what: 'four trial rows', until: (count) => count === 4 });
    assert.deepEqual(await table.locator('th[data-parameter]').allTextContents(), ['x', 'y']);
    const headers = await table.locator('thead th').allTextContents();
    const column = (name: string) => headers.indexOf(name);
    const rows = await table.locator('tbody tr').all();
    const shown: number[] = [];
    for (const row of rows) {
      const trial = byIndex.get(Number(await row.getAttribute('data-trial')));
      assert.ok(trial);
      const cells = await row.locator('td').allTextContents();
      assert.match(cells[0] ?? '', new RegExp(`^${trial.job}`));
      assert.ok(isShownAs(trial.objective, numberIn(cells[column('loss')] ?? '')), `${trial.job}: ${cells[column('loss')]}`);
      assert.equal(cells[column('x')], String(trial.parameters.x));
      assert.equal(cells[column('y')], String(trial.parameters.y));
      const isStopped = trial.stopReason !== null;
      assert.equal(/\bstopped\b/.test((await row.getAttribute('class')) ?? ''), isStopped, `${trial.job} marked as stopped`);
      assert.equal(await row.locator('.stopped-mark').count(), isStopped ? 1 : 0);
      if (isStopped) {
        assert.match(cells[column('Status')] ?? '', /Canceled\s*stopped early/);
        assert.match(cells[column('Reason')] ?? '', /^bandit policy \(slack_amount 0\.5\) at interval \d+: /);
      } else assert.match(cells[column('Status')] ?? '', /^Completed$/);
      shown.push(trial.objective ?? Number.NaN);
    }
    assert.deepEqual(
      shown,
      [...shown].sort((a, b) => a - b),
      'lowest loss first',
    );
    assert.match((await rows[0]?.locator('td').first().textContent()) ?? '', new RegExp(`^${best.job}\\s*★ best`));

    // The objective over the trials: a point per trial at its index (crosses for the stopped), and the best-so-far step line ending at the best.
    const chart = page.getByRole('img', { name: 'loss over trials' });
    assert.equal(await chart.locator('.trial-point').count(), 4);
    assert.equal(await chart.locator('.trial-point.stopped').count(), stopped.length);
    assert.equal(await chart.locator('circle.trial-point').count(), 4 - stopped.length);
    const line = chart.locator('path.best-so-far');
    const firstCompleted = Math.min(...completed.map((trial) => trial.index));
    assert.equal(Number(await line.getAttribute('data-points')), 4 - firstCompleted, 'a point per index from the first completed trial on');
    const bestPoint = chart.locator(`circle.trial-point[data-trial="${best.index}"]`);
    const lineEnd = /([\d.]+)$/.exec((await line.getAttribute('d')) ?? '')?.[1];
    assert.equal(Number(lineEnd), Number(await bestPoint.getAttribute('cy')), 'the line ends at the best trial’s height');
    for (const trial of trials) {
      const point = chart.locator(`[data-trial="${trial.index}"]`);
      assert.equal(await point.count(), 1);
    }
    const cx = async (index: number) => Number(await chart.locator(`circle[data-trial="${index}"]`).getAttribute('cx'));
    const [left, right] = completed.map((trial) => trial.index).sort((a, b) => a - b);
    assert.ok(left !== undefined && right !== undefined && (await cx(left)) < (await cx(right)), 'trials left to right by index');

    // Parallel coordinates: an axis per hyperparameter and the objective, a line per trial; the best trial's line ends at the top.
    const parallel = page.getByRole('img', { name: 'Parallel coordinates of 4 runs' });
    assert.equal(await parallel.locator('polyline.run-line').count(), 4);
    assert.deepEqual(await parallel.locator('.axis-label').allTextContents(), ['x', 'y', 'loss']);
    const bestLine = parallel.locator('polyline.run-line', { has: page.locator('title', { hasText: best.job }) });
    const lastY = Number(((await bestLine.getAttribute('points')) ?? '').split(' ').at(-1)?.split(',')[1]);
    const tops = await Promise.all(
      (await parallel.locator('polyline.run-line').all()).map(async (item) =>
        Number(((await item.getAttribute('points')) ?? '').split(' ').at(-1)?.split(',')[1]),
      ),
    );
    assert.equal(lastY, Math.min(...tops), 'the best trial ends highest on the objective axis');
    await page.screenshot({ path: join(shots, 'sweep.png'), fullPage: true });

    // The best trial's job page leads back to the sweep.
    await bestLink.click();
    await page.waitForURL(new RegExp(`/jobs/${best.job}$`));
    const jobFacts = page.locator('dl.facts[aria-label="Job"]');
    const back = jobFacts.getByRole('link', { name: sweepName, exact: true });
    assert.match((await jobFacts.textContent()) ?? '', new RegExp(`trial ${best.index} of ${sweepName}`));
    assert.equal(await back.getAttribute('href'), `/studio/w/default/sweeps/${sweepName}`);
    await back.click();
    await page.waitForURL(new RegExp(`/sweeps/${sweepName}$`));
    await page.getByRole('table', { name: 'Trials' }).waitFor();
  });

  it('lists the sweep among the jobs, "(sweep)" for its compute, leading to its page', async () => {
    await page.goto(`${trellis.url}/studio/w/default/jobs`);
    const table = page.getByRole('table', { name: 'Jobs' });
    const sweepRow = table.getByRole('row', { name: new RegExp(`^${sweepName} `) });
    await sweepRow.waitFor();
    assert.match((await sweepRow.textContent()) ?? '', /studio sweep.*Completed.*\(sweep\)/);
    // The sweep and its four trials, each trial a command job.
    assert.equal(await table.locator('tbody tr').count(), 5);
    for (const trial of sweep.trials ?? []) await table.getByRole('row', { name: new RegExp(`^${trial.job} `) }).waitFor();
    // Filtering by compute leaves the sweep out, as `trellis job list --compute` does: its trials are the jobs there.
    await page.getByRole('combobox', { name: 'Filter by compute' }).selectOption('cpu-cluster');
    await page.waitForURL(/compute=cpu-cluster/);
    await waitFor(() => table.locator('tbody tr').count(), { what: 'the four trials alone', until: (count) => count === 4 });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await sweepRow.getByRole('link', { name: sweepName, exact: true }).click();
    await page.waitForURL(new RegExp(`/sweeps/${sweepName}$`));
    await page.getByRole('img', { name: 'loss over trials' }).waitFor();
  });

  it('says so for a sweep that does not exist', async () => {
    await page.goto(`${trellis.url}/studio/w/default/sweeps/no-such-sweep`);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /no-such-sweep/);
  });
});
