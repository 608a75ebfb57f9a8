/**
 * The numeric sketch of a feature (NumericSketch in monitoring-types.ts): merging two, and what
 * the metrics read from one — its points, mean, standard deviation and quantiles.
 */
import type { NumericSketch } from './monitoring-types.js';
import { allocateRuns, compressRuns, flattenRuns, mergeRuns, runsFromFlat, type SortedRuns } from './sorted-runs.js';

/**
 * Distinct values a sketch keeps exactly; beyond, it is compressed to at most this many
 * centroids, each at most ~0.08% of the values (far fewer in the tails: sorted-runs.ts), so the
 * KS statistic stays within ~0.001 of the exact one.
 */
export const SKETCH_CAP = 2048;

/** What a sketch's mean and variance are merged from: count, sum, and m2 (squared deviations). */
export interface Moments {
  count: number;
  sum: number;
  m2: number;
}

/** Chan et al.'s parallel update: the moments of the union of two disjoint sets of values. */
export function combineMoments(first: Moments, second: Moments): Moments {
  if (first.count === 0) return { ...second };
  if (second.count === 0) return { ...first };
  const count = first.count + second.count;
  const delta = second.sum / second.count - first.sum / first.count;
  return { count, sum: first.sum + second.sum, m2: first.m2 + second.m2 + (delta * delta * first.count * second.count) / count };
}

/** The moments of weighted points: a two-pass sum, accurate whatever the values' offset. */
export function momentsOfRuns(runs: SortedRuns): Moments {
  let count = 0;
  let sum = 0;
  for (let index = 0; index < runs.length; index++) {
    count += runs.counts[index]!;
    sum += runs.values[index]! * runs.counts[index]!;
  }
  const mean = sum / count;
  let m2 = 0;
  for (let index = 0; index < runs.length; index++) {
    const deviation = runs.values[index]! - mean;
    m2 += deviation * deviation * runs.counts[index]!;
  }
  return { count, sum, m2 };
}

/** The sketch of the values of both: exact while the union has at most SKETCH_CAP distinct values. */
export function mergeSketches(first: NumericSketch | null, second: NumericSketch | null): NumericSketch | null {
  if (first === null || first.count === 0) return second === null ? null : cloneSketch(second);
  if (second === null || second.count === 0) return cloneSketch(first);
  const merged = allocateRuns(first.centroids.length / 2 + second.centroids.length / 2);
  mergeRuns(runsFromFlat(first.centroids), runsFromFlat(second.centroids), merged);
  const exact = first.exact && second.exact && merged.length <= SKETCH_CAP;
  compressRuns(merged, SKETCH_CAP);
  const moments = combineMoments(first, second);
  return {
    ...moments,
    min: Math.min(first.min, second.min),
    max: Math.max(first.max, second.max),
    centroids: flattenRuns(merged),
    exact,
  };
}

function cloneSketch(sketch: NumericSketch): NumericSketch {
  return { ...sketch, centroids: [...sketch.centroids] };
}

/** The sketch's points in order: every distinct value with its count when exact, else the centroids. */
export function sketchPoints(sketch: NumericSketch): SortedRuns {
  return runsFromFlat(sketch.centroids);
}

/** The mean of the values. */
export function sketchMean(sketch: NumericSketch): number {
  return sketch.sum / sketch.count;
}

/**
 * The population standard deviation (ddof 0, numpy.std's default). From the points when exact —
 * a two-pass sum that depends only on the distinct values and counts, so a merged summary gives
 * the same bits as the summary of all rows — and from m2 once compressed (centroids lose the
 * spread within each).
 */
export function sketchStandardDeviation(sketch: NumericSketch): number {
  if (!sketch.exact) return Math.sqrt(Math.max(0, sketch.m2) / sketch.count);
  const points = sketchPoints(sketch);
  let sum = 0;
  for (let index = 0; index < points.length; index++) sum += points.values[index]! * points.counts[index]!;
  const mean = sum / sketch.count;
  let squares = 0;
  for (let index = 0; index < points.length; index++) {
    const deviation = points.values[index]! - mean;
    squares += deviation * deviation * points.counts[index]!;
  }
  return Math.sqrt(squares / sketch.count);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) as numpy.quantile's default ('linear') method defines it: the value at
 * rank h = (n − 1)·q, interpolated between the values at ⌊h⌋ and ⌊h⌋ + 1. Exact for an exact sketch;
 * a compressed one stands each centroid's rows at its mean.
 */
export function sketchQuantile(sketch: NumericSketch, q: number): number {
  const points = sketchPoints(sketch);
  const rank = (sketch.count - 1) * q;
  const lowerRank = Math.floor(rank);
  const lower = valueAtRank(points, lowerRank);
  if (rank === lowerRank) return lower;
  const upper = valueAtRank(points, lowerRank + 1);
  const fraction = rank - lowerRank;
  // numpy's _lerp: from the nearer end, so the result never leaves [lower, upper].
  return fraction >= 0.5 ? upper - (upper - lower) * (1 - fraction) : lower + (upper - lower) * fraction;
}

function valueAtRank(points: SortedRuns, rank: number): number {
  let seen = 0;
  for (let index = 0; index < points.length; index++) {
    seen += points.counts[index]!;
    if (rank < seen) return points.values[index]!;
  }
  return points.values[points.length - 1]!;
}
