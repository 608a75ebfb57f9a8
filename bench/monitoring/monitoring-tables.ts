/** The tables BENCHMARKS.md records for bench/monitoring.ts, as markdown lines. */
import type { EvidentlyOutput, Measured, MonitoringBenchResult } from '../monitoring.js';
import { features } from './dataset.js';
import type { TrellisDriftOutput, TrellisMetric } from './trellis-drift.js';

const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const value = (figure: number | null | undefined) =>
  figure === null || figure === undefined ? '—' : Math.abs(figure) < 0.001 ? figure.toExponential(3) : figure.toFixed(5);
const yes = (flag: boolean) => (flag ? 'yes' : 'no');

/** Trellis's whole computation: both files summarised, then the signal evaluated, ms. */
export function trellisTotalMs(output: TrellisDriftOutput): number {
  return output.summarizeReferenceMs + output.summarizeCurrentMs + output.evaluateMs;
}

const evidentlyTotalMs = (output: EvidentlyOutput) => (output.loadS + output.computeS) * 1000;

function metricOf(output: TrellisDriftOutput, feature: string, metric: string): TrellisMetric | undefined {
  return output.metrics.find((entry) => entry.feature === feature && entry.metric === metric);
}

/** Evidently's verdict rule for its distances: drift when the value is at or above the threshold. */
const drifts = (figure: number | null | undefined, threshold: number) => figure !== null && figure !== undefined && figure >= threshold;

