import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { MonitorRunBody } from '../src/client/trellis-client.js';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { cliJson, waitForDeployment } from './support/endpoints.js';
import { seededCategories, seededNormal } from './support/seeded-random.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The studio's monitor pages in chromium against a real `trellis up`: a monitor (a schedule with
 * create_monitor) targeting a deployment (a JavaScript scoring script, so no Python is needed)
 * whose signals read data assets, a reference CSV and a production CSV. It fires once on
 * production drawn like the reference, then, its file updated to a production CSV with `age`
 * shifted, once more: the list, the monitor's signals over its two runs (the breach ringed in
 * red), the breaching run with `age` highlighted and each feature's two distributions overlaid,
 * the schedule page's runs, and the endpoint page's link to the monitor.
 * Screenshots in test-output/studio/.
 */

// Callbacks given to page.evaluate run in the browser, on its document (declared here with just
// what they use: this file is compiled without the DOM library).
declare const document: {
  querySelector(selector: string): {
    querySelector(selector: string): {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } };
    } | null;
  } | null;
};

const monitor = 'credit-monitor';
const rowCount = 600;

/** A CSV of applicants: age and income (numerical; `nullEvery` leaves every so many incomes empty) and plan (categorical). */
function applicants(seed: number, ageShift = 0, nullEvery = 0): string {
  const age = seededNormal(seed, 40 + ageShift * 8, 8);
  const income = seededNormal(seed + 1, 50, 10);
  const plan = seededCategories(seed + 2, [
    ['basic', 5],
    ['plus', 3],
    ['premium', 2],
  ] as const);
  const lines = Array.from({ length: rowCount }, (_, index) =>
    [age().toFixed(2), nullEvery > 0 && index % nullEvery === 0 ? '' : income().toFixed(2), plan()].join(','),
  );
  return ['age,income,plan', ...lines].join('\n');
}

/** The monitor's schedule file, its production data the data asset named. */
const monitorYaml = (production: string) => `$schema: http://azureml/sdk-2-0/Schedule.json
name: ${monitor}
display_name: Credit monitor
trigger:
  type: cron
  expression: "0 4 * * *"
create_monitor:
  compute: {instance_type: standard_e4s_v3, runtime_version: "3.4"}
  monitoring_target:
    ml_task: classification
    endpoint_deployment_id: azureml:iris-endpoint:recorder
  monitoring_signals:
    drift:
      type: data_drift
      production_data:
        input_data: {path: azureml:${production}:1, type: uri_file}
      reference_data:
        input_data: {path: azureml:credit-reference:1, type: uri_file}
      features: all_features
      metric_thresholds:
        numerical: {normalized_wasserstein_distance: 0.3, jensen_shannon_distance: 0.4}
        categorical: {jensen_shannon_distance: 0.2}
    quality:
      type: data_quality
      production_data:
        input_data: {path: azureml:${production}:1, type: uri_file}
      reference_data:
        input_data: {path: azureml:credit-reference:1, type: uri_file}
      features: [income, plan]
      metric_thresholds:
        numerical: {null_value_rate: 0.05, out_of_bounds_rate: 0.5}
        categorical: {null_value_rate: 0.05}
  alert_notification:
    emails: [ml-team@example.com]
`;

/** A monitor of data assets only: no endpoint, so the endpoint page must not list it. */
const assetMonitorYaml = `$schema: http://azureml/sdk-2-0/Schedule.json
name: asset-monitor
trigger: {type: cron, expression: "0 4 * * 1"}
create_monitor:
  monitoring_signals:
    quality:
      type: data_quality
      production_data:
        input_data: {path: azureml:credit-normal:1, type: uri_file}
      reference_data:
        input_data: {path: azureml:credit-reference:1, type: uri_file}
`;

