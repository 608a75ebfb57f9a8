/**
 * Weighted points in increasing order of value — (value, count) pairs — and the three operations a
 * numeric sketch is made of: counting a sorted buffer's runs of equal values, merging two such
 * lists, and compressing one to a bounded number of centroids.
 */

/** `values[i]` (strictly increasing while exact) weighs `counts[i]`, for i < length. */
export interface SortedRuns {
  values: Float64Array;
  counts: Float64Array;
  length: number;
}

/** Empty runs with room for `capacity` points. */
export function allocateRuns(capacity: number): SortedRuns {
  return { values: new Float64Array(capacity), counts: new Float64Array(capacity), length: 0 };
}

/** The runs of a flat [value, count, value, count, ...] list, as NumericSketch.centroids stores them. */
export function runsFromFlat(flat: readonly number[]): SortedRuns {
  const runs = allocateRuns(flat.length / 2);
  for (let index = 0; index < runs.values.length; index++) {
    runs.values[index] = flat[2 * index]!;
    runs.counts[index] = flat[2 * index + 1]!;
  }
  runs.length = runs.values.length;
  return runs;
}

/** The flat [value, count, ...] form of runs, plain numbers for JSON. */
export function flattenRuns(runs: SortedRuns): number[] {
  const flat = new Array<number>(runs.length * 2);
  for (let index = 0; index < runs.length; index++) {
    flat[2 * index] = runs.values[index]!;
    flat[2 * index + 1] = runs.counts[index]!;
  }
  return flat;
}

/** Counts the runs of equal values of a sorted buffer into `out` (room for `length` points). */
export function countRuns(sorted: Float64Array, length: number, out: SortedRuns): void {
  let runs = 0;
  for (let index = 0; index < length; index++) {
    const value = sorted[index]!;
    if (runs > 0 && out.values[runs - 1] === value) out.counts[runs - 1]!++;
    else {
      out.values[runs] = value;
      out.counts[runs] = 1;
      runs++;
    }
  }
  out.length = runs;
}

/** Merges two runs into `out` (room for both lengths), adding the counts of equal values. */
export function mergeRuns(first: SortedRuns, second: SortedRuns, out: SortedRuns): void {
  let i = 0;
  let j = 0;
  let length = 0;
  while (i < first.length || j < second.length) {
    const takesFirst = j >= second.length || (i < first.length && first.values[i]! <= second.values[j]!);
    const value = takesFirst ? first.values[i]! : second.values[j]!;
    const count = takesFirst ? first.counts[i++]! : second.counts[j++]!;
    if (length > 0 && out.values[length - 1] === value) out.counts[length - 1]! += count;
    else {
      out.values[length] = value;
      out.counts[length] = count;
      length++;
    }
  }
  out.length = length;
}

/**
 * Compresses runs, in place, to at most `cap` (≥ 3) centroids: the first and last points stay as
 * they are (the CDF's ends stay exact), and the points between are grouped by t-digest's arcsine
 * scale — point i joins group ⌊groups·(asin(2q − 1)/π + ½)⌋, q its mid-rank share of the interior
 * mass (found by walking the groups' bounds, sin's of evenly spaced angles) — so groups are adjacent, at most cap − 2 of them, and hold about π·√(q(1 − q))/groups of
 * the mass: 1.6× an equal share at the median, far less in the tails, where a histogram's outer
 * bins and a distribution's drift are (equal shares put a long tail's last hundred values in one
 * centroid). A point heavier than ~π/groups (a value many rows repeat) is never merged with its
 * neighbours. Each group becomes its count-weighted mean.
 */
export function compressRuns(runs: SortedRuns, cap: number): void {
  if (runs.length <= cap) return;
  const last = runs.length - 1;
  const groups = cap - 2;
  let interiorMass = 0;
  for (let index = 1; index < last; index++) interiorMass += runs.counts[index]!;
  const lastValue = runs.values[last]!;
  const lastCount = runs.counts[last]!;
  const bounds = groupBounds(groups);
  let written = 1;
  let group = 0;
  let nextGroupStart = bounds[1]! * interiorMass;
  let massBefore = 0;
  // The open group: its first and last values, count and Σ count·value.
  let first = runs.values[1]!;
  let latest = first;
  let groupCount = 0;
  let groupSum = 0;
  for (let index = 1; index < last; index++) {
    const value = runs.values[index]!;
    const count = runs.counts[index]!;
    const midRank = massBefore + count / 2;
    massBefore += count;
    if (midRank >= nextGroupStart && group < groups - 1) {
      if (groupCount > 0) written = closeGroup(runs, written, first, latest, groupCount, groupSum);
      while (group < groups - 1 && midRank >= bounds[group + 1]! * interiorMass) group++;
      nextGroupStart = bounds[group + 1]! * interiorMass;
      first = value;
      groupCount = 0;
      groupSum = 0;
    }
    latest = value;
    groupCount += count;
    groupSum += count * value;
  }
  if (groupCount > 0) written = closeGroup(runs, written, first, latest, groupCount, groupSum);
  runs.values[written] = lastValue;
  runs.counts[written] = lastCount;
  runs.length = written + 1;
}

/**
 * Writes a group as one centroid at `position` (never ahead of the point being read) and returns
 * the next position. One distinct value keeps its value exactly; a mean is kept within the group's
 * range, which rounding could otherwise leave by an ulp and break the order.
 */
function closeGroup(runs: SortedRuns, position: number, first: number, latest: number, count: number, sum: number): number {
  runs.values[position] = first === latest ? first : Math.min(latest, Math.max(first, sum / count));
  runs.counts[position] = count;
  return position + 1;
}

const boundsByGroups = new Map<number, Float64Array>();

/** The shares where each group of the arcsine scale starts: (1 + sin(π·(g/groups − ½)))/2, g = 0 .. groups. */
function groupBounds(groups: number): Float64Array {
  let bounds = boundsByGroups.get(groups);
  if (bounds === undefined) {
    bounds = Float64Array.from({ length: groups + 1 }, (_, group) => (1 + Math.sin(Math.PI * (group / groups - 0.5))) / 2);
    boundsByGroups.set(groups, bounds);
  }
  return bounds;
}
