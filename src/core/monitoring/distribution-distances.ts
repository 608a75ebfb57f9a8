/**
 * The textbook distances and statistics between two distributions, each given either as counts
 * over the same bins (JSD, PSI, chi-squared) or as weighted points in order (Wasserstein, KS):
 * pure arithmetic, no notion of features or summaries.
 */
import type { SortedRuns } from './sorted-runs.js';

/** ln(x / y)·x with 0·ln 0 = 0, as scipy.special.rel_entr. */
function relativeEntropyTerm(x: number, y: number): number {
  return x > 0 ? x * Math.log(x / y) : 0;
}

function proportions(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.map((count) => count / total);
}

/**
 * The Jensen-Shannon distance with base-2 logarithms, in [0, 1]: √((KL(p‖m) + KL(q‖m)) / 2) with
 * m = (p + q)/2, over the counts' proportions, zeros allowed — scipy.spatial.distance.jensenshannon(p, q, base=2).
 */
export function jensenShannonDistance(first: readonly number[], second: readonly number[]): number {
  const p = proportions(first);
  const q = proportions(second);
  let left = 0;
  let right = 0;
  for (let index = 0; index < p.length; index++) {
    const mean = (p[index]! + q[index]!) / 2;
    left += relativeEntropyTerm(p[index]!, mean);
    right += relativeEntropyTerm(q[index]!, mean);
  }
  // Rounding can leave a sum of exactly-equal distributions a hair below zero.
  return Math.sqrt(Math.max(0, (left + right) / Math.LN2 / 2));
}

/** The proportion a PSI bin with no values is counted at, so the logarithm stays finite (Evidently's rule). */
export const PSI_EMPTY_BIN_PROPORTION = 0.0001;

/**
 * The population stability index: Σ (p_ref − p_prod)·ln(p_ref / p_prod) over the bins, where
 * a proportion of 0 on either side is first replaced by 0.0001 (as Evidently does).
 */
export function populationStabilityIndex(reference: readonly number[], production: readonly number[]): number {
  const p = proportions(reference).map((value) => (value === 0 ? PSI_EMPTY_BIN_PROPORTION : value));
  const q = proportions(production).map((value) => (value === 0 ? PSI_EMPTY_BIN_PROPORTION : value));
  let sum = 0;
  for (let index = 0; index < p.length; index++) sum += (p[index]! - q[index]!) * Math.log(p[index]! / q[index]!);
  return sum;
}

/**
 * Walks the distinct values of both point sets in order, calling `visit` with each value, the two
 * empirical CDFs just after it (F(x) = mass ≤ x / total) and the next value (undefined at the end).
 */
function walkCdfs(
  first: SortedRuns,
  second: SortedRuns,
  visit: (value: number, firstCdf: number, secondCdf: number, next: number | undefined) => void,
): void {
  const firstTotal = total(first);
  const secondTotal = total(second);
  let i = 0;
  let j = 0;
  let firstMass = 0;
  let secondMass = 0;
  while (i < first.length || j < second.length) {
    const value = Math.min(
      i < first.length ? first.values[i]! : Number.POSITIVE_INFINITY,
      j < second.length ? second.values[j]! : Number.POSITIVE_INFINITY,
    );
    while (i < first.length && first.values[i] === value) firstMass += first.counts[i++]!;
    while (j < second.length && second.values[j] === value) secondMass += second.counts[j++]!;
    const next = Math.min(
      i < first.length ? first.values[i]! : Number.POSITIVE_INFINITY,
      j < second.length ? second.values[j]! : Number.POSITIVE_INFINITY,
    );
    visit(value, firstMass / firstTotal, secondMass / secondTotal, next === Number.POSITIVE_INFINITY ? undefined : next);
  }
}

function total(points: SortedRuns): number {
  let sum = 0;
  for (let index = 0; index < points.length; index++) sum += points.counts[index]!;
  return sum;
}

/** The two-sample Kolmogorov-Smirnov statistic, max |F₁ − F₂| over the pooled values (scipy.stats.ks_2samp's). */
export function kolmogorovSmirnovStatistic(first: SortedRuns, second: SortedRuns): number {
  let statistic = 0;
  walkCdfs(first, second, (_value, firstCdf, secondCdf) => {
    statistic = Math.max(statistic, Math.abs(firstCdf - secondCdf));
  });
  return statistic;
}

/** The first Wasserstein distance, ∫ |F₁ − F₂| dx (scipy.stats.wasserstein_distance). */
export function wassersteinDistance(first: SortedRuns, second: SortedRuns): number {
  let distance = 0;
  walkCdfs(first, second, (value, firstCdf, secondCdf, next) => {
    if (next !== undefined) distance += Math.abs(firstCdf - secondCdf) * (next - value);
  });
  return distance;
}

/**
 * Pearson's chi-squared statistic of homogeneity of a 2×k table (a reference row and a production
 * row of counts), Σ (O − E)²/E with E = row total × column total / total, and its degrees of
 * freedom k − 1 — scipy.stats.chi2_contingency(table, correction=False). Columns empty on both
 * sides are dropped first; each row must hold some count.
 */
export function chiSquaredHomogeneity(
  reference: readonly number[],
  production: readonly number[],
): { statistic: number; degreesOfFreedom: number } {
  const columns = reference.map((count, index) => [count, production[index]!] as const).filter(([first, second]) => first + second > 0);
  const referenceTotal = columns.reduce((sum, [count]) => sum + count, 0);
  const productionTotal = columns.reduce((sum, [, count]) => sum + count, 0);
  const grandTotal = referenceTotal + productionTotal;
  let statistic = 0;
  for (const [referenceCount, productionCount] of columns) {
    const columnTotal = referenceCount + productionCount;
    const referenceExpected = (referenceTotal * columnTotal) / grandTotal;
    const productionExpected = (productionTotal * columnTotal) / grandTotal;
    statistic +=
      (referenceCount - referenceExpected) ** 2 / referenceExpected + (productionCount - productionExpected) ** 2 / productionExpected;
  }
  return { statistic, degreesOfFreedom: Math.max(0, columns.length - 1) };
}
