/**
 * Summarising one feature's values (a column of a window of rows) into a FeatureSummary, fast:
 * numbers wait in a buffer and are sorted and folded into the sketch and the category counts a
 * chunk at a time, so a value costs a type check and a store until its chunk is full.
 *
 * How a value is classified:
 * - null, undefined, NaN, '' → nulls;
 * - a finite number, or a string whose trimmed text Number() reads as a finite number → the
 *   numeric sketch, and the category String(n) ('1.0', ' 1' and 1 are all category '1');
 * - any other string (' ', 'Infinity', 'n/a' included), as it is → a category;
 * - a boolean → the category 'true' or 'false';
 * - anything else (±Infinity, objects, arrays, bigints, dates) → unparsable.
 * Numbers are categories too so an integer-coded feature (0/1/2) compares as categories when
 * it is declared categorical; for a numerical feature the categories are not read (a continuous
 * one's cost a bounded ~230 KB of JSON: the CATEGORY_CAP smallest values).
 */
import { parseSimpleDecimal } from './simple-decimal.js';
import { CategoryAccumulator } from './category-accumulator.js';
import { createFloat64Sorter, type Float64Sorter } from './float64-sort.js';
import type { FeatureSummary } from './monitoring-types.js';
import { momentsOfRuns } from './numeric-sketch.js';
import { SketchAccumulator } from './sketch-accumulator.js';
import { allocateRuns, countRuns, type SortedRuns } from './sorted-runs.js';

/** Numbers buffered before a sort and fold: large enough that a fold's fixed cost is small. */
const CHUNK_SIZE = 16_384;

/** One sorter for every builder: sorting is synchronous, so they never use it at the same time. */
let sharedSorter: Float64Sorter | undefined;
let sharedChunkRuns: SortedRuns | undefined;

export class SummaryBuilder {
  private rows = 0;
  private nulls = 0;
  private unparsable = 0;
  /** Made at the first number: a feature of strings needs neither. */
  private buffer: Float64Array | undefined;
  private buffered = 0;
  private sketch: SketchAccumulator | undefined;
  private readonly categories = new CategoryAccumulator(CHUNK_SIZE);

  /** Adds one row's value of the feature. */
  add(value: unknown): void {
    this.rows++;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) this.nulls++;
      else if (Number.isFinite(value)) this.addNumber(value);
      else this.unparsable++;
    } else if (typeof value === 'string') {
      if (value === '') this.nulls++;
      else {
        // Plain decimals are read by the fast path; the rest by Number(), which skips surrounding
        // white space as trim() does, without making a string (white space alone reads as 0: checked).
        const simple = parseSimpleDecimal(value);
        const number = Number.isNaN(simple) ? Number(value) : simple;
        if (Number.isFinite(number) && (number !== 0 || value.trim() !== '')) this.addNumber(number);
        else this.categories.addString(value);
      }
    } else if (typeof value === 'boolean') this.categories.addString(value ? 'true' : 'false');
    else if (value === null || value === undefined) this.nulls++;
    else this.unparsable++;
  }

  /** The summary of every value added so far, as plain JSON-safe data; adding may go on after. */
  summary(): FeatureSummary {
    this.flush();
    return {
      rows: this.rows,
      nulls: this.nulls,
      unparsable: this.unparsable,
      numeric: this.sketch?.sketch() ?? null,
      ...this.categories.snapshot(),
    };
  }

  private addNumber(number: number): void {
    this.buffer ??= new Float64Array(CHUNK_SIZE);
    // + 0 turns -0 into 0: one value, one category ('0').
    this.buffer[this.buffered++] = number + 0;
    if (this.buffered === CHUNK_SIZE) this.flush();
  }

  private flush(): void {
    if (this.buffer === undefined || this.buffered === 0) return;
    this.sketch ??= new SketchAccumulator(CHUNK_SIZE);
    sharedSorter ??= createFloat64Sorter(CHUNK_SIZE);
    sharedChunkRuns ??= allocateRuns(CHUNK_SIZE);
    sharedSorter(this.buffer, this.buffered);
    countRuns(this.buffer, this.buffered, sharedChunkRuns);
    // The categories first: the sketch may compress the runs in place.
    this.categories.addNumbers(sharedChunkRuns);
    this.sketch.addRuns(sharedChunkRuns, momentsOfRuns(sharedChunkRuns));
    this.buffered = 0;
  }
}

/** The summary of a list of values (one feature's column). */
export function summarize(values: Iterable<unknown>): FeatureSummary {
  const builder = new SummaryBuilder();
  for (const value of values) builder.add(value);
  return builder.summary();
}
