/**
 * How reference and production values are put in common bins for the binned metrics (Jensen-
 * Shannon distance, PSI), the chi-squared test and the studio's histograms.
 *
 * Numerical: NUMERIC_BIN_COUNT equal-width bins over [min, max] of reference ∪ production — the
 * edges numpy.histogram_bin_edges(concatenated values, bins=30) gives, computed as numpy.linspace
 * does — each bin [edges[i], edges[i+1]) but the last, which also holds max (numpy.histogram's
 * rule). When every value is the same (min = max) there is one bin, [v − 0.5, v + 0.5]. A sketch
 * point puts its whole count in the bin of its value (a centroid's mean once compressed).
 *
 * Categorical: every category either side has, in category order (category-order.ts), plus
 * OTHER_CATEGORY for the values neither summary can name: those past a summary's category cap,
 * and — when a summary dropped some — every key beyond its largest kept key, on both sides, since
 * that summary cannot tell their counts apart.
 */
import { type CategoryCount, type CategoryKey, compareCategoryKeys, keptCategoryLimit, sortedCategoryCounts } from './category-order.js';
import type { FeatureSummary, NumericSketch } from './monitoring-types.js';
import { sketchPoints } from './numeric-sketch.js';

/** Equal-width bins of a numerical feature's binned metrics and histograms. */
export const NUMERIC_BIN_COUNT = 30;

/** The bin of the category values a summary does not keep by name. */
export const OTHER_CATEGORY = '__other__';

export interface NumericBins {
  /** NUMERIC_BIN_COUNT + 1 edges (2 for a constant feature), increasing. */
  edges: number[];
  reference: number[];
  production: number[];
}

export interface CategoricalBins {
  /** The bins' labels: the categories, then OTHER_CATEGORY when hasOtherBin. */
  categories: string[];
  reference: number[];
  production: number[];
  /** Whether the last bin holds the values no summary can name (not a category called '__other__'). */
  hasOtherBin: boolean;
}

/**
 * The counts of two numeric sketches in their common bins; a side without numbers (null) counts
 * 0 everywhere, and with neither there are no bins.
 */
export function numericBins(reference: NumericSketch | null, production: NumericSketch | null): NumericBins {
  const present = [reference, production].filter((sketch): sketch is NumericSketch => sketch !== null && sketch.count > 0);
  if (present.length === 0) return { edges: [], reference: [], production: [] };
  const edges = binEdges(Math.min(...present.map((sketch) => sketch.min)), Math.max(...present.map((sketch) => sketch.max)));
  return { edges, reference: countInBins(reference, edges), production: countInBins(production, edges) };
}

/** numpy.histogram_bin_edges(values, bins=30) for values spanning [min, max], but one bin when min = max. */
function binEdges(min: number, max: number): number[] {
  if (min === max) return [min - 0.5, max + 0.5];
  const step = (max - min) / NUMERIC_BIN_COUNT;
  const edges = Array.from({ length: NUMERIC_BIN_COUNT + 1 }, (_, index) => index * step + min);
  edges[NUMERIC_BIN_COUNT] = max;
  return edges;
}

function countInBins(sketch: NumericSketch | null, edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  if (sketch === null) return counts;
  const first = edges[0]!;
  const span = edges[bins]! - first;
  const points = sketchPoints(sketch);
  for (let index = 0; index < points.length; index++) {
    const value = points.values[index]!;
    // numpy's estimate, then corrected against the edges themselves, so a value on an edge
    // lands where numpy.histogram puts it.
    let bin = Math.min(bins - 1, Math.max(0, Math.trunc(((value - first) / span) * bins)));
    while (bin > 0 && value < edges[bin]!) bin--;
    while (bin < bins - 1 && value >= edges[bin + 1]!) bin++;
    counts[bin]! += points.counts[index]!;
  }
  return counts;
}

/** The category counts of two summaries in their common bins (see the module's doc). */
export function categoricalBins(reference: FeatureSummary, production: FeatureSummary): CategoricalBins {
  const limit = lowerLimit(keptCategoryLimit(reference), keptCategoryLimit(production));
  const isNamed = (key: CategoryKey) => limit === undefined || compareCategoryKeys(key, limit) <= 0;
  const referenceCounts = sortedCategoryCounts(reference.categories);
  const productionCounts = sortedCategoryCounts(production.categories);
  const named = new Map<string, CategoryKey>();
  for (const entry of [...referenceCounts, ...productionCounts]) if (isNamed(entry)) named.set(entry.key, entry);
  const categories = [...named.values()].sort(compareCategoryKeys).map((entry) => entry.key);
  const countsOf = (counts: CategoryCount[], otherCategories: number) => {
    const byKey = new Map(counts.map((entry) => [entry.key, entry.count]));
    const unnamed = otherCategories + counts.filter((entry) => !isNamed(entry)).reduce((sum, entry) => sum + entry.count, 0);
    return { named: categories.map((key) => byKey.get(key) ?? 0), unnamed };
  };
  const referenceBins = countsOf(referenceCounts, reference.otherCategories);
  const productionBins = countsOf(productionCounts, production.otherCategories);
  if (referenceBins.unnamed === 0 && productionBins.unnamed === 0) {
    return { categories, reference: referenceBins.named, production: productionBins.named, hasOtherBin: false };
  }
  return {
    categories: [...categories, OTHER_CATEGORY],
    reference: [...referenceBins.named, referenceBins.unnamed],
    production: [...productionBins.named, productionBins.unnamed],
    hasOtherBin: true,
  };
}

function lowerLimit(first: CategoryKey | undefined, second: CategoryKey | undefined): CategoryKey | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return compareCategoryKeys(first, second) <= 0 ? first : second;
}
