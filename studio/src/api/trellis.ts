import { allPages, query, requestJson } from './http.js';

/** Trellis's own API (/api/v1): workspaces and, per workspace, downsampled metric series. */

export interface Workspace {
  name: string;
  spec?: { description?: string };
}

export function listWorkspaces(): Promise<Workspace[]> {
  return allPages<Workspace>('/api/v1/workspaces');
}

export interface SeriesPoint {
  step: number;
  timestamp: number;
  value: number;
}

export interface MetricSeries {
  runId: string;
  key: string;
  x: 'step' | 'timestamp';
  /** Points in the whole history; `points` holds at most the number asked for, chosen by LTTB. */
  total: number;
  points: SeriesPoint[];
}

/** A metric's history, downsampled by the server (LTTB) to at most `points` points. */
export async function metricSeries(
  workspace: string,
  runId: string,
  key: string,
  points: number,
  x: 'step' | 'timestamp',
): Promise<MetricSeries> {
  const series = await requestJson<MetricSeries>(
    'GET',
    `/api/v1/workspaces/${encodeURIComponent(workspace)}/runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(key)}/series${query({ points, x })}`,
  );
  // Non-finite values come as MLflow writes them: "NaN", "Infinity", "-Infinity".
  for (const point of series.points) if (typeof point.value === 'string') point.value = Number(point.value);
  return series;
}
