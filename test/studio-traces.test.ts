import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The studio's MLflow traces in chromium against a real `trellis up`. Three traces are sent as an
 * OpenTelemetry exporter sends them (OTLP/JSON to /v1/traces with x-mlflow-experiment-id): an agent
 * whose retriever failed and whose LLM call has inputs and outputs, a trace whose root failed, and
 * one of 5,000 spans. The experiment's traces page lists them newest first, filters with MLflow's
 * trace filter (kept in the URL) and pages by page_token; the trace page draws the span tree on a
 * timeline with the failed span marked, shows a span's inputs and outputs, collapses and expands,
 * and draws only the rows in view of the 5,000. Screenshots in test-output/studio/.
 */

/** A trace id in OTLP/JSON (hex); MLflow names the trace tr-<it>. */
const agentTraceId = '0af7651916cd43dd8448eb211c80319c';
const failedTraceId = '1bf7651916cd43dd8448eb211c80319d';
const bigTraceId = '2cf7651916cd43dd8448eb211c80319e';
const bigSpanCount = 5_000;
/** A hex span id as MLflow's replies carry it (base64 of its bytes). */
const base64Of = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Milliseconds after the test's zero. */
  start: number;
  end: number;
  type?: string;
  inputs?: unknown;
  outputs?: unknown;
  error?: string;
}

