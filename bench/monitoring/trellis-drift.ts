/**
 * One measured Trellis drift computation, run as its own process by bench/monitoring.ts so its
 * peak RSS is its own: `node --import tsx bench/monitoring/trellis-drift.ts drift <reference.csv>
 * <current.csv>`. Reads both CSVs from disk into per-feature summaries, column by column (what a monitor
 * run does with a data asset, summarizeFile), then evaluates a data drift signal on every column
 * with the thresholds the comparison uses, and prints one JSON line: the timings, the RSS after
 * the imports and at the end, the peak (process.resourceUsage().maxRSS) and every metric.
 * `parse` instead of `drift` only reads the two files through csv-parse with summarizeFile's
 * options, building nothing: the share of the time that is CSV parsing.
 */
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse as parseDelimited } from 'csv-parse';
import { evaluateDataSignal, type SideData } from '../../src/core/monitoring/evaluate-signal.js';
import { inferFeatureType } from '../../src/core/monitoring/feature-type.js';
import type { DriftSignal } from '../../src/core/monitoring/monitor-definition.js';
import type { DataFile } from '../../src/services/monitoring/monitor-data.js';
import { summarizeFile } from '../../src/services/monitoring/summarize-data.js';

export interface TrellisMetric {
  feature: string;
  featureType: string;
  metric: string;
  value: number | null;
  threshold: number;
  breached: boolean;
}

export interface TrellisDriftOutput {
  referenceRows: number;
  currentRows: number;
  /** Each file read and summarised, ms. */
  summarizeReferenceMs: number;
  summarizeCurrentMs: number;
  /** The signal evaluated from the two summaries, ms. */
  evaluateMs: number;
  /** Numeric sketches that hold every distinct value (exact metrics), by feature. */
  exactSketches: Record<string, boolean>;
  /** Bytes. */
  rssAfterImports: number;
  rssAtEnd: number;
  maxRss: number;
  metrics: TrellisMetric[];
}

export interface ParseOnlyOutput {
  rows: number;
  parseMs: number;
  maxRss: number;
}

const [mode, referencePath, currentPath] = process.argv.slice(2);
if ((mode !== 'drift' && mode !== 'parse') || !referencePath || !currentPath)
  throw new Error('usage: trellis-drift.ts drift|parse <reference.csv> <current.csv>');

if (mode === 'parse') {
  const started = performance.now();
  let rows = 0;
  for (const path of [referencePath, currentPath]) {
    const parser = createReadStream(path).pipe(
      parseDelimited({ delimiter: ',', bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true }),
    );
    for await (const _record of parser) rows++;
    // The header is no row.
    rows--;
  }
  const output: ParseOnlyOutput = { rows, parseMs: performance.now() - started, maxRss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`${JSON.stringify(output)}\n`);
  process.exit(0);
}

const localFile = (path: string): DataFile => ({
  key: `file:${path}`,
  name: path,
  format: { kind: 'delimited', delimiter: ',', header: true },
  hourAt: null,
  open: async () => createReadStream(path),
});

const rssAfterImports = process.memoryUsage.rss();
const started = performance.now();
const reference = await summarizeFile(localFile(referencePath), { isAnswer: false }, null);
const referenceDone = performance.now();
const current = await summarizeFile(localFile(currentPath), { isAnswer: false }, null);
const currentDone = performance.now();

// Azure ML's data_drift signal, with the tests Evidently computes the same way: normalized
// Wasserstein for numerical features, PSI for categorical ones; the Jensen-Shannon distance
// (base 2) of both beside them, for the comparison with Evidently's default tests.
const signal: DriftSignal = {
  name: 'bench-drift',
  type: 'data_drift',
  production: {
    source: { kind: 'asset', reference: 'current', type: 'uri_file' },
    window: { kind: 'all' },
    context: 'model_inputs',
    targetColumn: null,
    columnNames: {},
  },
  reference: {
    source: { kind: 'asset', reference: 'reference', type: 'uri_file' },
    window: { kind: 'all' },
    context: 'training',
    targetColumn: null,
    columnNames: {},
  },
  features: { kind: 'all' },
  featureTypes: {},
  thresholds: {
    numerical: { normalized_wasserstein_distance: 0.1, jensen_shannon_distance: 0.1 },
    categorical: { population_stability_index: 0.1, jensen_shannon_distance: 0.1 },
  },
  alertEnabled: false,
};
const evaluation = evaluateDataSignal(signal, reference, current satisfies SideData, reference.columns);
const evaluated = performance.now();

const exactSketches: Record<string, boolean> = {};
for (const [name, summary] of Object.entries(current.features))
  if (inferFeatureType(reference.features[name]!) === 'numerical')
    exactSketches[name] = Boolean(summary.numeric?.exact && reference.features[name]!.numeric?.exact);

const output: TrellisDriftOutput = {
  referenceRows: reference.rows,
  currentRows: current.rows,
  summarizeReferenceMs: referenceDone - started,
  summarizeCurrentMs: currentDone - referenceDone,
  evaluateMs: evaluated - currentDone,
  exactSketches,
  rssAfterImports,
  rssAtEnd: process.memoryUsage.rss(),
  // resourceUsage reports kilobytes.
  maxRss: process.resourceUsage().maxRSS * 1024,
  metrics: evaluation.metrics.map(({ feature, featureType, metric, value, threshold, breached }) => ({
    feature,
    featureType,
    metric,
    value,
    threshold,
    breached,
  })),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
