import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AdvisorScoreBody } from '../src/client/trellis-client.js';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The studio's advisor page in chromium against a real `trellis up`: a fresh workspace scores on
 * the server-wide rules only, the others listed as not applicable; a cluster kept warm
 * (min_instances 1) fires TRL-COST-101, shown with what was found, why and the fix, and counted in
 * the cost pillar; the pillar chips filter (in the URL); with Azure's Vnet_Audit assigned, the warm
 * cluster is listed as violating it, linked to the Policy page; set to min_instances 0 as the fix
 * says, the recommendation is gone. Screenshots in test-output/studio/.
 */

const workspace = 'prod';
const pillars = ['reliability', 'security', 'cost', 'operations', 'performance'] as const;
const pillarOf: Record<string, (typeof pillars)[number]> = {
  REL: 'reliability',
  SEC: 'security',
  COST: 'cost',
  OPS: 'operations',
  PERF: 'performance',
};
/** A message with its age left out: "last changed, 1 s ago" reads "2 s ago" a second later. */
const ageless = (text: string) => text.replace(/\d+(\.\d+)? (ms|s|min|h|d) ago/g, '… ago');
const scoreText = (score: number | null) => (score === null ? '—' : `${Math.round(score)}%`);

describe("the studio's advisor page in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const pageErrors: string[] = [];

  const warmCluster = (minInstances: number) =>
    trellis.client.apply(workspace, {
      fileName: 'warm.yml',
      text: `name: warm\ntype: amlcompute\nsize: STANDARD_DS3_V2\nmin_instances: ${minInstances}\nmax_instances: 2\nidle_time_before_scale_down: 1\n`,
    });
  /** The score table as shown: pillar → [score, passed, failed, unknown, not applicable]. */
  const scoreRows = async () => {
    const rows: Record<string, string[]> = {};
    for (const pillar of pillars)
      rows[pillar] = (await page.locator(`table[aria-label="Score by pillar"] tr[data-pillar="${pillar}"] td`).allTextContents()).slice(1);
    return rows;
  };
  const assertScoreShown = async (score: AdvisorScoreBody) => {
    const rows = await scoreRows();
    for (const pillar of pillars) {
      const { score: value, passed, failed, unknown } = score.pillars[pillar];
      const notApplicable = score.notApplicable.filter((id) => pillarOf[id.split('-')[1] ?? ''] === pillar).join('');
      assert.deepEqual(rows[pillar], [scoreText(value), String(passed), String(failed), String(unknown), notApplicable || '—'], pillar);
    }
    assert.equal(await page.locator('.advisor-overall strong').textContent(), scoreText(score.overall));
  };
  /** The recommendations table's rows: rule, pillar, severity, resource, found, why, fix. */
  const recommendationRows = async () =>
    page
      .getByRole('table', { name: 'Recommendations' })
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => Array.from(row.querySelectorAll('td'), (cell: { textContent: string | null }) => cell.textContent ?? '')),
      );

  before(async () => {
    trellis = await startTrellis();
    shots = await screenshotFolder();
    await trellis.client.createWorkspace({ name: workspace });
    ({ browser, page } = await openBrowserPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    assert.deepEqual(pageErrors, [], 'no uncaught error in the studio');
  });

  it('scores a fresh workspace on the rules that apply, lists the others as not applicable, reached from the top bar', async () => {
    await page.goto(`${trellis.url}/studio/w/${workspace}/experiments`);
    await page.locator('header.topbar').getByRole('link', { name: 'Advisor' }).click();
    await page.waitForURL(new RegExp(`/studio/w/${workspace}/advisor$`));
    await page.getByRole('table', { name: 'Score by pillar' }).waitFor();
    const score = await trellis.client.advisorScore(workspace);
    assert.equal(score.overall, 100);
    assert.equal(score.pillars.reliability.score, null, 'nothing of reliability applies to an empty workspace');
    assert.ok(score.notApplicable.includes('TRL-COST-101'));
    await assertScoreShown(score);
    assert.equal((await scoreRows()).reliability?.[0], '—', 'no score is shown as a dash, not 0%');
    await page.locator('p.no-recommendations').waitFor();
    assert.equal(await page.locator('p.no-recommendations').textContent(), 'No recommendation: every rule that applies passes.');
    assert.equal(await page.getByRole('table', { name: 'Recommendations' }).count(), 0);
    await page.getByText('No policy assignment reaches this workspace.').waitFor();
  });

  it("shows a warm cluster's TRL-COST-101 with what it found, why and the fix, and scores the cost pillar", async () => {
    await warmCluster(1);
    const fired = await waitFor(() => trellis.client.advisorRecommendations(workspace), {
      what: 'TRL-COST-101 on the warm cluster',
      until: (answer) => answer.items.some((item) => item.ruleId === 'TRL-COST-101'),
      timeoutMs: 20_000,
    });
    const expected = fired.items.find((item) => item.ruleId === 'TRL-COST-101');
    assert.ok(expected);
    await page.reload();
    const table = page.getByRole('table', { name: 'Recommendations' });
    await table.waitFor();
    const rows = await recommendationRows();
    assert.equal(rows.length, fired.items.length);
    const row = rows.find((cells) => cells[0]?.startsWith('TRL-COST-101'));
    assert.deepEqual(row && [...row.slice(0, 4), ageless(row[4] ?? ''), ...row.slice(5)], [
      `TRL-COST-101 ${expected.title}`,
      'Cost',
      expected.severity,
      'warm compute',
      ageless(expected.message),
      expected.why,
      expected.fix,
    ]);
    assert.match(row?.[4] ?? '', /^min_instances is 1 and no job has run on it/);
    assert.match(row?.[6] ?? '', /min_instances: 0/);
    const link = table.locator('tbody tr', { hasText: 'TRL-COST-101' }).getByRole('link', { name: 'warm' });
    assert.equal(await link.getAttribute('href'), `/studio/w/${workspace}/computes/warm`);
    const score = await trellis.client.advisorScore(workspace);
    assert.equal(score.pillars.cost.failed, 1);
    assert.notEqual(score.pillars.cost.score, 100);
    await assertScoreShown(score);
    const chips = page.getByRole('group', { name: 'Filter by pillar' });
    assert.equal(
      await chips.locator('[data-pillar="cost"]').textContent(),
      `Cost ${fired.items.filter((item) => item.pillar === 'cost').length}`,
    );
    await page.screenshot({ path: join(shots, 'advisor.png'), fullPage: true });
  });

  it('filters the recommendations by pillar, in the URL so the view can be linked; again clears it', async () => {
    const chips = page.getByRole('group', { name: 'Filter by pillar' });
    await chips.locator('[data-pillar="reliability"]').click();
    await page.waitForURL(/\/advisor\?pillar=reliability$/);
    assert.equal(await chips.locator('[data-pillar="reliability"]').getAttribute('aria-pressed'), 'true');
    const reliability = (await trellis.client.advisorRecommendations(workspace, { pillar: 'reliability' })).items;
    if (reliability.length === 0) assert.equal(await page.locator('p.no-recommendations').textContent(), 'No reliability recommendation.');
    else assert.equal((await recommendationRows()).length, reliability.length);
    await chips.locator('[data-pillar="reliability"]').click();
    await page.waitForURL(/\/advisor$/);

    await page.goto(`${trellis.url}/studio/w/${workspace}/advisor?pillar=cost`);
    await page.getByRole('table', { name: 'Recommendations' }).waitFor();
    const rows = await recommendationRows();
    assert.ok(rows.length > 0);
    assert.ok(
      rows.every((cells) => cells[1] === 'Cost'),
      JSON.stringify(rows),
    );
  });

  it("summarises the workspace's policy compliance and names the assignment each non-compliant resource violates", async () => {
    await trellis.client.createPolicyAssignment({ name: 'vnet', definition: 'Vnet_Audit', scope: '/' });
    const states = await trellis.client.listPolicyStates(workspace);
    assert.equal(states.summary.nonCompliant, 1);
    await page.goto(`${trellis.url}/studio/w/${workspace}/advisor`);
    const summary = page.locator('.policy-summary .summary-line strong');
    await summary.waitFor();
    assert.equal(await summary.textContent(), `1 of ${states.summary.resources} resources non-compliant`);
    const counts = page.getByRole('list', { name: 'Compliance counts' });
    const count = (compliance: string) => states.items.filter((state) => state.compliance === compliance).length;
    assert.equal(await counts.locator('[data-compliance="NonCompliant"]').textContent(), `Non-compliant ${count('NonCompliant')}`);
    assert.equal(await counts.locator('[data-compliance="Compliant"]').textContent(), `Compliant ${count('Compliant')}`);
    const violators = page.getByRole('table', { name: 'Non-compliant resources' });
    assert.deepEqual(await violators.locator('tbody tr td').allTextContents(), [`/workspaces/${workspace}/computes/warm compute`, 'vnet']);
    await page.screenshot({ path: join(shots, 'advisor-policy.png'), fullPage: true });
    await counts.locator('[data-compliance="NonCompliant"]').click();
    await page.waitForURL(new RegExp(`/studio/w/${workspace}/policy\\?compliance=NonCompliant$`));
    await page.getByRole('table', { name: 'Compliance' }).waitFor();
  });

  it('drops the recommendation once the cluster is fixed as it says (min_instances 0)', async () => {
    await warmCluster(0);
    assert.deepEqual(
      (await trellis.client.advisorRecommendations(workspace)).items.filter((item) => item.ruleId === 'TRL-COST-101'),
      [],
    );
    await page.goto(`${trellis.url}/studio/w/${workspace}/advisor`);
    await page.getByRole('table', { name: 'Score by pillar' }).waitFor();
    await page.getByRole('group', { name: 'Filter by pillar' }).waitFor();
    const shown = (await page.getByRole('table', { name: 'Recommendations' }).count()) === 0 ? [] : await recommendationRows();
    assert.ok(!shown.some((cells) => cells[0]?.startsWith('TRL-COST-101')), JSON.stringify(shown));
    assert.equal(await page.getByRole('group', { name: 'Filter by pillar' }).locator('[data-pillar="cost"]').textContent(), 'Cost 0');
    const score = await trellis.client.advisorScore(workspace);
    assert.equal(score.pillars.cost.failed, 0);
    await assertScoreShown(score);
    await page.screenshot({ path: join(shots, 'advisor-fixed.png'), fullPage: true });
  });
});
