/**
 * FeatureSummary values: the empty one, one value more, and the merge of two (a window's
 * summary from its partitions' summaries). To summarise a whole column, use SummaryBuilder
 * (summary-builder.ts): it buffers and sorts numbers a chunk at a time.
 */
import { mergeCategoryCounts } from './category-order.js';
import type { FeatureSummary } from './monitoring-types.js';
import { mergeSketches } from './numeric-sketch.js';
import { summarize } from './summary-builder.js';

export function emptySummary(): FeatureSummary {
  return { rows: 0, nulls: 0, unparsable: 0, numeric: null, categories: {}, otherCategories: 0 };
}

/**
 * Adds one value to a summary, in place, classified as SummaryBuilder does. It merges a summary of
 * that one value, so it costs the size of the summary: for one value at a time, not for a column.
 */
export function addValue(summary: FeatureSummary, value: unknown): void {
  Object.assign(summary, mergeSummaries(summary, summarize([value])));
}

/**
 * The summary of the rows of both. Counts add up, the sketches merge (exact while the union has at
 * most SKETCH_CAP distinct numbers), the categories keep the CATEGORY_CAP smallest keys
 * (category-order.ts). Associative and commutative, except for the last bits of a sum or of m2 and
 * the centroids of compressed sketches, which depend on the order of the merges.
 */
export function mergeSummaries(first: FeatureSummary, second: FeatureSummary): FeatureSummary {
  return {
    rows: first.rows + second.rows,
    nulls: first.nulls + second.nulls,
    unparsable: first.unparsable + second.unparsable,
    numeric: mergeSketches(first.numeric, second.numeric),
    ...mergeCategoryCounts(first, second),
  };
}
