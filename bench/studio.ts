/**
 * The studio in a browser (Debian's chromium through playwright-core, headless) against MLflow's
 * own web UI (served by `mlflow server`), both on this machine in one run, one after the other:
 *   (1) the run table of an experiment of 50,000 runs: page.goto to the first run row visible;
 *   (2) the chart of one metric of 1,000,000 points: page.goto to the chart drawn;
 *   (3) Trellis alone: the series API call the chart makes, to tell the server's part.
 * Each repetition opens the page in a new browser context (no cache, no storage).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import { Store } from '../src/store/store.js';
import { launchBrowser } from '../test/support/browser.js';
import { repositoryRoot } from '../test/support/trellis-process.js';
import { call, startMlflowTarget, startTrellisTarget, type Target } from './mlflow-tracking.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { ensurePythonEnv } from '../scripts/python-env.mjs';

// The callbacks given to page.waitForFunction run in the browser; this file has no DOM library,
// so it declares the little of the document that they use.
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: 'canvas'): PageCanvas | null;
  querySelector(selector: string): PageElement | null;
}
interface PageCanvas extends PageElement {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } };
}
declare const document: { querySelectorAll(selector: string): Iterable<PageElement> };

export interface StudioBenchOptions {
  runs: number;
  points: number;
  repetitions: number;
  seriesCalls: number;
  /** How long one page load may take before it counts as failed. */
  timeoutMs: number;
  log: (line: string) => void;
}

/** Times of one measurement in ms; `failure` says why the later repetitions were not made. */
export interface Timings {
  samples: number[];
  p50: number;
  max: number;
  failure?: string;
}

export interface StudioFigures {
  server: string;
  table: Timings;
  chart: Timings;
  /** Trellis only: GET .../metrics/<key>/series?points=1500 of the long metric. */
  series?: Timings;
}

const metricKey = 'loss';
const seriesPoints = 1500;

/** What differs between the two UIs: where their pages are and what "drawn" means on each. */
interface Ui {
  tableUrl(experimentId: string): string;
  tableShown(page: Page, lastRunName: string, timeout: number): Promise<void>;
  chartUrl(experimentId: string, runId: string): string;
  chartDrawn(page: Page, points: number, timeout: number): Promise<void>;
  seedMetric(target: Target, runId: string, points: number, startTime: number): Promise<void>;
}

function loss(step: number, count: number): number {
  return Math.exp(-step / (count / 5)) + 0.05 * Math.sin(step / 50);
}

const trellisUi: Ui = {
  tableUrl: (experimentId) => `/studio/w/default/experiments/${experimentId}`,
  async tableShown(page, _lastRunName, timeout) {
    await page.locator('table[aria-label="Runs"] tbody tr').first().waitFor({ state: 'visible', timeout });
  },
  chartUrl: (_experimentId, runId) => `/studio/w/default/runs/${runId}`,
  async chartDrawn(page, points, timeout) {
    // The panel of this metric says it shows "... of 1,000,000 points" and its canvas has pixels on it.
    await page.waitForFunction(
      (caption: string) => {
        const figure = [...document.querySelectorAll('figure.metric-panel')].find((element) =>
          element.querySelector('figcaption')?.textContent?.includes(caption),
        );
        const canvas = figure?.querySelector('canvas');
        if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
        const pixels: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0 && ++painted > 500) return true;
        return false;
      },
      `of ${points.toLocaleString('en')} points`,
      { timeout, polling: 10 },
    );
  },
  async seedMetric(target, runId, points, startTime) {
    const store = Store.open({ home: target.dataPath });
    try {
      for (let first = 0; first < points; first += 100_000) {
        await store.transaction(async (repositories) => {
          for (let batch = first; batch < Math.min(points, first + 100_000); batch += 10_000) {
            const metrics = Array.from({ length: Math.min(10_000, points - batch) }, (_, offset) => ({
              key: metricKey,
              value: loss(batch + offset, points),
              timestamp: startTime + batch + offset,
              step: batch + offset,
            }));
            await repositories.runs.logMetrics(runId, metrics);
          }
        });
      }
    } finally {
      await store.close();
    }
  },
};

const mlflowUi = (python: string): Ui => ({
  tableUrl: (experimentId) => `/#/experiments/${experimentId}/runs`,
  async tableShown(page, lastRunName, timeout) {
    // The newest run comes first in MLflow's default order (start time, descending).
    await page.getByText(lastRunName, { exact: true }).first().waitFor({ state: 'visible', timeout });
  },
  chartUrl: (experimentId, runId) => `/#/experiments/${experimentId}/runs/${runId}/model-metrics`,
  async chartDrawn(page, _points, timeout) {
    // MLflow draws its line charts with plotly as SVG: the chart is drawn when a trace's line path has its points.
    await page.waitForFunction(
      () => [...document.querySelectorAll('path.js-line')].some((path) => (path.getAttribute('d') ?? '').split('L').length > 50),
      undefined,
      { timeout, polling: 10 },
    );
  },
  async seedMetric(target, runId, points, startTime) {
    const seeder = spawn(
      python,
      [join(repositoryRoot, 'bench', 'mlflow', 'seed_metric.py'), target.dataPath, runId, metricKey, String(points), String(startTime)],
      { stdio: 'inherit' },
    );
    const code = await new Promise<number | null>((resolve) => seeder.once('exit', resolve));
    if (code !== 0) throw new Error(`seeding MLflow's database with ${points} points failed (${code})`);
  },
});