describe("the studio's monitor pages in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let scratch: string;
  /** The run on production like the reference, then the run on the shifted production. */
  let calm: MonitorRunBody;
  let shifted: MonitorRunBody;
  /** Uncaught errors in the page: none is expected. */
  const pageErrors: string[] = [];

  const cli = async (args: string[]) => {
    const result = await runCli(args, { url: trellis.url, cwd: scratch });
    assert.equal(result.code, 0, `trellis ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const fire = async (): Promise<MonitorRunBody> => {
    const firing = JSON.parse(await cli(['schedule', 'trigger', '--name', monitor, '-o', 'json'])) as { job: string; state: string };
    assert.equal(firing.state, 'submitted');
    return trellis.client.getMonitorRun('default', monitor, firing.job);
  };

  before(async () => {
    trellis = await startTrellis();
    shots = await screenshotFolder();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-studio-monitors-'));
    for (const [name, text] of [
      ['credit-reference', applicants(1)],
      ['credit-normal', applicants(11, 0, 50)],
      ['credit-shifted', applicants(21, 2.5, 50)],
    ] as const) {
      await writeFile(join(scratch, `${name}.csv`), text);
      await writeFile(join(scratch, `${name}.yml`), `name: ${name}\nversion: "1"\ntype: uri_file\npath: ./${name}.csv\n`);
      await cli(['data', 'create', '--file', join(scratch, `${name}.yml`)]);
    }
    await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml']);
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'recorder.yml', '--all-traffic']);
    const ready = await waitForDeployment(trellis.client, 'iris-endpoint', 'recorder');
    assert.equal(ready.state, 'Succeeded', `${ready.reason}\n${trellis.output()}`);

    await writeFile(join(scratch, 'monitor.yml'), monitorYaml('credit-normal'));
    await cli(['schedule', 'create', '--file', join(scratch, 'monitor.yml')]);
    await writeFile(join(scratch, 'asset-monitor.yml'), assetMonitorYaml);
    await cli(['schedule', 'create', '--file', join(scratch, 'asset-monitor.yml')]);
    calm = await fire();
    await writeFile(join(scratch, 'monitor.yml'), monitorYaml('credit-shifted'));
    await cli(['schedule', 'update', '--file', join(scratch, 'monitor.yml')]);
    // Manual runs are named to the second: the second one must not share the first's.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    shifted = await fire();
    assert.equal(calm.breaches, 0, JSON.stringify(calm.signals.map((signal) => signal.metrics)));
    const breached = shifted.signals.flatMap((signal) => signal.metrics.filter((metric) => metric.breached));
    assert.deepEqual(breached.map((metric) => `${metric.feature}/${metric.metric}`).sort(), [
      'age/jensen_shannon_distance',
      'age/normalized_wasserstein_distance',
    ]);
    ({ browser, page } = await openBrowserPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
    assert.deepEqual(pageErrors, [], 'no uncaught error in the studio');
  });

  it('lists the monitors from the top bar: what each watches, its trigger, signals and last run with its breaches', async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments`);
    await page.locator('header.topbar').getByRole('link', { name: 'Monitors' }).click();
    await page.waitForURL(/\/studio\/w\/default\/monitors$/);
    const table = page.getByRole('table', { name: 'Monitors' });
    const row = table.getByRole('row').filter({ hasText: monitor });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    assert.equal(cells[0], monitor);
    assert.equal(cells[1], 'iris-endpoint / recorder');
    assert.equal(cells[2], 'cron 0 4 * * * (UTC)');
    assert.equal(cells[3], 'drift, quality');
    assert.match(cells[4] ?? '', /\((now|\d+ min ago)\) 2 breaches$/);
    assert.equal(await row.locator('.badge.bad').textContent(), '2 breaches');
    const assets = await table.getByRole('row').filter({ hasText: 'asset-monitor' }).getByRole('cell').allTextContents();
    assert.deepEqual([assets[1], assets[4]], ['data assets only', 'none yet']);
    await page.screenshot({ path: join(shots, 'monitors.png'), fullPage: true });
    await row.getByRole('link', { name: monitor, exact: true }).click();
    await page.waitForURL(new RegExp(`/monitors/${monitor}$`));
  });

  it("shows what the monitor watches and each signal's metrics over its runs, the breach ringed in red", async () => {
    await page.getByRole('heading', { name: /Credit monitor/ }).waitFor();
    const facts = (await page.locator('dl.facts[aria-label="Monitor"]').textContent()) ?? '';
    assert.match(facts, /Watchesiris-endpoint \/ recorder/);
    assert.match(facts, /ML taskclassification/);
    assert.match(facts, /Emailsml-team@example.com/);
    const signals = page.getByRole('table', { name: 'Signals' });
    assert.deepEqual(await signals.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-signal'))), [
      'drift',
      'quality',
    ]);
    assert.equal(await signals.locator('tr[data-signal="drift"] .badge.bad').textContent(), 'breached');

    // A chart per metric of each signal: a line per feature over the two runs, drawn on a canvas.
    const drift = page.getByRole('region', { name: 'Signal drift' });
    const distance = drift.locator('.chart[data-metric="normalized_wasserstein_distance"]');
    await distance.locator('canvas').first().waitFor();
    assert.equal(await distance.getAttribute('data-features'), 'age,income');
    assert.equal(await distance.getAttribute('data-runs'), '2');
    assert.equal(await distance.getAttribute('data-breached-points'), '1', 'age in the shifted run');
    assert.equal(await drift.locator('.chart[data-metric="jensen_shannon_distance"]').getAttribute('data-features'), 'age,income,plan');
    const quality = page.getByRole('region', { name: 'Signal quality' });
    assert.equal(await quality.locator('.chart[data-metric="null_value_rate"]').getAttribute('data-features'), 'income,plan');
    assert.equal(await quality.locator('.chart[data-metric="null_value_rate"]').getAttribute('data-breached-points'), '0');
    assert.equal((await page.locator('.signal-chart canvas').count()) >= 4, true, 'the charts are drawn');
    // The breached point is ringed in the theme's red; the quality signal, within its thresholds, has no red.
    const redPixels = (selector: string) =>
      page.evaluate((chart) => {
        const canvas = document.querySelector(chart)?.querySelector('canvas');
        if (!canvas) return -1;
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let index = 0; index < data.length; index += 4)
          if ((data[index] ?? 0) > 150 && (data[index + 1] ?? 255) < 90 && (data[index + 2] ?? 255) < 90) count += 1;
        return count;
      }, selector);
    assert.ok((await redPixels('[data-signal="drift"] .chart[data-metric="normalized_wasserstein_distance"]')) > 20);
    assert.equal(await redPixels('[data-signal="quality"] .chart[data-metric="null_value_rate"]'), 0);

    // The runs, newest first, with each signal's outcome.
    const runs = page.getByRole('table', { name: 'Runs' });
    assert.deepEqual(await runs.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run'))), [
      shifted.name,
      calm.name,
    ]);
    const newest = await runs.locator(`tr[data-run="${shifted.name}"]`).getByRole('cell').allTextContents();
    assert.deepEqual([newest[2], newest[3], newest[4], newest[5]], ['Completed', 'breached', 'passed', '2']);
    const oldest = await runs.locator(`tr[data-run="${calm.name}"]`).getByRole('cell').allTextContents();
    assert.deepEqual([oldest[3], oldest[4], oldest[5]], ['passed', 'passed', '0']);
    await page.screenshot({ path: join(shots, 'monitor.png'), fullPage: true });
    await runs.getByRole('link', { name: shifted.name }).click();
    await page.waitForURL(new RegExp(`/monitors/${monitor}/runs/${shifted.name}$`));
  });

  it('shows a run: per signal its outcome, the rows compared, the metrics with the breached feature highlighted, and the distributions overlaid', async () => {
    await page.getByRole('heading', { name: new RegExp(shifted.name) }).waitFor();
    const drift = page.getByRole('region', { name: 'Signal drift' });
    assert.equal(await drift.getAttribute('data-outcome'), 'breached');
    const compared = (await drift.locator('dl.facts').textContent()) ?? '';
    // The production window is the trailing day (the data asset's rows have no times, so all of them are in it).
    assert.match(compared, /Production600 rows of azureml:credit-shifted:1, from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d to \d{4}-/);
    assert.match(compared, /Reference600 rows of azureml:credit-reference:1 \(all of it\)/);
    const metrics = drift.getByRole('table', { name: 'Metrics of drift', exact: true });
    const breachedRows = await metrics
      .locator('tbody tr.breached')
      .evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-feature')}/${row.getAttribute('data-metric')}`));
    assert.deepEqual([...breachedRows].sort(), ['age/jensen_shannon_distance', 'age/normalized_wasserstein_distance']);
    const ageDistance = await metrics
      .locator('tr[data-feature="age"][data-metric="normalized_wasserstein_distance"]')
      .getByRole('cell')
      .allTextContents();
    assert.equal(ageDistance[4], '0.3 (max)');
    assert.equal(ageDistance[5], 'breached');
    assert.equal(await metrics.locator('tr[data-feature="income"].breached').count(), 0);

    // Each feature's reference and production over the same bins: steps for numbers, bars for categories.
    const age = drift.getByRole('region', { name: 'Feature age' });
    assert.match((await age.locator('h4').textContent()) ?? '', /age \(numerical\)breached/);
    for (const side of ['reference', 'production'])
      assert.match(
        (await age.locator(`svg path[data-series="${side}"]`).getAttribute('d')) ?? '',
        /^M[\d.]+,[\d.]+(V[\d.]+H[\d.]+)+V[\d.]+Z$/,
      );
    assert.equal(await age.locator('svg rect.bin-target').count(), 30, "numpy's 30 bins");
    const plan = drift.getByRole('region', { name: 'Feature plan' });
    assert.equal(await plan.locator('svg rect[data-series="reference"]').count(), 3);
    assert.equal(await plan.locator('svg rect[data-series="production"]').count(), 3);
    assert.deepEqual(
      await plan
        .locator('svg g[data-category]')
        .evaluateAll((groups) => groups.map((group) => group.getAttribute('data-category')))
        .then((names) => [...names].sort()),
      ['basic', 'plus', 'premium'],
    );
    assert.equal(await drift.getByRole('region', { name: 'Feature income' }).locator('.badge.bad').count(), 0);

    // The data-quality rates, per feature beside its distributions.
    const quality = page.getByRole('region', { name: 'Signal quality' });
    assert.equal(await quality.getAttribute('data-outcome'), 'passed');
    const incomeRates = quality.getByRole('table', { name: 'Metrics of quality for income' });
    const nullRate = await incomeRates.locator('tr[data-metric="null_value_rate"]').getByRole('cell').allTextContents();
    assert.deepEqual(nullRate, ['null_value_rate', '0.02', '0.05 (max)', 'within']);
    assert.equal(await incomeRates.locator('tr[data-metric="out_of_bounds_rate"]').count(), 1);
    assert.equal(await quality.getByRole('region', { name: 'Feature income' }).locator('svg path[data-series="production"]').count(), 1);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'monitor-run.png'), fullPage: true });
  });

  it("lists the monitor's runs on its schedule's page, linked to the run pages and the monitor", async () => {
    await page.goto(`${trellis.url}/studio/w/default/schedules/${monitor}`);
    await page.getByRole('heading', { name: 'Runs it made' }).waitFor();
    const firings = page.getByRole('table', { name: 'Firings' });
    const link = firings.locator(`tr[data-job="${calm.name}"]`).getByRole('link', { name: calm.name });
    assert.equal(await link.getAttribute('href'), `/studio/w/default/monitors/${monitor}/runs/${calm.name}`);
    assert.equal(await firings.locator(`tr[data-job="${shifted.name}"] .badge.ok`, { hasText: 'Completed' }).count(), 1);
    const back = page.locator('dl.facts[aria-label="Schedule"]').getByRole('link', { name: monitor, exact: true });
    assert.equal(await back.getAttribute('href'), `/studio/w/default/monitors/${monitor}`);
    await link.click();
    await page.waitForURL(new RegExp(`/runs/${calm.name}$`));
    await page.getByRole('region', { name: 'Signal drift' }).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Signal drift' }).getAttribute('data-outcome'), 'passed');
  });

  it('links the endpoint page to the monitors that watch it, and only those', async () => {
    await page.goto(`${trellis.url}/studio/w/default/endpoints/iris-endpoint`);
    const watching = page.getByRole('list', { name: 'Monitors watching' });
    await watching.waitFor();
    assert.deepEqual(await watching.locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-monitor'))), [
      monitor,
    ]);
    assert.match((await watching.locator('li').textContent()) ?? '', /watches recorder/);
    await watching.getByRole('link', { name: monitor, exact: true }).click();
    await page.waitForURL(new RegExp(`/monitors/${monitor}$`));
    await page.getByRole('heading', { name: /Credit monitor/ }).waitFor();
  });
});
