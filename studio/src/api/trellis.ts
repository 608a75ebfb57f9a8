import type { MetricSeriesBody, ResourceBody } from '../../../src/client/trellis-client.js';
import { allPages, trellis } from './client.js';

/** Trellis's own API (/api/v1), through the client: workspaces and, per workspace, downsampled metric series. */

export type Workspace = ResourceBody;

export function listWorkspaces(): Promise<Workspace[]> {
  return allPages((pageToken) => trellis.listWorkspaces({ limit: 200, ...(pageToken ? { pageToken } : {}) }));
}

/** A metric's history, with non-finite values as numbers again. */
export type MetricSeries = Omit<MetricSeriesBody, 'points'> & { points: Array<{ step: number; timestamp: number; value: number }> };

/** A metric's history, downsampled by the server (LTTB) to at most `points` points. */
export async function metricSeries(
  workspace: string,
  runId: string,
  key: string,
  points: number,
  x: 'step' | 'timestamp',
): Promise<MetricSeries> {
  const series = await trellis.metricSeries(workspace, runId, key, { points, x });
  // Non-finite values come as MLflow writes them: "NaN", "Infinity", "-Infinity".
  return { ...series, points: series.points.map((point) => ({ ...point, value: Number(point.value) })) };
}
