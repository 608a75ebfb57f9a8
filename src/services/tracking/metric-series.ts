import { TrellisError } from '../../core/errors.js';
import { downsampleLttb } from '../../core/tracking/lttb.js';
import type { SeriesAxis } from '../../core/tracking/series-limits.js';
import type { MetricColumns } from '../../store/run-repository.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';

/** Histories up to this long are read whole; longer ones are reduced in the database first (where it can). */
const exactLimit = 50_000;

export interface SeriesPoint {
  step: number;
  timestamp: number;
  /** May be NaN or ±Infinity, as MLflow allows. */
  value: number;
}

export interface MetricSeries {
  runId: string;
  key: string;
  x: SeriesAxis;
  /** How many points the whole history has. */
  total: number;
  /** At most the points asked for, chosen by LTTB along `x`, in `x` order. */
  points: SeriesPoint[];
}

export interface MetricSeriesInput {
  runId: string;
  key: string;
  points: number;
  x: SeriesAxis;
}

/**
 * A run's metric history cut down to at most `points` points that keep the curve's shape, for
 * charts, chosen with LTTB along `x`: from every point of a history up to 50,000 points long,
 * and, for a longer one, from the first, last, lowest, highest and first non-finite point of each
 * of `points` equal buckets (M4), which the database keeps as it scans. An unknown
 * key gives an empty series, as MLflow's get-history does.
 */
export async function metricSeries(context: Context, workspace: string, input: MetricSeriesInput): Promise<MetricSeries> {
  await requireWorkspace(context, workspace);
  const runs = context.store.repositories.runs;
  if (!(await runs.getInfo(workspace, input.runId))) {
    throw new TrellisError(
      'RunNotFound',
      404,
      `run '${input.runId}' does not exist in workspace '${workspace}'; check the run id, or find runs with MLflow's runs/search`,
    );
  }
  // A long history is first reduced in the database to the few points per pixel column a chart
  // needs; LTTB then chooses among those. Shorter ones are read whole and LTTB sees every point.
  const reduced = await runs.metricBuckets(input.runId, input.key, input.x, input.points);
  if (reduced.total > exactLimit) {
    const xs = Float64Array.from(reduced.points, (point) => (input.x === 'timestamp' ? point.timestamp : point.step));
    const ys = Float64Array.from(reduced.points, (point) => point.value);
    return {
      runId: input.runId,
      key: input.key,
      x: input.x,
      total: reduced.total,
      points: downsampleLttb(xs, ys, input.points).map((index) => reduced.points[index]!),
    };
  }
  const columns = await runs.metricColumns(input.runId, input.key);
  const order = input.x === 'timestamp' ? timestampOrder(columns) : undefined;
  const at = (i: number) => (order ? order[i]! : i);
  const total = columns.steps.length;
  const xs = new Float64Array(total);
  const ys = new Float64Array(total);
  const axis = input.x === 'timestamp' ? columns.timestamps : columns.steps;
  for (let i = 0; i < total; i++) {
    xs[i] = axis[at(i)]!;
    ys[i] = columns.values[at(i)]!;
  }
  const points = downsampleLttb(xs, ys, input.points).map((i) => {
    const point = at(i);
    return { step: columns.steps[point]!, timestamp: columns.timestamps[point]!, value: columns.values[point]! };
  });
  return { runId: input.runId, key: input.key, x: input.x, total, points };
}

/**
 * History comes in step order; along time it must be in timestamp order (then step). Undefined
 * when it already is, the usual case, so a million points are not sorted for nothing.
 */
function timestampOrder(columns: MetricColumns): Uint32Array | undefined {
  const { steps, timestamps } = columns;
  let isSorted = true;
  for (let i = 1; i < timestamps.length && isSorted; i++) isSorted = timestamps[i - 1]! <= timestamps[i]!;
  if (isSorted) return undefined;
  const order = Uint32Array.from(timestamps, (_, i) => i);
  return order.sort((a, b) => timestamps[a]! - timestamps[b]! || steps[a]! - steps[b]!);
}
