import type { PerformanceSignal } from '../../core/monitoring/monitor-definition.js';
import type { SideSummary, SignalResult } from '../../core/monitoring/monitor-run.js';
import { predictionColumn } from '../../core/monitoring/payload-rows.js';
import { classificationPerformance, regressionPerformance } from '../../core/monitoring/performance-metrics.js';
import { isBreach } from '../../core/monitoring/evaluate-signal.js';
import type { Context } from '../context.js';
import { sourceFiles } from './monitor-data.js';
import { readRows } from './summarize-data.js';

/**
 * Model performance: the model's answers in the production window joined to their ground truth
 * by correlation id, and scored. A collected answer's correlation id is the request's collection
 * id (the `x-trellis-collection-id` the endpoint answered with); a request of several rows has
 * its ground truth as that many rows with the same id, in order. A production table names its
 * columns in `data_column_names` (`prediction`, `correlation_id`); the ground truth its label as
 * `actual` (or `target_column`) and its id as `correlation_id` (default: a column of that name).
 */
export async function evaluatePerformance(
  context: Context,
  workspace: string,
  signal: PerformanceSignal,
  windows: { production: { from: number; to: number } | null; reference: { from: number; to: number } | null },
): Promise<SignalResult> {
  const truthColumns = signal.reference.columnNames;
  const actualColumn = truthColumns.actual ?? signal.reference.targetColumn;
  if (!actualColumn) throw new Error('model performance needs the ground truth label: name it in reference_data.data_column_names.actual');
  const truthId = truthColumns.correlation_id ?? 'correlation_id';
  const truthFiles = await sourceFiles(context, workspace, signal.reference.source, windows.reference ?? undefined);
  const truth = new Map<string, unknown[]>();
  let truthRows = 0;
  for (const file of truthFiles.files)
    for await (const item of readRows(file, { isAnswer: false }, windows.reference)) {
      if (!('row' in item)) continue;
      truthRows += 1;
      const id = item.row[truthId];
      if (id === undefined || id === null || id === '') continue;
      const list = truth.get(String(id)) ?? [];
      list.push(item.row[actualColumn]);
      truth.set(String(id), list);
    }
  const predictionName = signal.production.columnNames.prediction ?? predictionColumn;
  const productionId = signal.production.columnNames.correlation_id;
  const answers = await sourceFiles(context, workspace, signal.production.source, windows.production ?? undefined);
  const pairs: Array<[unknown, unknown]> = [];
  const seen = new Map<string, number>();
  let productionRows = 0;
  for (const file of answers.files)
    for await (const item of readRows(file, { isAnswer: true }, windows.production)) {
      if (!('row' in item)) continue;
      productionRows += 1;
      const id = productionId ? item.row[productionId] : item.requestId;
      if (id === undefined || id === null) continue;
      // The n-th row with this id meets the n-th ground truth row with it.
      const place = seen.get(String(id)) ?? 0;
      seen.set(String(id), place + 1);
      const actual = truth.get(String(id))?.[place];
      if (actual === undefined || actual === null || actual === '') continue;
      pairs.push([actual, item.row[predictionName] ?? item.row[predictionColumn]]);
    }
  const production: SideSummary = {
    rows: productionRows,
    from: windows.production?.from ?? null,
    to: windows.production?.to ?? null,
    source: answers.description,
  };
  const reference: SideSummary = {
    rows: truthRows,
    from: windows.reference?.from ?? null,
    to: windows.reference?.to ?? null,
    source: truthFiles.description,
  };
  const base = { name: signal.name, type: signal.type, production, reference, distributions: [] };
  if (pairs.length === 0)
    return {
      ...base,
      outcome: 'no_data',
      reason: productionRows === 0 ? 'no answers in the window' : `none of the ${productionRows} answers has its ground truth yet`,
      metrics: [],
    };
  const scores =
    signal.task === 'regression'
      ? regressionPerformance(pairs.map(([actual, predicted]) => [Number(actual), Number(predicted)] as const))
      : classificationPerformance(pairs.map(([actual, predicted]) => [classOf(actual), classOf(predicted)] as const));
  const metrics = Object.entries(signal.thresholds).map(([metric, threshold]) => {
    const value = scores[metric as keyof typeof scores];
    const known = value !== undefined && Number.isFinite(value);
    return {
      feature: 'model',
      featureType: signal.task === 'regression' ? ('numerical' as const) : ('categorical' as const),
      metric,
      value: known ? value : null,
      threshold: threshold!,
      breached: known && isBreach(metric, value, threshold!),
      ...(known ? {} : { reason: `${metric} is not a ${signal.task} metric, or the answers are not numbers` }),
    };
  });
  return {
    ...base,
    outcome: metrics.some((metric) => metric.breached) ? 'breached' : 'passed',
    reason: `${pairs.length} of ${productionRows} answers joined to their ground truth`,
    metrics,
  };
}

/** A class as text: numbers by their shortest form, so 1, '1' and '1.0' are one class. */
function classOf(value: unknown): string {
  const text = String(value).trim();
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? String(number) : text;
}
