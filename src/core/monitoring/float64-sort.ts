/**
 * Sorting a buffer of doubles in ascending order, fast: the summaries sort every chunk of a
 * feature's numbers, and a bucket sort does it in a few linear passes where
 * Float64Array.prototype.sort costs about four times as much. Values go to as many equal-width
 * buckets over [min, max] as there are values; a bucket of a few values is insertion-sorted, a
 * crowded one (a skewed distribution's bulk) is bucket-sorted again over its own range, and past a
 * few levels (a range too wide to divide) the built-in sort takes over.
 */

/** Buckets at most this full are insertion-sorted. */
const smallBucket = 32;
/** Levels of re-bucketing before falling back to the built-in sort. */
const maximumDepth = 4;

/** Sorts `values[0 .. length)` in place, ascending; values must be finite. */
export type Float64Sorter = (values: Float64Array, length: number) => void;

/** A sorter for up to `capacity` values at a time, with its scratch space allocated once. */
export function createFloat64Sorter(capacity: number): Float64Sorter {
  const scratch = new Float64Array(capacity);
  const bucketOf = new Uint32Array(capacity);
  const bucketEnds = new Uint32Array(capacity + 1);
  return (values, length) => {
    if (length > capacity) throw new RangeError(`cannot sort ${length} values with a sorter made for ${capacity}`);
    sortRange(values, scratch, bucketOf, bucketEnds, 0, length, 0);
  };
}

/** Sorts values[begin .. end), with scratch[begin .. end) and bucketOf[begin .. end) to spare. */
function sortRange(
  values: Float64Array,
  scratch: Float64Array,
  bucketOf: Uint32Array,
  bucketEnds: Uint32Array,
  begin: number,
  end: number,
  depth: number,
): void {
  const length = end - begin;
  if (length <= smallBucket) {
    insertionSort(values, begin, end);
    return;
  }
  let min = values[begin]!;
  let max = min;
  for (let index = begin + 1; index < end; index++) {
    const value = values[index]!;
    if (value < min) min = value;
    else if (value > max) max = value;
  }
  if (min === max) return;
  const width = max - min;
  if (depth >= maximumDepth || !Number.isFinite(width)) {
    values.subarray(begin, end).sort();
    return;
  }
  // Bucket indexes never decrease as values increase: subtraction, a positive scale and floor are monotonic.
  const buckets = length;
  const scale = buckets / width;
  bucketEnds.fill(0, 0, buckets + 1);
  for (let index = begin; index < end; index++) {
    // | 0 truncates a non-negative number below 2^31 as Math.floor would, faster.
    const bucket = Math.min(buckets - 1, ((values[index]! - min) * scale) | 0);
    bucketOf[index] = bucket;
    bucketEnds[bucket + 1]!++;
  }
  for (let bucket = 0; bucket < buckets; bucket++) bucketEnds[bucket + 1]! += bucketEnds[bucket]!;
  for (let index = begin; index < end; index++) scratch[begin + bucketEnds[bucketOf[index]!]!++] = values[index]!;
  values.set(scratch.subarray(begin, end), begin);
  // bucketEnds[b] is now where bucket b ends; the crowded buckets are sorted after this level's
  // loop with a copy of the ends, since sorting one reuses bucketEnds.
  const crowded: number[] = [];
  let start = 0;
  for (let bucket = 0; bucket < buckets; bucket++) {
    const stop = bucketEnds[bucket]!;
    if (stop - start > smallBucket) crowded.push(begin + start, begin + stop);
    else if (stop - start > 1) insertionSort(values, begin + start, begin + stop);
    start = stop;
  }
  for (let index = 0; index < crowded.length; index += 2) {
    sortRange(values, scratch, bucketOf, bucketEnds, crowded[index]!, crowded[index + 1]!, depth + 1);
  }
}

function insertionSort(values: Float64Array, begin: number, end: number): void {
  for (let index = begin + 1; index < end; index++) {
    const value = values[index]!;
    let position = index - 1;
    while (position >= begin && values[position]! > value) {
      values[position + 1] = values[position]!;
      position--;
    }
    values[position + 1] = value;
  }
}
