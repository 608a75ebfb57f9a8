/**
 * Drift metrics of one feature, from the reference and production windows' summaries, with their
 * textbook definitions (each matches the SciPy function named, on the same data, while the
 * sketches are exact):
 * - jensen_shannon_distance: √JS divergence, base-2 logs, in [0, 1], over the common bins
 *   (binning.ts) — scipy.spatial.distance.jensenshannon(p, q, base=2).
 * - population_stability_index: Σ (p_ref − p_prod)·ln(p_ref/p_prod) over the same bins, an empty
 *   bin's proportion counted as 0.0001 (Evidently's rule).
 * - normalized_wasserstein_distance: scipy.stats.wasserstein_distance(ref, prod) / std(ref), the
 *   population std (ddof 0); null when the reference is constant.
 * - two_sample_kolmogorov_smirnov_test: the p-value, which a threshold breaches from below.
 *   D = max |F_ref − F_prod| (scipy.stats.ks_2samp's statistic); p = P(K > √(n·m/(n+m))·D) for
 *   the Kolmogorov distribution K — scipy.stats.kstwobign.sf, the asymptotic p-value, not
 *   ks_2samp's default exact method. `statistic` is D.
 * - pearsons_chi_squared_test: the p-value of Pearson's test of homogeneity on the 2×k table of
 *   category counts, k − 1 degrees of freedom — scipy.stats.chi2_contingency(table,
 *   correction=False); 1 when fewer than two categories have values. `statistic` is χ².
 * Numerical metrics read the numeric sketches only (a numerical feature's stray strings are the
 * data-quality metrics' business); categorical ones read the categories.
 */
import { TrellisError } from '../errors.js';
import { categoricalBins, numericBins } from './binning.js';
import { chiSquaredSurvival, kolmogorovSurvival } from './distributions.js';
import {
  chiSquaredHomogeneity,
  jensenShannonDistance,
  kolmogorovSmirnovStatistic,
  populationStabilityIndex,
  wassersteinDistance,
} from './distribution-distances.js';
import { type MetricOutcome, unavailable } from './metric-outcome.js';
import {
  categoricalDriftMetrics,
  type DriftMetric,
  type FeatureSummary,
  type FeatureType,
  type NumericSketch,
  numericalDriftMetrics,
} from './monitoring-types.js';
import { sketchPoints, sketchStandardDeviation } from './numeric-sketch.js';

/** The metric's value for a feature of this type; throws when the metric does not apply to the type. */
export function driftMetric(
  metric: DriftMetric,
  featureType: FeatureType,
  reference: FeatureSummary,
  production: FeatureSummary,
): MetricOutcome {
  const applicable: readonly string[] = featureType === 'numerical' ? numericalDriftMetrics : categoricalDriftMetrics;
  if (!applicable.includes(metric)) {
    throw new TrellisError(
      'MetricNotApplicable',
      422,
      `the drift metric '${metric}' does not apply to ${featureType} features; use one of: ${applicable.join(', ')}`,
    );
  }
  return featureType === 'numerical'
    ? numericalDrift(metric, reference.numeric, production.numeric)
    : categoricalDrift(metric, reference, production);
}

function numericalDrift(metric: DriftMetric, reference: NumericSketch | null, production: NumericSketch | null): MetricOutcome {
  if (reference === null || reference.count === 0) return unavailable('the reference window has no numeric values');
  if (production === null || production.count === 0) return unavailable('the production window has no numeric values');
  if (metric === 'jensen_shannon_distance' || metric === 'population_stability_index') {
    const bins = numericBins(reference, production);
    const value =
      metric === 'jensen_shannon_distance'
        ? jensenShannonDistance(bins.reference, bins.production)
        : populationStabilityIndex(bins.reference, bins.production);
    return { value };
  }
  const referencePoints = sketchPoints(reference);
  const productionPoints = sketchPoints(production);
  if (metric === 'normalized_wasserstein_distance') {
    const deviation = sketchStandardDeviation(reference);
    if (deviation === 0)
      return unavailable('the reference values are all the same (standard deviation 0), so the distance cannot be normalized');
    return { value: wassersteinDistance(referencePoints, productionPoints) / deviation };
  }
  const statistic = kolmogorovSmirnovStatistic(referencePoints, productionPoints);
  const effectiveSize = (reference.count * production.count) / (reference.count + production.count);
  return { value: kolmogorovSurvival(Math.sqrt(effectiveSize) * statistic), statistic };
}

function categoricalDrift(metric: DriftMetric, reference: FeatureSummary, production: FeatureSummary): MetricOutcome {
  const bins = categoricalBins(reference, production);
  const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0);
  if (sum(bins.reference) === 0) return unavailable('the reference window has no category values');
  if (sum(bins.production) === 0) return unavailable('the production window has no category values');
  if (metric === 'jensen_shannon_distance') return { value: jensenShannonDistance(bins.reference, bins.production) };
  if (metric === 'population_stability_index') return { value: populationStabilityIndex(bins.reference, bins.production) };
  const { statistic, degreesOfFreedom } = chiSquaredHomogeneity(bins.reference, bins.production);
  return { value: degreesOfFreedom === 0 ? 1 : chiSquaredSurvival(statistic, degreesOfFreedom), statistic };
}
