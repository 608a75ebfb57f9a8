/**
 * The sampling behind metrics/get-history-bulk-interval, which the MLflow UI uses to draw long
 * curves: at most `maxResults` steps spread evenly over the steps that exist in [start, end],
 * always keeping each run's first and last step so no curve loses its ends.
 */
export function sampleSteps(stepsPerRun: number[][], maxResults: number, range?: { start: number; end: number }): number[] {
  const limit = Math.max(1, maxResults);
  const allSteps = [...new Set(stepsPerRun.flat())].sort((a, b) => a - b);
  const start = range?.start ?? 0;
  const end = range?.end ?? allSteps.at(-1) ?? 0;
  const ends = new Set<number>();
  for (const steps of stepsPerRun) {
    if (steps.length === 0) continue;
    for (const step of [Math.min(...steps), Math.max(...steps)]) if (step >= start && step <= end) ends.add(step);
  }
  const from = lowerBound(allSteps, start);
  const to = upperBound(allSteps, end);
  const sampled = new Set<number>();
  if (to - from <= limit) {
    for (let i = from; i < to; i++) sampled.add(allSteps[i]!);
  } else {
    const interval = (to - from) / limit;
    for (let i = 0; i < limit; i++) {
      const index = from + Math.floor(i * interval);
      if (index < to) sampled.add(allSteps[index]!);
    }
    sampled.add(allSteps[to - 1]!);
  }
  for (const step of ends) sampled.add(step);
  return [...sampled].sort((a, b) => a - b);
}

/** At most `limit` indices spread evenly over `total` items, always with the first and the last. */
export function evenlySpacedIndices(total: number, limit: number): number[] {
  if (total <= 0) return [];
  if (total <= limit) return Array.from({ length: total }, (_, i) => i);
  if (limit === 1) return [total - 1];
  const spacing = (total - 1) / (limit - 1);
  return [...new Set(Array.from({ length: limit }, (_, i) => roundHalfEven(i * spacing)))].sort((a, b) => a - b);
}

/** Python's round(): halves go to the even neighbour, so the indices match MLflow's exactly. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function lowerBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function upperBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
