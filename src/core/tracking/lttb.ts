/**
 * Largest-Triangle-Three-Buckets (Steinarsson, 2013): picks `threshold` points of a series that
 * keep its visual shape, so a chart of a million points draws from a thousand. The first and
 * last points are always kept; each bucket in between keeps the point that makes the largest
 * triangle with the point kept before it and the average of the next bucket.
 *
 * Non-finite y values (NaN, ±Infinity; MLflow accepts them) never enter the arithmetic, where
 * one would turn every area into NaN. Instead a bucket holding any keeps its first non-finite
 * point: a loss that diverges is the spike a reader most needs to see, and the full-resolution
 * chart would show that gap or jump there too. The count stays exact either way.
 */
export type Numbers = Float64Array | readonly number[];

/**
 * The indices, ascending, of at most `threshold` points of (xs, ys) chosen by LTTB. `xs` must be
 * in ascending order. All indices when the series has no more points than `threshold`; for a
 * threshold of 2 the first and last, of 1 the last (the latest value), of 0 none.
 */
export function downsampleLttb(xs: Numbers, ys: Numbers, threshold: number): number[] {
  if (xs.length !== ys.length) throw new RangeError(`xs has ${xs.length} values and ys ${ys.length}; give one y for every x`);
  if (Number.isNaN(threshold) || threshold < 0) throw new RangeError(`threshold is ${threshold}; give a number of points, 0 or more`);
  const length = xs.length;
  const budget = Math.floor(threshold);
  if (length <= budget) return Array.from({ length }, (_, i) => i);
  if (budget === 0) return [];
  if (budget === 1) return [length - 1];
  if (budget === 2) return [0, length - 1];

  const kept = [0];
  // The inner points split into budget - 2 buckets of (nearly) equal count.
  const bucketSize = (length - 2) / (budget - 2);
  // The anchor is the last kept point with a finite y; undefined until there is one.
  let anchor: number | undefined = Number.isFinite(ys[0]!) ? 0 : undefined;
  for (let bucket = 0; bucket < budget - 2; bucket++) {
    const isLastBucket = bucket === budget - 3;
    const start = Math.floor(bucket * bucketSize) + 1;
    // Clamped so rounding never leaves the point before the last out of every bucket.
    const end = isLastBucket ? length - 1 : Math.floor((bucket + 1) * bucketSize) + 1;
    const nonFinite = firstNonFinite(ys, start, end);
    if (nonFinite !== undefined) {
      kept.push(nonFinite);
      continue;
    }
    // The next bucket's average; the last point stands in for the bucket after the last one.
    const next = averageOf(xs, ys, end, isLastBucket ? length : Math.floor((bucket + 2) * bucketSize) + 1);
    const chosen = largestTriangle(xs, ys, start, end, anchor, next);
    kept.push(chosen);
    anchor = chosen;
  }
  kept.push(length - 1);
  return kept;
}

function firstNonFinite(ys: Numbers, start: number, end: number): number | undefined {
  for (let i = start; i < end; i++) if (!Number.isFinite(ys[i]!)) return i;
  return undefined;
}

/** The mean point of the finite ys in [start, end); y is undefined when none is finite. */
function averageOf(xs: Numbers, ys: Numbers, start: number, end: number): { x: number; y: number | undefined } {
  let sumX = 0;
  let sumY = 0;
  let finite = 0;
  for (let i = start; i < end; i++) {
    sumX += xs[i]!;
    if (Number.isFinite(ys[i]!)) {
      sumY += ys[i]!;
      finite++;
    }
  }
  const count = end - start;
  return { x: count > 0 ? sumX / count : xs[xs.length - 1]!, y: finite > 0 ? sumY / finite : undefined };
}

/**
 * The index in [start, end) (all finite ys) with the largest triangle against the anchor and the
 * next bucket's average. When one of those has no finite y, it takes the other's level, so the
 * choice falls to the point farthest from that level; with neither, the first point.
 */
function largestTriangle(
  xs: Numbers,
  ys: Numbers,
  start: number,
  end: number,
  anchor: number | undefined,
  next: { x: number; y: number | undefined },
): number {
  const anchorY = anchor === undefined ? next.y : ys[anchor]!;
  const nextY = next.y ?? anchorY;
  if (anchorY === undefined || nextY === undefined) return start;
  const anchorX = anchor === undefined ? xs[start - 1]! : xs[anchor]!;
  let best = start;
  let bestArea = -1;
  for (let i = start; i < end; i++) {
    // Twice the area; the factor does not change which is largest.
    const area = Math.abs((anchorX - next.x) * (ys[i]! - anchorY) - (anchorX - xs[i]!) * (nextY - anchorY));
    if (area > bestArea) {
      bestArea = area;
      best = i;
    }
  }
  return best;
}
