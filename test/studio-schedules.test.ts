import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ScheduleBody } from '../src/client/trellis-client.js';
import { browserUnavailable, launchBrowser, screenshotFolder } from './support/browser.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The studio's schedules pages, in chromium against a real `trellis up`: a schedule made with
 * `trellis schedule create` (a daily cron slot in Pacific time, whose inline command job runs on
 * trellis-node, so no Python environment is built), listed, shown with its next five firings,
 * fired with Trigger now (its job followed to Completed and back), disabled and enabled again.
 * The browser runs in Tokyo, so local times differ from the schedule's zone and from UTC.
 * Screenshots in test-output/studio/.
 */

const name = 'nightly_report';
const scheduleYaml = `$schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
name: ${name}
display_name: Nightly report
description: writes the nightly report at 4 in the morning, Pacific time
tags:
  team: reports
trigger:
  type: cron
  expression: "0 4 * * *"
  time_zone: "Pacific Standard Time"
create_job:
  type: command
  command: echo "fired as \${{name}}"
  environment: azureml:trellis-node@latest
  compute: azureml:cpu-cluster
`;

const browserZone = 'Asia/Tokyo';
/** A moment as the studio writes it (formatTime), in the browser's zone: 2026-12-07 21:00:00. */
const inBrowserZone = (at: number) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: browserZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(at);
const pacificTimeOfDay = (at: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Los_Angeles', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

describe("the studio's schedule pages in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let scratch: string;
  let created: ScheduleBody;
  /** The job Trigger now created. */
  let manualJob: string;

  const firings = () => page.getByRole('table', { name: 'Firings' });
  const nextFirings = () => page.getByRole('region', { name: 'Next firings' });

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '2' } });
    shots = await screenshotFolder();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-studio-schedules-'));
    const cluster = await runCli(['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--max-instances', '2'], {
      url: trellis.url,
    });
    assert.equal(cluster.code, 0, cluster.stderr);
    const file = join(scratch, 'nightly.yml');
    await writeFile(file, scheduleYaml);
    const result = await runCli(['schedule', 'create', '--file', file], { url: trellis.url });
    assert.equal(result.code, 0, result.stderr);
    created = await trellis.client.getSchedule('default', name);
    assert.equal(created.nextFirings.length, 5);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, timezoneId: browserZone });
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('lists the schedule from the top bar: enabled, its trigger in words, when it fires next and how soon, its job', async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments`);
    await page.locator('header.topbar').getByRole('link', { name: 'Schedules' }).click();
    await page.waitForURL(/\/studio\/w\/default\/schedules$/);
    const row = page.getByRole('table', { name: 'Schedules' }).getByRole('row').filter({ hasText: name });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    assert.equal(cells[0], name);
    assert.equal(cells[1], 'yes');
    assert.equal(cells[2], 'cron 0 4 * * * (America/Los_Angeles)');
    const next = created.nextFirings[0] ?? 0;
    assert.match(cells[3] ?? '', new RegExp(`^${inBrowserZone(next)} \\(in \\d+ (d|h|min)( \\d+ (h|min))?\\)$`));
    assert.equal(cells[4], 'inline (command job)');
    assert.equal(cells[5], 'none yet');
    await page.screenshot({ path: join(shots, 'schedules.png'), fullPage: true });
    await row.getByRole('link', { name, exact: true }).click();
    await page.waitForURL(new RegExp(`/schedules/${name}$`));
  });

  it('shows the trigger in words and as written, the next five firings in local time, and who made it', async () => {
    await page.getByRole('heading', { name: /Nightly report/ }).waitFor();
    assert.equal(await page.locator('h1 .badge').textContent(), 'enabled');
    assert.equal(await page.locator('p.trigger').textContent(), 'cron 0 4 * * * (America/Los_Angeles)');
    // Five daily slots at 04:00 in Los Angeles, a day apart, written in the browser's zone.
    assert.deepEqual(created.nextFirings.map(pacificTimeOfDay), ['04:00', '04:00', '04:00', '04:00', '04:00']);
    const items = await nextFirings().getByRole('listitem').allTextContents();
    assert.equal(items.length, 5);
    for (const [index, at] of created.nextFirings.entries())
      assert.match(items[index] ?? '', new RegExp(`^${inBrowserZone(at)} \\(in .+\\)$`), `firing ${index}`);
    const written = (await page.getByRole('definition').allTextContents()).join('\n');
    const facts = await page.locator('dl.facts[aria-label="Trigger as written"]').textContent();
    assert.match(facts ?? '', /expression0 4 \* \* \*/);
    assert.match(facts ?? '', /time_zonePacific Standard Time/);
    assert.match(facts ?? '', /start_timewhen created \(none written\)/);
    assert.match(written, /writes the nightly report at 4 in the morning/);
    assert.match(written, /team: reports/);
    assert.match(written, /by user:/);
    assert.match(
      (await page.locator('dl.facts[aria-label="Schedule"]').textContent()) ?? '',
      /Jobinline \(command job\)/,
      'the job it submits',
    );
    assert.match(
      await page
        .locator('main')
        .textContent()
        .then((text) => text ?? ''),
      /None yet: the first comes at its next firing/,
    );
  });

  it('fires with Trigger now after a confirm: the manual firing appears and its job runs to Completed, linked both ways', async () => {
    await page.getByRole('button', { name: 'Trigger now' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm trigger' });
    await confirm.waitFor();
    assert.match((await confirm.textContent()) ?? '', /Fire Nightly report now\?/);
    await confirm.getByRole('button', { name: 'Yes, trigger it' }).click();
    const row = firings().locator('tbody tr').first();
    await row.filter({ hasText: 'manual' }).waitFor();
    manualJob = (await row.getAttribute('data-job')) ?? '';
    assert.match(manualJob, new RegExp(`^${name}-manual-\\d{8}t\\d{6}$`));
    assert.equal(await page.getByRole('status').getByRole('link', { name: manualJob }).count(), 1);
    // The page, never reloaded, follows the job to its end.
    await row.locator('.badge.ok', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
    const cells = await row.getByRole('cell').allTextContents();
    assert.equal(cells[1], 'manual');
    assert.equal(cells[2], manualJob);
    assert.equal(cells[3], 'submitted');
    assert.equal(cells[4], 'Completed');
    assert.equal(await row.locator('.badge.ok').count(), 2, 'the firing and its job, both in the colour of success');
    const schedule = await trellis.client.getSchedule('default', name);
    assert.deepEqual(
      schedule.firings.map((firing) => [firing.kind, firing.job, firing.state, firing.jobState]),
      [['manual', manualJob, 'submitted', 'Completed']],
    );
    assert.deepEqual(schedule.nextFirings, created.nextFirings, 'a manual firing leaves the slots as they are');
    await page.screenshot({ path: join(shots, 'schedule.png'), fullPage: true });

    // The job's page says which schedule made it and leads back.
    const link = row.getByRole('link', { name: manualJob });
    assert.equal(await link.getAttribute('href'), `/studio/w/default/jobs/${manualJob}`);
    await link.click();
    await page.waitForURL(new RegExp(`/jobs/${manualJob}$`));
    await page.locator('h1 .badge', { hasText: 'Completed' }).waitFor();
    const back = page.locator('dl.facts').getByRole('link', { name, exact: true });
    assert.equal(await back.getAttribute('href'), `/studio/w/default/schedules/${name}`);
    assert.match((await back.locator('xpath=..').textContent()) ?? '', /created by schedule nightly_report \(manual firing, asked for /);
    await back.click();
    await page.waitForURL(new RegExp(`/schedules/${name}$`));
    await firings().locator(`tr[data-job="${manualJob}"]`).waitFor();

    // The list's last job is this one, with its state.
    await page.locator('header.topbar').getByRole('link', { name: 'Schedules' }).click();
    const listRow = page.getByRole('table', { name: 'Schedules' }).getByRole('row').filter({ hasText: name });
    await listRow.getByRole('link', { name: manualJob }).waitFor();
    assert.equal(await listRow.locator('.badge.ok', { hasText: 'Completed' }).count(), 1);
    await listRow.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name: /Nightly report/ }).waitFor();
  });

  it('disables the schedule (no next firings) and enables it again (five, from now)', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.locator('h1 .badge', { hasText: 'disabled' }).waitFor();
    await nextFirings().getByText('None while disabled: it fires nothing until enabled.').waitFor();
    assert.equal(await nextFirings().getByRole('listitem').count(), 0);
    const disabled = await trellis.client.getSchedule('default', name);
    assert.equal(disabled.enabled, false);
    assert.deepEqual(disabled.nextFirings, []);
    // The history stays.
    assert.equal(await firings().locator(`tr[data-job="${manualJob}"]`).count(), 1);
    await page.screenshot({ path: join(shots, 'schedule-disabled.png'), fullPage: true });

    await page.getByRole('button', { name: 'Enable' }).click();
    await page.locator('h1 .badge', { hasText: /^enabled$/ }).waitFor();
    await waitFor(() => nextFirings().getByRole('listitem').count(), { what: 'five next firings again', until: (count) => count === 5 });
    const enabled = await trellis.client.getSchedule('default', name);
    assert.equal(enabled.enabled, true);
    assert.deepEqual(enabled.nextFirings.map(pacificTimeOfDay), ['04:00', '04:00', '04:00', '04:00', '04:00']);
    const items = await nextFirings().getByRole('listitem').allTextContents();
    assert.deepEqual(
      items.map((item) => item.slice(0, 19)),
      enabled.nextFirings.map(inBrowserZone),
    );
    assert.equal(await page.getByRole('button', { name: 'Disable' }).count(), 1);
  });
});