function summarize(samples: number[], failure?: string): Timings {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples,
    p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    ...(failure ? { failure } : {}),
  };
}

/** Opens `url` in a new context `repetitions` times, timing goto to `shown`; stops at the first failure. */
async function timePage(
  browser: Browser,
  url: string,
  shown: (page: Page) => Promise<void>,
  options: StudioBenchOptions,
  label: string,
): Promise<Timings> {
  const samples: number[] = [];
  for (let i = 0; i < options.repetitions; i++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    try {
      const started = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await shown(page);
      samples.push(performance.now() - started);
      options.log(`  ${label} #${i + 1}: ${samples.at(-1)!.toFixed(0)} ms`);
    } catch (error) {
      const failure = `repetition ${i + 1}: ${(error as Error).message.split('\n')[0]}`;
      options.log(`  ${label} ${failure}`);
      await page
        .screenshot({ path: join(repositoryRoot, 'test-output', `bench-studio-${label.replace(/\W+/g, '-')}.png`) })
        .catch(() => undefined);
      return summarize(samples, failure);
    } finally {
      await context.close();
    }
  }
  return summarize(samples);
}

async function timeSeries(target: Target, runId: string, options: StudioBenchOptions): Promise<Timings> {
  const samples: number[] = [];
  for (let i = 0; i < options.seriesCalls; i++) {
    const started = performance.now();
    const response = await fetch(
      `${target.url}/api/v1/workspaces/default/runs/${runId}/metrics/${metricKey}/series?points=${seriesPoints}`,
    );
    const body = (await response.json()) as { total?: number; points?: unknown[] };
    samples.push(performance.now() - started);
    if (!response.ok || body.total !== options.points)
      throw new Error(`the series API answered ${response.status} with ${body.total} points of ${options.points}`);
  }
  return summarize(samples);
}

async function measure(target: Target, ui: Ui, browser: Browser, options: StudioBenchOptions): Promise<StudioFigures> {
  const tableExperiment = (await call<{ experiment_id: string }>(target.url, 'experiments/create', { name: 'bench-studio-table' }))
    .experiment_id;
  let started = performance.now();
  await target.seedRuns(tableExperiment, options.runs, Date.now() - options.runs);
  options.log(`  seeded ${options.runs.toLocaleString('en')} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const chartExperiment = (await call<{ experiment_id: string }>(target.url, 'experiments/create', { name: 'bench-studio-chart' }))
    .experiment_id;
  const runId = (
    await call<{ run: { info: { run_id: string } } }>(target.url, 'runs/create', {
      experiment_id: chartExperiment,
      run_name: 'long-run',
      start_time: Date.now(),
    })
  ).run.info.run_id;
  started = performance.now();
  await ui.seedMetric(target, runId, options.points, Date.now() - options.points);
  await call(target.url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  options.log(
    `  seeded ${options.points.toLocaleString('en')} points of '${metricKey}' in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const lastRunName = `run-${options.runs - 1}`;
  const table = await timePage(
    browser,
    target.url + ui.tableUrl(tableExperiment),
    (page) => ui.tableShown(page, lastRunName, options.timeoutMs),
    options,
    `${target.name} table`,
  );
  const chart = await timePage(
    browser,
    target.url + ui.chartUrl(chartExperiment, runId),
    (page) => ui.chartDrawn(page, options.points, options.timeoutMs),
    options,
    `${target.name} chart`,
  );
  const series = ui === trellisUi ? await timeSeries(target, runId, options) : undefined;
  return { server: target.name, table, chart, ...(series ? { series } : {}) };
}

/** Runs the measurements on Trellis, then on MLflow (never both servers at once). */
export async function runStudioBench(options: StudioBenchOptions): Promise<StudioFigures[]> {
  const python = ensurePythonEnv({ log: options.log }) as string;
  if (!existsSync(join(python, '..', 'mlflow'))) throw new Error('the Python environment has no mlflow executable');
  const browser = await launchBrowser();
  const figures: StudioFigures[] = [];
  try {
    for (const [start, ui] of [
      [startTrellisTarget, trellisUi],
      [() => startMlflowTarget(python), mlflowUi(python)],
    ] as const) {
      const target = await start();
      try {
        options.log(`${target.name} at ${target.url}`);
        figures.push(await measure(target, ui, browser, options));
      } finally {
        await target.stop();
      }
    }
  } finally {
    await browser.close();
  }
  return figures;
}
