import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The studio's policy page in chromium against a real `trellis up`: a workspace with three
 * clusters, one in no virtual network, one exempted (a lab cluster) and one in a subnet. Before
 * anything is assigned the page says how to assign a built-in; then Azure's Vnet_Audit is assigned
 * at the server and Workspace_PrivateEndpoint_Audit (not applicable here) at the workspace, through
 * the client: the summary counts the non-compliant resource, the table lists it first with what
 * matched, the exempted cluster with its exemption, and the chips filter the table (in the URL).
 * Screenshots in test-output/studio/.
 */

const workspace = 'prod';
const exemptionNote = "exempted by 'lab-waiver' (Waiver): lab cluster, no private data";

describe("the studio's policy page in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  /** Uncaught errors in the page: none is expected. */
  const pageErrors: string[] = [];

  const cluster = (name: string, extra = '') =>
    trellis.client.apply(workspace, {
      fileName: `${name}.yml`,
      text: `name: ${name}\ntype: amlcompute\nsize: STANDARD_DS3_V2\nmax_instances: 1\n${extra}`,
    });
  /** The compliance table's rows: resource, assignment, compliance and why, as shown. */
  const tableRows = async () =>
    (
      await page
        .getByRole('table', { name: 'Compliance' })
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((row) => Array.from(row.querySelectorAll('td'), (cell: { textContent: string | null }) => cell.textContent ?? '')),
        )
    ).map((cells) => ({ resource: cells[0] ?? '', assignment: cells[1] ?? '', compliance: cells[4] ?? '', why: cells[5] ?? '' }));

  before(async () => {
    trellis = await startTrellis();
    shots = await screenshotFolder();
    await trellis.client.createWorkspace({ name: workspace });
    await cluster('cpu');
    await cluster('lab');
    await cluster('net', 'network_settings:\n  vnet_name: ml-vnet\n  subnet: training\n');
    ({ browser, page } = await openBrowserPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    assert.deepEqual(pageErrors, [], 'no uncaught error in the studio');
  });

  it('says how to assign a built-in when nothing is assigned, reached from the top bar', async () => {
    await page.goto(`${trellis.url}/studio/w/${workspace}/experiments`);
    await page.locator('header.topbar').getByRole('link', { name: 'Policy' }).click();
    await page.waitForURL(new RegExp(`/studio/w/${workspace}/policy$`));
    await page.getByRole('heading', { name: 'No policy assigned' }).waitFor();
    const commands = (await page.locator('.empty pre').textContent()) ?? '';
    assert.match(commands, /trellis policy assignment create --name vnet --definition Vnet_Audit/);
    assert.match(commands, /--effect Deny --scope \/workspaces\/prod/);
    assert.equal(await page.getByRole('table', { name: 'Compliance' }).count(), 0);
  });

  it('summarises the compliance and lists the non-compliant cluster first, with what matched', async () => {
    await trellis.client.createPolicyAssignment({ name: 'vnet', definition: 'Vnet_Audit', scope: '/' });
    await trellis.client.createPolicyAssignment({
      name: 'private-links',
      definition: 'Workspace_PrivateEndpoint_Audit',
      scope: `/workspaces/${workspace}`,
    });
    await trellis.client.createPolicyExemption({
      name: 'lab-waiver',
      assignment: 'vnet',
      scope: `/workspaces/${workspace}/computes/lab`,
      category: 'Waiver',
      reason: 'lab cluster, no private data',
      expires_at: '2099-01-31T00:00:00Z',
    });
    const expected = await trellis.client.listPolicyStates(workspace);
    await page.goto(`${trellis.url}/studio/w/${workspace}/policy`);
    const summary = page.locator('.policy-summary .summary-line');
    await summary.waitFor();
    assert.equal(expected.summary.nonCompliant, 1);
    assert.equal(await summary.textContent(), `1 of ${expected.summary.resources} resources non-compliant`);
    const chips = page.getByRole('group', { name: 'Filter by compliance' });
    const count = (compliance: string) => expected.items.filter((state) => state.compliance === compliance).length;
    for (const [compliance, label] of [
      ['NonCompliant', 'Non-compliant'],
      ['Exempt', 'Exempt'],
      ['Compliant', 'Compliant'],
      ['NotApplicable', 'Not applicable'],
    ] as const)
      assert.equal(await chips.locator(`[data-compliance="${compliance}"]`).textContent(), `${label} ${count(compliance)}`);
    assert.equal(count('Exempt'), 1);
    assert.ok(count('NotApplicable') > 0, 'Azure private links have no meaning here');

    const rows = await tableRows();
    assert.equal(rows.length, expected.items.length);
    assert.deepEqual(rows[0] && { ...rows[0], why: '' }, {
      resource: '/workspaces/prod/computes/cpu compute',
      assignment: 'vnet',
      compliance: 'NonCompliant',
      why: '',
    });
    assert.match(rows[0]?.why ?? '', /subnet\.id is not set/);
    assert.deepEqual(
      rows.filter((row) => row.compliance === 'Exempt'),
      [{ resource: '/workspaces/prod/computes/lab compute', assignment: 'vnet', compliance: 'Exempt', why: exemptionNote }],
    );
    const net = rows.find((row) => row.resource.startsWith('/workspaces/prod/computes/net') && row.assignment === 'vnet');
    assert.equal(net?.compliance, 'Compliant');
    const notApplicable = rows.filter((row) => row.compliance === 'NotApplicable');
    assert.ok(notApplicable.every((row) => row.assignment === 'private-links' && row.why.length > 0));
    const table = page.getByRole('table', { name: 'Compliance' });
    assert.equal(await table.locator('tbody tr').first().locator('.badge.bad').textContent(), 'NonCompliant');
    const link = table.locator('tbody tr').first().getByRole('link', { name: '/workspaces/prod/computes/cpu' });
    assert.equal(await link.getAttribute('href'), `/studio/w/${workspace}/computes/cpu`);
    await page.screenshot({ path: join(shots, 'policy.png'), fullPage: true });
  });

  it('lists the assignments reaching the workspace and its exemptions', async () => {
    const assignments = page.getByRole('table', { name: 'Assignments' });
    const vnet = await assignments.locator('tr[data-assignment="vnet"] td').allTextContents();
    assert.equal(vnet[1], '/ (the server)');
    assert.match(vnet[2] ?? '', /virtual network/);
    assert.equal(vnet[3], 'audit');
    assert.equal(vnet[4], 'Default');
    const privateLinks = await assignments.locator('tr[data-assignment="private-links"] td').allTextContents();
    assert.equal(privateLinks[1], `/workspaces/${workspace} (workspace ${workspace})`);
    const exemption = await page.getByRole('table', { name: 'Exemptions' }).locator('tr[data-exemption="lab-waiver"] td').allTextContents();
    assert.deepEqual(
      [exemption[1], exemption[2], exemption[3], exemption[5]],
      ['vnet', `/workspaces/${workspace}/computes/lab`, 'Waiver', 'lab cluster, no private data'],
    );
    assert.match(exemption[4] ?? '', /^2099-01-3[01] /);
  });

  it('filters the table with a chip, in the URL so the view can be linked; again clears it', async () => {
    const chips = page.getByRole('group', { name: 'Filter by compliance' });
    await chips.locator('[data-compliance="Exempt"]').click();
    await page.waitForURL(/\/policy\?compliance=Exempt$/);
    assert.equal(await chips.locator('[data-compliance="Exempt"]').getAttribute('aria-pressed'), 'true');
    assert.deepEqual(await tableRows(), [
      { resource: '/workspaces/prod/computes/lab compute', assignment: 'vnet', compliance: 'Exempt', why: exemptionNote },
    ]);
    await chips.locator('[data-compliance="Exempt"]').click();
    await page.waitForURL(/\/policy$/);
    assert.ok((await tableRows()).length > 1);

    // A linked view opens filtered.
    await page.goto(`${trellis.url}/studio/w/${workspace}/policy?compliance=NonCompliant`);
    await page.getByRole('table', { name: 'Compliance' }).waitFor();
    const rows = await tableRows();
    assert.deepEqual(
      rows.map((row) => `${row.resource} ${row.compliance}`),
      ['/workspaces/prod/computes/cpu compute NonCompliant'],
    );
    await page.screenshot({ path: join(shots, 'policy-non-compliant.png'), fullPage: true });
    await page.getByRole('table', { name: 'Compliance' }).getByRole('link', { name: '/workspaces/prod/computes/cpu' }).click();
    await page.waitForURL(new RegExp(`/studio/w/${workspace}/computes/cpu$`));
  });
});