describe("the studio's traces in chromium", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let experimentId: string;
  /** Uncaught errors in the page: none is expected. */
  const pageErrors: string[] = [];
  // Whole milliseconds a minute ago, so every span time is exact in nanoseconds.
  const zeroNs = BigInt(Date.now() - 60_000) * 1_000_000n;

  /** A span as OTLP/JSON writes it, with MLflow's attributes JSON-encoded as MLflow's exporter sends them. */
  const otlpSpan = (spec: SpanSpec) => ({
    traceId: spec.traceId,
    spanId: spec.spanId,
    ...(spec.parentSpanId ? { parentSpanId: spec.parentSpanId } : {}),
    name: spec.name,
    kind: 1,
    startTimeUnixNano: String(zeroNs + BigInt(spec.start) * 1_000_000n),
    endTimeUnixNano: String(zeroNs + BigInt(spec.end) * 1_000_000n),
    attributes: [
      ...(spec.type ? [{ key: 'mlflow.spanType', value: { stringValue: JSON.stringify(spec.type) } }] : []),
      ...(spec.inputs === undefined ? [] : [{ key: 'mlflow.spanInputs', value: { stringValue: JSON.stringify(spec.inputs) } }]),
      ...(spec.outputs === undefined ? [] : [{ key: 'mlflow.spanOutputs', value: { stringValue: JSON.stringify(spec.outputs) } }]),
    ],
    ...(spec.error
      ? {
          status: { code: 2, message: spec.error },
          events: [
            {
              name: 'exception',
              timeUnixNano: String(zeroNs + BigInt(spec.end) * 1_000_000n),
              attributes: [{ key: 'exception.message', value: { stringValue: spec.error } }],
            },
          ],
        }
      : { status: { code: 1 } }),
  });

  /** Sends spans to a workspace's OTLP endpoint (the default one at the server root, another under /workspaces/{ws}/mlflow). */
  const sendSpans = async (spans: SpanSpec[], base = trellis.url, experiment = experimentId) => {
    const response = await fetch(`${base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': experiment },
      body: JSON.stringify({
        resourceSpans: [
          { resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'studio-traces-test' }, spans: spans.map(otlpSpan) }] },
        ],
      }),
    });
    assert.equal(response.status, 200, `/v1/traces answered ${response.status}: ${await response.text()}`);
  };

  /** The traces table's rows: the trace id of each. */
  const listedIds = async () =>
    page
      .getByRole('table', { name: 'Traces' })
      .locator('tbody tr td:first-child')
      .evaluateAll((cells) => cells.map((cell: { textContent: string | null }) => cell.textContent ?? ''));
  /** The tree's rows drawn now, by name. */
  const drawnSpans = async () =>
    page
      .getByRole('treeitem')
      .evaluateAll((rows) => rows.map((row: { getAttribute(name: string): string | null }) => row.getAttribute('aria-label') ?? ''));
  /** Waits until the table lists exactly `ids` (a search's answer arrives after the URL changes). */
  const waitForListed = (ids: string[]) =>
    waitFor(listedIds, { what: `the traces ${ids.join(', ')}`, until: (listed) => JSON.stringify(listed) === JSON.stringify(ids) });
  const filterBy = async (filter: string) => {
    await page.getByRole('textbox', { name: 'Filter traces' }).fill(filter);
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('filter') === filter);
  };

  before(async () => {
    trellis = await startTrellis();
    shots = await screenshotFolder();
    ({ experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', {
      name: 'rag-agent',
    }));
    await sendSpans([
      {
        traceId: agentTraceId,
        spanId: 'a000000000000001',
        name: 'agent',
        start: 0,
        end: 400,
        type: 'AGENT',
        inputs: { question: 'what is trellis?' },
      },
      {
        traceId: agentTraceId,
        spanId: 'a000000000000002',
        parentSpanId: 'a000000000000001',
        name: 'retrieve',
        start: 100,
        end: 150,
        type: 'RETRIEVER',
        error: 'index offline',
      },
      {
        traceId: agentTraceId,
        spanId: 'a000000000000003',
        parentSpanId: 'a000000000000001',
        name: 'llm',
        start: 200,
        end: 380,
        type: 'LLM',
        inputs: { prompt: 'Answer briefly: what is trellis?' },
        outputs: { text: 'A self-hosted ML platform.' },
      },
    ]);
    await sendSpans([
      { traceId: failedTraceId, spanId: 'b000000000000001', name: 'fails', start: 1_000, end: 1_010, error: 'ValueError: bad input 3' },
    ]);
    // The big trace in batches, as an exporter sends a long-running trace: a root, 50 steps under it, the rest under the steps.
    const big: SpanSpec[] = [
      { traceId: bigTraceId, spanId: 'c000000000000000', name: 'pipeline', start: 2_000, end: 2_000 + bigSpanCount, type: 'CHAIN' },
    ];
    for (let index = 1; index < bigSpanCount; index++) {
      const parent = index <= 50 ? 0 : ((index - 1) % 50) + 1;
      big.push({
        traceId: bigTraceId,
        spanId: `c${String(index).padStart(15, '0')}`,
        parentSpanId: `c${String(parent).padStart(15, '0')}`,
        name: `step-${index}`,
        start: 2_000 + index,
        end: 2_000 + index + 1,
      });
    }
    for (let first = 0; first < big.length; first += 1_000) await sendSpans(big.slice(first, first + 1_000));
    ({ browser, page } = await openBrowserPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    assert.deepEqual(pageErrors, [], 'no uncaught error in the studio');
  });

  it("lists an experiment's traces newest first, reached from the experiment page", async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}`);
    await page.getByRole('link', { name: 'Traces', exact: true }).click();
    await page.waitForURL(new RegExp(`/studio/w/default/experiments/${experimentId}/traces$`));
    await page.getByRole('table', { name: 'Traces' }).waitFor();
    assert.deepEqual(await listedIds(), [`tr-${bigTraceId}`, `tr-${failedTraceId}`, `tr-${agentTraceId}`]);
    const agentRow = page.getByRole('table', { name: 'Traces' }).locator('tbody tr', { hasText: `tr-${agentTraceId}` });
    assert.match((await agentRow.textContent()) ?? '', /400 ms/);
    assert.match((await agentRow.textContent()) ?? '', /what is trellis\?/);
    const failedRow = page.getByRole('table', { name: 'Traces' }).locator('tbody tr', { hasText: `tr-${failedTraceId}` });
    assert.equal(await failedRow.locator('.badge').textContent(), 'ERROR');
    await page.screenshot({ path: join(shots, 'traces.png'), fullPage: true });
  });

  it("searches with MLflow's trace filter, kept in the URL, and says when nothing matches", async () => {
    await filterBy("trace.status = 'ERROR'");
    await waitForListed([`tr-${failedTraceId}`]);
    await filterBy("span.name = 'retrieve'");
    await waitForListed([`tr-${agentTraceId}`]);
    // The filter is in the URL: reloading shows the same search.
    await page.reload();
    await page.getByRole('table', { name: 'Traces' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Filter traces' }).inputValue(), "span.name = 'retrieve'");
    assert.deepEqual(await listedIds(), [`tr-${agentTraceId}`]);
    await filterBy("span.name = 'no-such-span'");
    await page.getByText('No trace matches this filter.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((url) => !url.searchParams.has('filter'));
    await page.getByRole('table', { name: 'Traces' }).waitFor();
  });

  it('pages with the page token', async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}/traces?size=2`);
    await page.getByRole('table', { name: 'Traces' }).waitFor();
    assert.deepEqual(await listedIds(), [`tr-${bigTraceId}`, `tr-${failedTraceId}`]);
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText('page 2 · 1 traces').waitFor();
    assert.deepEqual(await listedIds(), [`tr-${agentTraceId}`]);
    assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), true);
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByText('page 1 · 2 traces').waitFor();
  });

  it('opens a trace: the span tree on a timeline, the failed span marked, a span in full', async () => {
    await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}/traces`);
    await page.getByRole('link', { name: `tr-${agentTraceId}` }).click();
    await page.waitForURL(new RegExp(`/studio/w/default/traces/tr-${agentTraceId}`));
    await page.getByRole('tree', { name: 'Spans' }).waitFor();
    assert.deepEqual(await drawnSpans(), ['agent', 'retrieve', 'llm']);
    const row = (name: string) => page.getByRole('treeitem', { name, exact: true });
    assert.equal(await row('agent').getAttribute('aria-expanded'), 'true');
    assert.equal(await row('retrieve').getAttribute('aria-level'), '2');
    // Durations and offsets on the shared timeline: retrieve starts a quarter of the way in and lasts an eighth.
    assert.equal(await row('agent').locator('.span-duration').textContent(), '400 ms');
    assert.equal(await row('retrieve').locator('.span-duration').textContent(), '50 ms');
    assert.equal(await row('llm').locator('.span-duration').textContent(), '180 ms');
    const bar = await row('retrieve')
      .locator('.span-bar')
      .evaluate((element: { style: { left: string; width: string } }) => [element.style.left, element.style.width]);
    assert.deepEqual(
      bar.map((value) => Number.parseFloat(value)),
      [25, 12.5],
    );
    // The failed span is marked in the tree and in full.
    assert.match((await row('retrieve').getAttribute('class')) ?? '', /\berror\b/);
    assert.match((await row('retrieve').textContent()) ?? '', /error/);
    await row('retrieve').click();
    const details = page.getByRole('region', { name: 'Span details' });
    await details.getByRole('heading', { name: /retrieve/ }).waitFor();
    assert.equal(await details.locator('.badge').textContent(), 'ERROR');
    await details.getByText('index offline').first().waitFor();
    assert.match((await details.textContent()) ?? '', /exception/);
    // The LLM call's inputs and outputs, as indented JSON; the selection is in the URL.
    await row('llm').click();
    await page.waitForURL((url) => url.searchParams.get('span') !== null);
    await details.getByRole('heading', { name: /llm/ }).waitFor();
    const blocks = await details.locator('pre.span-json').allTextContents();
    assert.equal(blocks[0], JSON.stringify({ prompt: 'Answer briefly: what is trellis?' }, null, 2));
    assert.equal(blocks[1], JSON.stringify({ text: 'A self-hosted ML platform.' }, null, 2));
    assert.match((await details.textContent()) ?? '', /Starts at\+200 ms/);
    await page.screenshot({ path: join(shots, 'trace.png'), fullPage: true });
    // Collapsing the root hides its children; the keys open it again.
    await page.getByRole('button', { name: 'Collapse agent' }).click();
    assert.deepEqual(await drawnSpans(), ['agent']);
    await row('agent').click();
    await row('agent').press('ArrowRight');
    await row('llm').waitFor();
    assert.deepEqual(await drawnSpans(), ['agent', 'retrieve', 'llm']);
  });

  it('opens a failed trace with its error and exception shown', async () => {
    await page.goto(`${trellis.url}/studio/w/default/traces/tr-${failedTraceId}`);
    await page.getByRole('tree', { name: 'Spans' }).waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).locator('.badge').textContent(), 'ERROR');
    const details = page.getByRole('region', { name: 'Span details' });
    await details.getByText('ValueError: bad input 3').first().waitFor();
    assert.match((await page.getByRole('treeitem', { name: 'fails' }).getAttribute('class')) ?? '', /\berror\b/);
  });

  it('stays responsive on 5,000 spans: opens at its top, expands all, draws only the rows in view', async () => {
    const opened = Date.now();
    await page.goto(`${trellis.url}/studio/w/default/traces/tr-${bigTraceId}`);
    await page.getByRole('tree', { name: 'Spans' }).waitFor();
    const openMs = Date.now() - opened;
    // It opens as far down as a couple of hundred rows go: the root and its 50 steps at least.
    const shown = Number(/^(\d+) of/.exec((await page.getByText(`of ${bigSpanCount} spans shown`).textContent()) ?? '')?.[1]);
    assert.ok(shown >= 51 && shown <= 200, `opens with ${shown} spans shown`);
    const expanding = Date.now();
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.getByText(`${bigSpanCount} of ${bigSpanCount} spans shown`).waitFor();
    const expandMs = Date.now() - expanding;
    const drawn = await drawnSpans();
    assert.ok(drawn.length > 10 && drawn.length < 100, `${drawn.length} rows drawn of ${bigSpanCount}`);
    // Scrolled to the end, the last rows are drawn instead of the first: the last row is the last child of the last step.
    await page.getByRole('tree', { name: 'Spans' }).evaluate((tree: { scrollTop: number; scrollHeight: number }) => {
      tree.scrollTop = tree.scrollHeight;
    });
    await page.getByRole('treeitem', { name: `step-${bigSpanCount - 50}`, exact: true }).waitFor();
    assert.ok((await drawnSpans()).length < 100);
    assert.equal(await page.getByRole('treeitem', { name: 'pipeline' }).count(), 0, 'the root scrolled out is not drawn');
    await page.screenshot({ path: join(shots, 'trace-5000-spans.png'), fullPage: true });
    assert.ok(expandMs < 5_000, `expanding 5,000 spans took ${expandMs} ms`);
    assert.ok(openMs < 15_000, `opening 5,000 spans took ${openMs} ms`);
    // A link to a span deep in it opens with the way down expanded and the span in view, selected.
    await page.goto(`${trellis.url}/studio/w/default/traces/tr-${bigTraceId}?span=${encodeURIComponent(base64Of('c000000000004950'))}`);
    const linked = page.getByRole('treeitem', { name: 'step-4950', exact: true });
    await linked.waitFor();
    assert.equal(await linked.getAttribute('aria-selected'), 'true');
    await page
      .getByRole('region', { name: 'Span details' })
      .getByRole('heading', { name: /step-4950/ })
      .waitFor();
  });

  it("shows a named workspace's traces under its own prefix, apart from the default workspace's", async () => {
    await trellis.client.createWorkspace({ name: 'dev' });
    const base = `${trellis.url}/workspaces/dev/mlflow`;
    const { experiment_id: devExperimentId } = await mlflowPost<{ experiment_id: string }>(base, 'experiments/create', {
      name: 'dev-agent',
    });
    const devTraceId = '3df7651916cd43dd8448eb211c80319f';
    await sendSpans(
      [{ traceId: devTraceId, spanId: 'd000000000000001', name: 'dev-root', start: 9_000, end: 9_020, inputs: { where: 'dev' } }],
      base,
      devExperimentId,
    );
    await page.goto(`${trellis.url}/studio/w/dev/experiments/${devExperimentId}/traces`);
    await page.getByRole('table', { name: 'Traces' }).waitFor();
    assert.deepEqual(await listedIds(), [`tr-${devTraceId}`]);
    await page.getByRole('link', { name: `tr-${devTraceId}` }).click();
    await page.waitForURL(new RegExp(`/studio/w/dev/traces/tr-${devTraceId}`));
    await page.getByRole('treeitem', { name: 'dev-root' }).waitFor();
    assert.equal(
      await page.getByRole('region', { name: 'Span details' }).locator('pre.span-json').first().textContent(),
      JSON.stringify({ where: 'dev' }, null, 2),
    );
    // The default workspace does not answer for it.
    await page.goto(`${trellis.url}/studio/w/default/traces/tr-${devTraceId}`);
    await page.getByRole('alert').waitFor();
  });
});

