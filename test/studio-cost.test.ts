import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { CostReportBody, JobBody } from '../src/client/trellis-client.js';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { perNodeSecond, runJob, sleepJob, startPricedTrellis } from './support/cost.js';
import { removeHome, runCli, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The studio's cost page in chromium against a real `trellis up` whose config.yaml prices
 * Standard_DS3_v2 (0.001 a node-second): two sleep jobs on a cluster that scales from zero, one
 * tagged cost_center: cc-vision, and two budgets. The grouped totals match the API's to the digit
 * shown, the chart has a point per day and group, a tag grouping chosen in the form goes in the URL,
 * a long period is charted per week, and the budgets show this month's spend and forecast.
 * Screenshots in test-output/studio/.
 */

/** Money as the page writes it: four decimals under one unit, two otherwise. */
const money = (amount: number, currency = 'USD') => `${amount.toFixed(amount !== 0 && Math.abs(amount) < 1 ? 4 : 2)} ${currency}`;
/** A share as the page writes it: one decimal, one significant digit under 0.1%. */
const percent = (value: number) => (value === 0 ? '0%' : value < 0.1 ? `${Number(value.toPrecision(1))}%` : `${value.toFixed(1)}%`);
const today = () => new Date().toISOString().slice(0, 10);
const monthStart = () => `${today().slice(0, 7)}-01`;

describe("the studio's cost page in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let tagged: JobBody;
  const pageErrors: string[] = [];

  /** The grouped table as shown: group → [cost, list cost, node hours, instance hours, unpriced hours]. */
  const tableRows = async (groupBy: string) =>
    (
      await page
        .getByRole('table', { name: `Cost by ${groupBy}` })
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((row) => Array.from(row.querySelectorAll('td'), (cell: { textContent: string | null }) => cell.textContent ?? '')),
        )
    ).map((cells) => ({ group: cells[0] ?? '', cost: cells[1] ?? '', listCost: cells[2] ?? '' }));
  const expectedRows = (report: CostReportBody) =>
    report.rows.map((row) => ({ group: row.group, cost: money(row.cost), listCost: money(row.listCost) }));

  before(async () => {
    trellis = await startPricedTrellis();
    shots = await screenshotFolder();
    tagged = await runJob(trellis, sleepJob(2, { cost_center: 'cc-vision' }));
    await runJob(trellis, sleepJob(1));
    // The cluster's node idles a second after the last job, then goes: from then on the cost stays put.
    await waitFor(() => trellis.client.computeNodes('default', 'priced'), {
      what: "the priced cluster's nodes to be gone",
      until: (answer) => answer.nodes.length === 0,
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    await trellis.client.createBudget('default', { name: 'monthly', amount: 100, thresholds: [50, 80, 100], forecast_thresholds: [100] });
    await trellis.client.createBudget('default', { name: 'cap', amount: 1000, enforcing: true });
    ({ browser, page } = await openBrowserPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    assert.deepEqual(pageErrors, [], 'no uncaught error in the studio');
  });

  it("shows this month's cost by compute with the API's totals and a point a day, reached from the top bar", async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments`);
    await page.locator('header.topbar').getByRole('link', { name: 'Cost' }).click();
    await page.waitForURL(/\/studio\/w\/default\/cost$/);
    await page.getByRole('table', { name: 'Cost by compute' }).waitFor();
    const expected = await trellis.client.cost('default', { group_by: 'compute', from: monthStart(), to: today(), granularity: 'day' });
    assert.ok(expected.total.cost > tagged.nodeSeconds * perNodeSecond, `${expected.total.cost}: both jobs and the idle node`);
    assert.deepEqual(await tableRows('compute'), expectedRows(expected));
    assert.deepEqual(
      expected.rows.map((row) => row.group),
      ['priced'],
    );
    const link = page.getByRole('table', { name: 'Cost by compute' }).getByRole('link', { name: 'priced' });
    assert.equal(await link.getAttribute('href'), '/studio/w/default/computes/priced');
    assert.equal(await page.locator('.cost-table-total strong').textContent(), money(expected.total.cost));
    assert.equal(await page.locator('.cost-total strong').textContent(), money(expected.total.cost));
    // One line (the one compute), a point for every day of the month so far.
    const days = expected.series?.length ?? 0;
    assert.equal(days, Number(today().slice(8, 10)));
    assert.equal(await page.locator('.chart').getAttribute('data-points'), String(days));
    assert.match((await page.locator('.chart .u-title').textContent()) ?? '', /^Cost per day by compute \(USD\)$/);
    await page.screenshot({ path: join(shots, 'cost.png'), fullPage: true });
  });

  it('groups by a tag chosen in the form, in the URL, each tag a line of the chart', async () => {
    const form = page.getByRole('form', { name: 'Period' });
    await form.locator('select[name="group_by"]').selectOption('tag');
    await form.locator('input[name="tag"]').fill('cost_center');
    await form.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/group_by=tag%3Acost_center/);
    await page.getByRole('table', { name: 'Cost by tag:cost_center' }).waitFor();
    const expected = await trellis.client.cost('default', {
      group_by: 'tag:cost_center',
      from: monthStart(),
      to: today(),
      granularity: 'day',
    });
    const rows = await tableRows('tag:cost_center');
    assert.deepEqual(rows, expectedRows(expected));
    assert.deepEqual(rows.map((row) => row.group).sort(), ['(untagged)', 'cc-vision']);
    assert.equal(rows.find((row) => row.group === 'cc-vision')?.cost, money(tagged.nodeSeconds * perNodeSecond));
    const legend = await page.locator('.chart .u-legend .u-series .u-label').allTextContents();
    assert.deepEqual(legend.slice(1).sort(), ['(untagged)', 'cc-vision']);
    assert.equal(await page.locator('.chart').getAttribute('data-points'), String(2 * (expected.series?.length ?? 0)));
    await page.screenshot({ path: join(shots, 'cost-by-tag.png'), fullPage: true });
  });

  it('charts a period of most of a year per week, and exports it as FOCUS CSV', async () => {
    const from = `${Number(today().slice(0, 4)) - 1}-${today().slice(5, 10)}`;
    await page.goto(`${trellis.url}/studio/w/default/cost?from=${from}&to=${today()}&group_by=job`);
    await page.getByRole('table', { name: 'Cost by job' }).waitFor();
    const expected = await trellis.client.cost('default', { group_by: 'job', from, to: today(), granularity: 'week' });
    assert.deepEqual(await tableRows('job'), expectedRows(expected));
    assert.match((await page.locator('.chart .u-title').textContent()) ?? '', /^Cost per week \(from Monday\) by job/);
    const weeks = expected.series?.length ?? 0;
    assert.ok(weeks >= 52 && weeks <= 54, `${weeks} weeks`);
    const lines = new Set(expected.series?.flatMap((week) => week.rows.map((row) => row.group))).size;
    assert.equal(await page.locator('.chart').getAttribute('data-points'), String(weeks * lines));

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download FOCUS CSV' }).click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^trellis-cost-default-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await file.path(), 'utf8');
    assert.ok(csv.includes(tagged.name), 'the tagged job is a row of the export');
  });

  it("lists the budgets with their amount, this month's spend, the forecast of the month's end, thresholds and enforcement", async () => {
    await page.goto(`${trellis.url}/studio/w/default/cost`);
    const budgets = page.getByRole('table', { name: 'Budgets' });
    await budgets.waitFor();
    const monthly = await trellis.client.getBudget('default', 'monthly');
    assert.ok(monthly.status.spent > 0);
    assert.ok(monthly.status.forecast !== undefined && monthly.status.forecast >= monthly.status.spent, JSON.stringify(monthly.status));
    const cells = await budgets.locator('tr[data-budget="monthly"] td').allTextContents();
    assert.deepEqual(cells, [
      'monthly',
      '100.00 USD',
      `${money(monthly.status.spent)} (${percent(monthly.status.percentUsed)})`,
      `${money(monthly.status.forecast)} (${percent(monthly.status.forecastPercent ?? 0)})`,
      '50%, 80%, 100% forecast 100%',
      'no',
    ]);
    const cap = await budgets.locator('tr[data-budget="cap"] td').allTextContents();
    assert.deepEqual([cap[1], cap[5]], ['1000.00 USD', 'yes']);
    await page.screenshot({ path: join(shots, 'cost-budgets.png'), fullPage: true });
  });

  it('prints the same series with trellis cost show --granularity, each period its groups, before the totals', async () => {
    const shown = await runCli(['cost', 'show', '--group-by', 'tag:cost_center', '--granularity', 'day'], { url: trellis.url });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^PERIOD +TAG:COST_CENTER +COST +HOURS/m);
    const vision = (await trellis.client.cost('default', { group_by: 'tag:cost_center' })).rows.find((row) => row.group === 'cc-vision');
    assert.ok(vision);
    assert.match(shown.stdout, new RegExp(`^${today()} +cc-vision +${money(vision.cost).replace('.', '\\.')}`, 'm'));
    assert.match(shown.stdout, new RegExp(`^${monthStart()} +`, 'm'), 'the first day of the month, with or without usage');
    assert.match(shown.stdout, /^TOTAL +/m);
    const refused = await runCli(['cost', 'show', '--granularity', 'hour'], { url: trellis.url });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--granularity must be day, week or month; got 'hour'/);
  });
});
