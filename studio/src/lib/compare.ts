import type { Run } from '../api/mlflow.js';

/**
 * What a comparison of runs shows, computed from the runs alone: one row per param and per
 * metric (latest value) found in any of them, and whether the runs differ on it.
 */
export interface CompareRow {
  kind: 'params' | 'metrics';
  key: string;
  /** One value per run, in the runs' order; undefined where a run lacks the key. */
  values: Array<string | number | undefined>;
  differs: boolean;
}

export function compareRows(runs: readonly Run[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const params = [...new Set(runs.flatMap((run) => (run.data.params ?? []).map((param) => param.key)))].sort();
  const metrics = [...new Set(runs.flatMap((run) => (run.data.metrics ?? []).map((metric) => metric.key)))].sort();
  for (const key of params) {
    const values = runs.map((run) => run.data.params?.find((param) => param.key === key)?.value);
    rows.push({ kind: 'params', key, values, differs: new Set(values.map(String)).size > 1 });
  }
  for (const key of metrics) {
    const values = runs.map((run) => run.data.metrics?.find((metric) => metric.key === key)?.value);
    rows.push({ kind: 'metrics', key, values, differs: new Set(values.map(String)).size > 1 });
  }
  return rows;
}

/** A dimension of a plot: numbers are placed on a linear scale, anything else by its sorted distinct values. */
export interface Dimension {
  id: string;
  label: string;
  /** Each run's position on the axis, 0 (bottom) to 1 (top); undefined where the run has no value. */
  positions: Array<number | undefined>;
  /** Tick labels with their positions. */
  ticks: Array<{ at: number; label: string }>;
}

export function dimensionOf(row: CompareRow): Dimension {
  const id = `${row.kind}.${row.key}`;
  const present = row.values.filter((value): value is string | number => value !== undefined);
  const numbers = present.map((value) => (typeof value === 'number' ? value : Number(value)));
  if (present.length > 0 && numbers.every((value) => Number.isFinite(value))) {
    const low = Math.min(...numbers);
    const high = Math.max(...numbers);
    const span = high - low || 1;
    const position = (value: number) => (high === low ? 0.5 : (value - low) / span);
    return {
      id,
      label: id,
      positions: row.values.map((value) => (value === undefined ? undefined : position(Number(value)))),
      ticks:
        high === low
          ? [{ at: 0.5, label: shortNumber(low) }]
          : [
              { at: 0, label: shortNumber(low) },
              { at: 1, label: shortNumber(high) },
            ],
    };
  }
  const categories = [...new Set(present.map(String))].sort();
  const position = (value: string) => (categories.length === 1 ? 0.5 : categories.indexOf(value) / (categories.length - 1));
  return {
    id,
    label: id,
    positions: row.values.map((value) => (value === undefined ? undefined : position(String(value)))),
    ticks: categories.map((category) => ({ at: position(category), label: category })),
  };
}

function shortNumber(value: number): string {
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}