describe("the studio's traces with authentication on: a Reader's session", { skip: browserUnavailable }, () => {
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let owner: string;
  const pageErrors: string[] = [];
  const traceId = '4ef7651916cd43dd8448eb211c8031a0';

  /** A call as the server's owner (its token file), answering 200 or 201 with JSON. */
  const asOwner = async <T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${trellis.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.status === 200 || response.status === 201, `${path} answered ${response.status}: ${text}`);
    return JSON.parse(text || '{}');
  };

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true' } });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    await asOwner('/api/v1/principals', { name: 'reader-bot', kind: 'servicePrincipal' });
    await asOwner('/api/v1/role-assignments', { role: 'Reader', assignee: 'reader-bot', scope: '/workspaces/default' });
    const { experiment_id: experimentId } = await asOwner<{ experiment_id: string }>('/api/2.0/mlflow/experiments/create', {
      name: 'secured',
    });
    const start = BigInt(Date.now() - 10_000) * 1_000_000n;
    await asOwner(
      '/v1/traces',
      {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId: 'e000000000000001',
                    name: 'secured-root',
                    startTimeUnixNano: String(start),
                    endTimeUnixNano: String(start + 30_000_000n),
                    attributes: [{ key: 'mlflow.spanInputs', value: { stringValue: '{"who": "reader"}' } }],
                  },
                ],
              },
            ],
          },
        ],
      },
      { 'x-mlflow-experiment-id': experimentId },
    );
    ({ browser, page } = await openBrowserPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const { token } = await asOwner<{ token: string }>('/api/v1/tokens', { name: 'studio', principal: 'reader-bot', expiresIn: '1d' });
    await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}/traces`);
    await page.getByLabel('Personal access token').fill(token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.locator('.signed-in', { hasText: 'reader-bot' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    assert.deepEqual(pageErrors, [], 'no uncaught error in the studio');
  });

  it('searches (a POST, sent with the session and its CSRF token) and opens the trace', async () => {
    await page.getByRole('link', { name: `tr-${traceId}` }).click();
    await page.getByRole('treeitem', { name: 'secured-root' }).waitFor();
    assert.equal(
      await page.getByRole('region', { name: 'Span details' }).locator('pre.span-json').first().textContent(),
      JSON.stringify({ who: 'reader' }, null, 2),
    );
  });
});
