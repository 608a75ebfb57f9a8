import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { cliJson, score, waitForDeployment } from './support/endpoints.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The studio's endpoint pages in chromium against a real `trellis up` serving the ONNX iris model
 * as blue and green on one endpoint: what a user sees, the traffic change with its confirmation
 * (checked through the API), the live charts after real scoring calls, and the test-invoke box.
 */

// Callbacks given to page.waitForFunction run in the browser, on its document (declared here with
// just what they use: this file is compiled without the DOM library).
declare const document: {
  querySelector(selector: string): { readonly textContent: string | null; readonly dataset: Record<string, string | undefined> } | null;
};

const environmentCache = join(repositoryRoot, '.cache', 'environments');
const iris = JSON.stringify({
  data: [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 6.0, 2.5],
  ],
});
type Stats = {
  endpoint: string;
  seconds: number;
  deployments: Array<{
    name: string;
    readyInstances: number;
    desiredInstances: number;
    inFlight: number;
    series: Array<{ at: number; requests: number; errors: Record<string, number>; p50Ms: number | null; p99Ms: number | null }>;
  }>;
};

describe('the studio endpoint pages in chromium', { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let key: string;
  const traffic = async () => (await trellis.client.getOnlineEndpoint('default', 'iris-endpoint')).traffic;
  // Each test opens the page it works on, and puts the split where it needs it to start (one test moves it), whichever ran before.
  const endpointPage = () => page.goto(`${trellis.url}/studio/w/default/endpoints/iris-endpoint`);
  const startFromTraffic = (split: Record<string, number>) => trellis.client.setTraffic('default', 'iris-endpoint', { traffic: split });
  /** Requests the stats route counted on iris-endpoint over the last 60 s, all deployments together. */
  const requestsCounted = async () =>
    (
      (await (await fetch(`${trellis.url}/api/v1/workspaces/default/online-endpoints/iris-endpoint/stats?seconds=60`)).json()) as Stats
    ).deployments.reduce((sum, deployment) => sum + deployment.series.reduce((inner, point) => inner + point.requests, 0), 0);

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environmentCache } });
    shots = await screenshotFolder();
    await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml']);
    await cliJson(trellis.url, ['model', 'create', '--file', 'model-v2.yml']);
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'blue.yml', '--all-traffic']);
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'green.yml']);
    for (const deployment of ['blue', 'green']) {
      const ready = await waitForDeployment(trellis.client, 'iris-endpoint', deployment);
      assert.equal(ready.state, 'Succeeded', `${deployment}: ${ready.reason}\n${trellis.output()}`);
    }
    key = (await cliJson<{ primaryKey: string }>(trellis.url, ['online-endpoint', 'get-credentials', '--name', 'iris-endpoint']))
      .primaryKey;
    ({ browser, page } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('lists the endpoint with its auth, split and deployment count', async () => {
    await startFromTraffic({ blue: 100, green: 0 });
    await page.goto(`${trellis.url}/studio/w/default/endpoints`);
    const row = page.getByRole('table', { name: 'Endpoints' }).getByRole('row', { name: /iris-endpoint/ });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    assert.match(text, /key/);
    assert.match(text, /blue 100%/);
    assert.match(text, /Succeeded/);
    assert.equal(await row.locator('td').nth(3).textContent(), '2');
    await page.screenshot({ path: join(shots, 'endpoints.png'), fullPage: true });
  });

  it('shows each deployment with its state, instances, model and who deployed it', async () => {
    await page.goto(`${trellis.url}/studio/w/default/endpoints`);
    await page.getByRole('link', { name: 'iris-endpoint' }).click();
    await page.waitForURL(/\/endpoints\/iris-endpoint$/);
    const table = page.getByRole('table', { name: 'Deployments' });
    for (const name of ['blue', 'green']) await table.getByRole('row', { name: new RegExp(name) }).waitFor();
    const green = (await table.getByRole('row', { name: /green/ }).textContent()) ?? '';
    assert.match(green, /Succeeded/);
    assert.match(green, /1\/1/, 'one ready instance of one wanted');
    assert.match(green, /iris-onnx:2/);
    await page.getByRole('table', { name: 'Instances' }).getByRole('row', { name: /blue/ }).waitFor();
  });

  it('refuses a split that does not add up to 100, inline, and changes nothing', async () => {
    const split = await traffic();
    await endpointPage();
    await page.getByRole('spinbutton', { name: 'Traffic to blue (%)' }).fill('60');
    await page.getByRole('spinbutton', { name: 'Traffic to green (%)' }).fill('30');
    const error = page.getByTestId('traffic-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /add up to 90%/);
    assert.equal(await page.getByRole('button', { name: 'Review change' }).isDisabled(), true);
    await page.screenshot({ path: join(shots, 'endpoint-bad-split.png'), fullPage: true });
    assert.deepEqual(await traffic(), split);
  });

  it('moves traffic to blue=50 green=50 after a confirmation showing old → new', async () => {
    await startFromTraffic({ blue: 100, green: 0 });
    const split = await traffic();
    await endpointPage();
    await page.getByRole('spinbutton', { name: 'Traffic to blue (%)' }).fill('50');
    await page.getByRole('spinbutton', { name: 'Traffic to green (%)' }).fill('50');
    await page.getByRole('button', { name: 'Review change' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm the traffic change' });
    await dialog.waitFor();
    const asked = (await dialog.textContent()) ?? '';
    assert.match(asked, /blue: 100% → 50%/);
    assert.match(asked, /green: 0% → 50%/);
    // Nothing is applied before the confirmation.
    assert.deepEqual(await traffic(), split);
    await page.screenshot({ path: join(shots, 'endpoint-confirm.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="traffic-now"]')?.textContent === 'blue 50% · green 50%');
    assert.deepEqual(await traffic(), { blue: 50, green: 50 });
  });

  it('charts the requests it gets, and answers the stats route (404 for an unknown endpoint)', async () => {
    // Both deployments take requests; other tests' requests of the last minute are counted from here.
    await startFromTraffic({ blue: 50, green: 50 });
    await endpointPage();
    const earlier = await requestsCounted();
    const sent = 40;
    for (let index = 0; index < sent; index++) {
      const answer = await score(`${trellis.url}/endpoints/iris-endpoint/score`, { credential: key, body: iris });
      assert.equal(answer.status, 200, answer.text);
    }
    const stats = (await (
      await fetch(`${trellis.url}/api/v1/workspaces/default/online-endpoints/iris-endpoint/stats?seconds=60`)
    ).json()) as Stats;
    assert.equal(stats.seconds, 60);
    assert.deepEqual(stats.deployments.map((deployment) => deployment.name).sort(), ['blue', 'green']);
    for (const deployment of stats.deployments) {
      assert.equal(deployment.series.length, 60);
      assert.equal(deployment.readyInstances, 1);
      assert.ok(
        deployment.series.some((point) => point.p99Ms !== null),
        `${deployment.name} has latencies`,
      );
    }
    const counted = stats.deployments.reduce(
      (sum, deployment) => sum + deployment.series.reduce((inner, point) => inner + point.requests, 0),
      0,
    );
    assert.equal(counted, earlier + sent);
    const missing = await fetch(`${trellis.url}/api/v1/workspaces/default/online-endpoints/nope/stats`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { detail: string }).detail, /endpoint 'nope' does not exist/);
    const badQuery = await fetch(`${trellis.url}/api/v1/workspaces/default/online-endpoints/iris-endpoint/stats?seconds=0`);
    assert.equal(badQuery.status, 400);

    // The page reads the numbers every 2 s: they reach the caption and the charts.
    await page.waitForFunction((count) => Number(document.querySelector('.live')?.dataset.requests) >= count, earlier + sent, {
      timeout: 10_000,
    });
    assert.match((await page.locator('.live-caption').textContent()) ?? '', new RegExp(`^${earlier + sent} requests and 0 errors`));
    assert.equal((await page.locator('.live .metric-panel canvas').count()) >= 4, true);
    await page.screenshot({ path: join(shots, 'endpoint-live.png'), fullPage: true });
  });

  it('sends a test request to the deployment chosen and shows the answer with the deployment and model', async () => {
    await endpointPage();
    const box = page.getByRole('textbox', { name: 'Request body' });
    assert.match(await box.inputValue(), /"data"/);
    await page.getByRole('combobox', { name: 'Target deployment' }).selectOption('green');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.locator('.invoke-answer');
    await answer.waitFor();
    assert.equal(await answer.getAttribute('data-status'), '200');
    assert.equal(await page.getByTestId('answered-by').textContent(), 'green');
    assert.match((await answer.textContent()) ?? '', /iris-onnx:2/);
    assert.match((await page.getByLabel('Response body').textContent()) ?? '', /\[/);
    await page.screenshot({ path: join(shots, 'endpoint-invoke.png'), fullPage: true });
  });

  it('tells how to create an endpoint in a workspace without any', async () => {
    const created = await fetch(`${trellis.url}/api/v1/workspaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'empty-ws' }),
    });
    assert.ok(created.status < 300, await created.text());
    await page.goto(`${trellis.url}/studio/w/empty-ws/endpoints`);
    await page.getByRole('heading', { name: 'No online endpoints yet' }).waitFor();
    assert.match((await page.locator('.empty pre').textContent()) ?? '', /trellis online-endpoint create --file endpoint.yml -w empty-ws/);
  });
});