export function monitoringTables(result: MonitoringBenchResult): string[] {
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  const { trellis, trellisLarge, parseOnly, evidentlyMatched, evidentlyDefault } = result;
  const rows = result.rows.toLocaleString('en');

  out(`\n### Time and peak memory, ${rows} reference + ${rows} current rows × 20 features (goal: Trellis ≥ 10× faster)\n`);
  out('| run | read the two CSVs | compute drift, 20 features | total | process, spawn → exit | peak RSS (after imports) |');
  out('| --- | --- | --- | --- | --- | --- |');
  const t = trellis.output;
  out(
    `| Trellis: summarizeFile of each file (column by column into per-feature summaries), then evaluateDataSignal | ${seconds(t.summarizeReferenceMs + t.summarizeCurrentMs)} (${seconds(t.summarizeReferenceMs)} + ${seconds(t.summarizeCurrentMs)}) | ${t.evaluateMs.toFixed(0)} ms | ${seconds(trellisTotalMs(t))} | ${seconds(trellis.wallMs)} | ${mebibytes(t.maxRss)} (${mebibytes(t.rssAfterImports)}) |`,
  );
  for (const [label, run] of [
    ['Evidently, tests matched (`wasserstein`, `psi`): pandas.read_csv, then Report([DataDriftPreset])', evidentlyMatched],
    ["Evidently, its defaults: the same, types inferred, tests of Evidently's choice", evidentlyDefault],
  ] as const) {
    const e = run.output;
    out(
      `| ${label} | ${seconds(e.loadS * 1000)} | ${seconds(e.computeS * 1000)} | ${seconds(evidentlyTotalMs(e))} | ${seconds(run.wallMs)} | ${mebibytes(e.maxRss)} (${mebibytes(e.rssAfterImports)}) |`,
    );
  }
  out(
    `| Trellis: csv-parse alone over the two files (summarizeFile's options), nothing built | ${seconds(parseOnly.output.parseMs)} | — | — | ${seconds(parseOnly.wallMs)} | ${mebibytes(parseOnly.output.maxRss)} |`,
  );

  out('\n| ratio | Evidently matched | Evidently defaults | goal ≥ 10× met |');
  out('| --- | --- | --- | --- |');
  const ratio = (ours: number, theirs: (run: Measured<EvidentlyOutput>) => number) =>
    [evidentlyMatched, evidentlyDefault].map((run) => theirs(run) / ours);
  const row = (label: string, ratios: number[], judged: boolean) =>
    out(
      `| ${label} | ${ratios.map((figure) => `${figure.toFixed(2)}×`).join(' | ')} | ${judged ? ratios.map((figure) => yes(figure >= 10)).join(', ') : '—'} |`,
    );
  row(
    'Evidently total ÷ Trellis total (read + compute)',
    ratio(trellisTotalMs(t), (run) => evidentlyTotalMs(run.output)),
    true,
  );
  row(
    'Evidently compute ÷ Trellis compute (the signal from the summaries)',
    ratio(t.evaluateMs, (run) => run.output.computeS * 1000),
    false,
  );
  row(
    'Evidently read ÷ Trellis read (pandas.read_csv against summarising)',
    ratio(t.summarizeReferenceMs + t.summarizeCurrentMs, (run) => run.output.loadS * 1000),
    false,
  );
  row(
    'Evidently process ÷ Trellis process, spawn → exit',
    ratio(trellis.wallMs, (run) => run.wallMs),
    false,
  );
  row(
    'peak RSS, Evidently ÷ Trellis',
    ratio(t.maxRss, (run) => run.output.maxRss),
    false,
  );

  const large = trellisLarge.output;
  const memoryRatio = large.maxRss / t.maxRss;
  out(
    `\n### Memory bound, Trellis: the current file ${(result.largeRows / result.rows).toFixed(0)}× longer (goal: ≤ 2× the peak memory)\n`,
  );
  out(
    '| current rows | current file | summarise reference + current | evaluate | current rows/s | peak RSS | after imports | peak − after imports |',
  );
  out('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [output, size] of [
    [t, result.sizes.current],
    [large, result.sizes.largeCurrent],
  ] as const)
    out(
      `| ${output.currentRows.toLocaleString('en')} | ${mebibytes(size)} | ${seconds(output.summarizeReferenceMs)} + ${seconds(output.summarizeCurrentMs)} | ${output.evaluateMs.toFixed(0)} ms | ${(output.currentRows / (output.summarizeCurrentMs / 1000)).toFixed(0)} | ${mebibytes(output.maxRss)} | ${mebibytes(output.rssAfterImports)} | ${mebibytes(output.maxRss - output.rssAfterImports)} |`,
    );
  out(
    `\nPeak RSS ${result.largeRows.toLocaleString('en')} ÷ ${rows} current rows: ${memoryRatio.toFixed(2)}× — goal ≤ 2× ${memoryRatio <= 2 ? 'met' : 'not met'}; above the RSS after imports: ${((large.maxRss - large.rssAfterImports) / (t.maxRss - t.rssAfterImports)).toFixed(2)}×.`,
  );
  const sameVerdicts = features.every((feature) => {
    const metric = feature.type === 'numerical' ? 'normalized_wasserstein_distance' : 'population_stability_index';
    return metricOf(large, feature.name, metric)?.breached === metricOf(t, feature.name, metric)?.breached;
  });
  out(
    `The ${result.largeRows.toLocaleString('en')}-row run gives the same verdicts as the ${rows}-row run on every feature: ${yes(sameVerdicts)}.`,
  );

  out(
    '\n### Per-feature verdicts, tests matched: numerical normalized Wasserstein, categorical PSI, threshold 0.1 (goal: the same verdicts)\n',
  );
  out(
    '| feature | type | current data | Trellis | Evidently | difference | Trellis drift | Evidently drift | same | Trellis sketches exact |',
  );
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let agree = 0;
  for (const feature of features) {
    const metric = feature.type === 'numerical' ? 'normalized_wasserstein_distance' : 'population_stability_index';
    const ours = metricOf(t, feature.name, metric);
    const theirs = evidentlyMatched.output.columns.find((column) => column.column === feature.name);
    const same = ours !== undefined && theirs !== undefined && ours.breached === theirs.drift;
    if (same) agree++;
    const difference = ours?.value !== null && ours?.value !== undefined && theirs ? Math.abs(ours.value - theirs.value) : null;
    out(
      `| ${feature.name} | ${feature.type} | ${feature.change} | ${value(ours?.value)} | ${value(theirs?.value)} | ${difference === null ? '—' : difference.toExponential(1)} | ${yes(Boolean(ours?.breached))} | ${yes(Boolean(theirs?.drift))} | ${yes(same)} | ${feature.type === 'numerical' ? yes(Boolean(t.exactSketches[feature.name])) : '—'} |`,
    );
  }
  out(
    `\nSame verdict on ${agree} of ${features.length} features (goal: all — ${agree === features.length ? 'met' : 'not met'}); Trellis flags ${t.metrics.filter((metric) => metric.breached && ['normalized_wasserstein_distance', 'population_stability_index'].includes(metric.metric)).length}, Evidently ${evidentlyMatched.output.columns.filter((column) => column.drift).length} (its DriftedColumnsCount: ${evidentlyMatched.output.driftedCount}); the data was made to drift on ${features.filter((feature) => feature.drifts).length}.`,
  );

  out("\n### Evidently's defaults: the types it inferred and the tests it chose, with Trellis's value of the same test\n");
  out(
    '| feature | Evidently type | Evidently test | threshold | Evidently value | Evidently drift | Trellis, same definition | Trellis value | Trellis drift (Evidently’s rule) | same |',
  );
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let defaultAgree = 0;
  let defaultCompared = 0;
  for (const feature of features) {
    const theirs = evidentlyDefault.output.columns.find((column) => column.column === feature.name);
    if (!theirs) continue;
    let label = '—';
    let ours: number | null | undefined;
    if (theirs.method === 'Wasserstein distance (normed)') {
      label = 'normalized_wasserstein_distance';
      ours = metricOf(t, feature.name, 'normalized_wasserstein_distance')?.value;
    } else if (theirs.method === 'Jensen-Shannon distance') {
      // Evidently's is scipy's jensenshannon with natural logarithms: √ln 2 times the base-2 distance.
      label = 'jensen_shannon_distance (base 2) × √ln 2';
      const base2 = metricOf(t, feature.name, 'jensen_shannon_distance')?.value;
      ours = base2 === null || base2 === undefined ? base2 : base2 * Math.sqrt(Math.LN2);
    }
    const compared = ours !== undefined && ours !== null;
    const same = compared && drifts(ours, theirs.threshold) === theirs.drift;
    if (compared) defaultCompared++;
    if (same) defaultAgree++;
    out(
      `| ${feature.name} | ${evidentlyDefault.output.columnTypes[feature.name] ?? '—'} | ${theirs.method} | ${theirs.threshold} | ${value(theirs.value)} | ${yes(theirs.drift)} | ${label} | ${value(ours)} | ${compared ? yes(drifts(ours, theirs.threshold)) : '—'} | ${compared ? yes(same) : '—'} |`,
    );
  }
  out(`\nSame verdict on ${defaultAgree} of ${defaultCompared} features compared.`);
  return lines;
}
