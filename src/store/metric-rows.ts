import type { MetricPoint } from '../core/tracking/entities.js';
import type { MetricRow } from './tracking-writer.js';

/** Metric points as both metric tables store them: NaN is value 0 with is_nan 1. */
export function metricRowsOf(metrics: MetricPoint[]): MetricRow[] {
  return metrics.map((m) => ({
    key: m.key,
    step: m.step,
    timestamp: m.timestamp,
    value: Number.isNaN(m.value) ? 0 : m.value,
    is_nan: Number.isNaN(m.value) ? 1 : 0,
  }));
}

/** Each key's latest row among `rows`, by (step, timestamp, value), MLflow's order: one row a key. */
export function latestRowsOf(rows: MetricRow[]): MetricRow[] {
  const latest = new Map<string, MetricRow>();
  for (const row of rows) {
    const current = latest.get(row.key);
    if (!current || isLater(row, current)) latest.set(row.key, row);
  }
  return [...latest.values()];
}

function isLater(a: MetricRow, b: MetricRow): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}
