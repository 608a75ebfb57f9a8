import type { Run } from '../api/mlflow.js';

/**
 * The columns a user can add to a run table: `metrics.<key>`, `params.<key>`, `tags.<key>`, as
 * MLflow's filter and order_by syntax names them; the key list comes from the runs on screen.
 */
export type ColumnKind = 'metrics' | 'params' | 'tags';

export interface RunColumn {
  kind: ColumnKind;
  key: string;
}

export function columnId(column: RunColumn): string {
  return `${column.kind}.${column.key}`;
}

export function parseColumnId(id: string): RunColumn | undefined {
  const dot = id.indexOf('.');
  const kind = id.slice(0, dot);
  if (dot < 0 || (kind !== 'metrics' && kind !== 'params' && kind !== 'tags')) return undefined;
  return { kind, key: id.slice(dot + 1) };
}

/** MLflow's order_by / filter name for the column: backquoted when the key is not a plain identifier. */
export function searchName(column: RunColumn): string {
  return `${column.kind}.${/^[A-Za-z_][\w.]*$/.test(column.key) ? column.key : `\`${column.key.replaceAll('`', '')}\``}`;
}

/**
 * Keys present in the runs and in `known` (every key of the experiment, when the server said), by
 * kind, sorted; MLflow's own mlflow.* tags last.
 */
export function availableColumns(runs: readonly Run[], known?: { metrics: string[]; params: string[]; tags: string[] }): RunColumn[] {
  const keys: Record<ColumnKind, Set<string>> = {
    metrics: new Set(known?.metrics),
    params: new Set(known?.params),
    tags: new Set(known?.tags),
  };
  for (const run of runs) {
    for (const metric of run.data.metrics ?? []) keys.metrics.add(metric.key);
    for (const param of run.data.params ?? []) keys.params.add(param.key);
    for (const tag of run.data.tags ?? []) keys.tags.add(tag.key);
  }
  const ordered = (set: Set<string>) =>
    [...set].sort((a, b) => Number(a.startsWith('mlflow.')) - Number(b.startsWith('mlflow.')) || a.localeCompare(b));
  return (['metrics', 'params', 'tags'] as const).flatMap((kind) => ordered(keys[kind]).map((key) => ({ kind, key })));
}

export function cellValue(run: Run, column: RunColumn): string | number | undefined {
  if (column.kind === 'metrics') return run.data.metrics?.find((metric) => metric.key === column.key)?.value;
  const list = column.kind === 'params' ? run.data.params : run.data.tags;
  return list?.find((item) => item.key === column.key)?.value;
}
