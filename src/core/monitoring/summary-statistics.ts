/**
 * What the studio and a monitor's results show of a feature: a summary's descriptive statistics,
 * and the reference and production histograms on the bins the metrics use (binning.ts).
 */
import { categoricalBins, numericBins } from './binning.js';
import { sortedCategoryCounts } from './category-order.js';
import type { FeatureSummary, FeatureType } from './monitoring-types.js';
import { sketchMean, sketchQuantile, sketchStandardDeviation } from './numeric-sketch.js';

/** Categories a description lists, the most frequent first. */
export const TOP_CATEGORY_COUNT = 10;

export interface SummaryDescription {
  rows: number;
  nulls: number;
  unparsable: number;
  /** Of the numeric values; null without any. std is the population one (ddof 0). */
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** numpy.quantile's linear rule, exact while the sketch is; null without numeric values. */
  quantiles: { p5: number; p25: number; p50: number; p75: number; p95: number } | null;
  /** The most frequent categories (ties in category order), and the count past the category cap. */
  topCategories: Array<{ value: string; count: number }>;
  otherCategories: number;
}

export function describeSummary(summary: FeatureSummary): SummaryDescription {
  const sketch = summary.numeric !== null && summary.numeric.count > 0 ? summary.numeric : null;
  const topCategories = sortedCategoryCounts(summary.categories)
    // A stable sort: equal counts stay in category order.
    .sort((first, second) => second.count - first.count)
    .slice(0, TOP_CATEGORY_COUNT)
    .map((entry) => ({ value: entry.key, count: entry.count }));
  const numbers =
    sketch === null
      ? { mean: null, std: null, min: null, max: null, quantiles: null }
      : {
          mean: sketchMean(sketch),
          std: sketchStandardDeviation(sketch),
          min: sketch.min,
          max: sketch.max,
          quantiles: {
            p5: sketchQuantile(sketch, 0.05),
            p25: sketchQuantile(sketch, 0.25),
            p50: sketchQuantile(sketch, 0.5),
            p75: sketchQuantile(sketch, 0.75),
            p95: sketchQuantile(sketch, 0.95),
          },
        };
  return {
    rows: summary.rows,
    nulls: summary.nulls,
    unparsable: summary.unparsable,
    ...numbers,
    topCategories,
    otherCategories: summary.otherCategories,
  };
}

/** Reference and production proportions per bin (each side's sum is 1, or 0 when it has no values). */
export type Histogram =
  | { featureType: 'numerical'; edges: number[]; reference: number[]; production: number[] }
  | { featureType: 'categorical'; categories: string[]; hasOtherBin: boolean; reference: number[]; production: number[] };

export function histogram(reference: FeatureSummary, production: FeatureSummary, featureType: FeatureType): Histogram {
  if (featureType === 'numerical') {
    const bins = numericBins(reference.numeric, production.numeric);
    return { featureType, edges: bins.edges, reference: proportions(bins.reference), production: proportions(bins.production) };
  }
  const bins = categoricalBins(reference, production);
  return {
    featureType,
    categories: bins.categories,
    hasOtherBin: bins.hasOtherBin,
    reference: proportions(bins.reference),
    production: proportions(bins.production),
  };
}

function proportions(counts: number[]): number[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.map((count) => (total === 0 ? 0 : count / total));
}
