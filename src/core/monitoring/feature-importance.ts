import { numericBins } from './binning.js';
import type { FeatureSummary, FeatureType } from './monitoring-types.js';

/**
 * How much each feature tells about a target, and how alike two such rankings are: what
 * `top_n_feature_importance` and the feature attribution drift signal rest on. A feature's
 * importance is the mutual information, in bits, between its binned values and the target
 * (I(X;Y) = Σ p(x,y)·log2(p(x,y) / (p(x)·p(y)))), counted in one pass over the rows: a numerical
 * feature in the reference's 30 equal-width bins, a categorical one by value, null as a value of
 * its own. The target is taken by value (a class), or binned the same way when it is numerical
 * (a regression). Model-agnostic, unlike Azure's surrogate-model attributions: it ranks the
 * features the data says the target depends on.
 */

/** Puts a value in its bin: a bin number or a category, 'null' for a missing value. */
export type Binner = (value: unknown) => string;

/** The binner of a feature, from its reference summary: 30 equal-width bins over its range, or its values. */
export function binnerFor(summary: FeatureSummary, featureType: FeatureType): Binner {
  if (featureType === 'categorical') return (value) => (isMissing(value) ? 'null' : canonical(value));
  const edges = numericBins(summary.numeric, null).edges;
  if (edges.length < 2) return (value) => (isMissing(value) ? 'null' : 'value');
  const first = edges[0]!;
  const bins = edges.length - 1;
  const span = edges[bins]! - first;
  return (value) => {
    if (isMissing(value)) return 'null';
    const number = typeof value === 'number' ? value : Number(String(value).trim());
    if (!Number.isFinite(number)) return 'other';
    let bin = Math.min(bins - 1, Math.max(0, Math.trunc(((number - first) / span) * bins)));
    while (bin > 0 && number < edges[bin]!) bin--;
    while (bin < bins - 1 && number >= edges[bin + 1]!) bin++;
    return String(bin);
  };
}

/** Counts, per feature, how often each of its bins meets each target value; then their mutual information. */
export class ImportanceCounter {
  private readonly joint = new Map<string, Map<string, number>>();
  private readonly targets = new Map<string, number>();
  private rows = 0;

  constructor(
    private readonly binners: Readonly<Record<string, Binner>>,
    private readonly target: Binner,
  ) {
    for (const feature of Object.keys(binners)) this.joint.set(feature, new Map());
  }

  add(row: Readonly<Record<string, unknown>>, targetValue: unknown): void {
    const target = this.target(targetValue);
    this.rows += 1;
    this.targets.set(target, (this.targets.get(target) ?? 0) + 1);
    for (const [feature, binner] of Object.entries(this.binners)) {
      const key = `${binner(row[feature])}\u0000${target}`;
      const counts = this.joint.get(feature)!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }

  /** Rows counted so far. */
  get count(): number {
    return this.rows;
  }

  /** Each feature's mutual information with the target, in bits. */
  importances(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [feature, counts] of this.joint) {
      const marginal = new Map<string, number>();
      for (const [key, count] of counts) {
        const bin = key.slice(0, key.indexOf('\u0000'));
        marginal.set(bin, (marginal.get(bin) ?? 0) + count);
      }
      let information = 0;
      for (const [key, count] of counts) {
        const split = key.indexOf('\u0000');
        const x = marginal.get(key.slice(0, split))!;
        const y = this.targets.get(key.slice(split + 1))!;
        information += (count / this.rows) * Math.log2((count * this.rows) / (x * y));
      }
      // Rounding can leave -0 or -1e-17 for an independent feature.
      result[feature] = Math.max(0, information);
    }
    return result;
  }
}

/** Features by importance, most important first (ties by name, so the order is stable). */
export function rankByImportance(importances: Readonly<Record<string, number>>): string[] {
  return Object.keys(importances).sort((a, b) => importances[b]! - importances[a]! || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * NDCG of the production ranking against the reference's importances as relevance:
 * DCG = Σᵢ rel(featureᵢ) / log2(i + 1) over the production order (i from 1), divided by the same
 * sum over the reference's own order. 1 when production ranks the features as the reference
 * does; lower as the important features move down. null when the reference finds no feature
 * informative (every importance 0).
 */
export function normalizedDiscountedCumulativeGain(
  reference: Readonly<Record<string, number>>,
  production: Readonly<Record<string, number>>,
): number | null {
  const features = Object.keys(reference);
  const relevance = (feature: string) => reference[feature] ?? 0;
  const gain = (order: readonly string[]) => order.reduce((sum, feature, index) => sum + relevance(feature) / Math.log2(index + 2), 0);
  const ideal = gain(rankByImportance(reference));
  if (ideal === 0) return null;
  const productionOrder = rankByImportance(Object.fromEntries(features.map((feature) => [feature, production[feature] ?? 0])));
  return gain(productionOrder) / ideal;
}

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value));
}

/** A value as a class: numbers by their shortest form, so 1, '1' and '1.0' are one class. */
function canonical(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = String(value).trim();
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? String(number) : text;
}
