import { invalidRange } from './artifact-errors.js';

/** Bytes `start` through `end`, both inclusive like an HTTP Range header; no `end` reads to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * Checks `range` against an object of `size` bytes and returns the inclusive span to read, with
 * `end` clamped to the last byte. Throws InvalidRange (400) for a malformed range and
 * RangeNotSatisfiable (416) when it starts at or past the end, as HTTP does.
 */
export function resolveByteRange(range: ByteRange, size: number): { start: number; end: number } {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw invalidRange(`range start must be an integer >= 0, got ${start}`);
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw invalidRange(`range end must be an integer >= start (${start}), got ${end}`);
  }
  if (start >= size) {
    throw invalidRange(`range starts at byte ${start}, but the artifact has only ${size} bytes`, size);
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}
