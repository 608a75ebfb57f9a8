/**
 * The vocabulary of model monitoring shared by the metrics (pure), the monitor runs (services)
 * and the API: feature types, the metric names Azure ML's monitor YAML uses, per-feature
 * summaries that merge, and what a signal's evaluation yields.
 */

/** How a feature's values are compared: as numbers on a line, or as categories. */
export const featureTypes = ['numerical', 'categorical'] as const;
export type FeatureType = (typeof featureTypes)[number];

/** Drift metrics (data_drift, prediction_drift), by the feature type they apply to. */
export const numericalDriftMetrics = [
  'jensen_shannon_distance',
  'normalized_wasserstein_distance',
  'population_stability_index',
  'two_sample_kolmogorov_smirnov_test',
] as const;
export const categoricalDriftMetrics = ['jensen_shannon_distance', 'population_stability_index', 'pearsons_chi_squared_test'] as const;
export type NumericalDriftMetric = (typeof numericalDriftMetrics)[number];
export type CategoricalDriftMetric = (typeof categoricalDriftMetrics)[number];
export type DriftMetric = NumericalDriftMetric | CategoricalDriftMetric;

/** Data quality metrics (data_quality), for both feature types. */
export const qualityMetrics = ['null_value_rate', 'data_type_error_rate', 'out_of_bounds_rate'] as const;
export type QualityMetric = (typeof qualityMetrics)[number];

/** Model performance metrics, by task. */
export const classificationMetrics = ['accuracy', 'precision', 'recall', 'f1_score'] as const;
export const regressionMetrics = ['mae', 'mse', 'rmse'] as const;
export type PerformanceMetric = (typeof classificationMetrics)[number] | (typeof regressionMetrics)[number];

/**
 * Whether a metric's value breaches its threshold when it is above it (distances, rates) or
 * below it (p-values of the two tests, NDCG, accuracy-like scores). mae/mse/rmse breach above.
 */
export function breachesWhenBelow(metric: string): boolean {
  return [
    'two_sample_kolmogorov_smirnov_test',
    'pearsons_chi_squared_test',
    'normalized_discounted_cumulative_gain',
    'accuracy',
    'precision',
    'recall',
    'f1_score',
  ].includes(metric);
}

/**
 * A mergeable sketch of a feature's numeric values: exact (every distinct value with its count)
 * until it holds more than the cap of distinct values, then compressed to at most that many
 * centroids (mean, count) in order. `centroids` is flat: [value0, count0, value1, count1, ...].
 */
export interface NumericSketch {
  count: number;
  min: number;
  max: number;
  sum: number;
  /** Sum of squared deviations from the mean (Welford/Chan), for a stable variance. */
  m2: number;
  centroids: number[];
  /** True while `centroids` holds every distinct value exactly. */
  exact: boolean;
}

/**
 * What a window of one feature's values is reduced to: mergeable (summaries of two partitions
 * merge into the summary of both), bounded in size whatever the number of rows, JSON-safe.
 */
export interface FeatureSummary {
  /** Rows seen (each row once, whatever its value). */
  rows: number;
  /** null, undefined, NaN, or an empty string. */
  nulls: number;
  /** Values that are neither a number, a numeric string, a string nor a boolean (objects, arrays, ±Infinity). */
  unparsable: number;
  /** Numbers (and strings that parse as finite numbers). */
  numeric: NumericSketch | null;
  /**
   * Every non-null value but the unparsable ones, by its canonical string: strings as they are,
   * booleans as 'true'/'false', numbers and numeric strings as String(n) (so integer codes compare
   * as categories). At most CATEGORY_CAP of them: the smallest keys, numbers ascending then
   * strings (category-order.ts), so the kept set does not depend on how rows were partitioned.
   */
  categories: Record<string, number>;
  /** Category values whose key is past the cap, counted but not kept by value. */
  otherCategories: number;
}

/** One metric of one feature in one signal's evaluation. */
export interface FeatureMetricResult {
  feature: string;
  featureType: FeatureType;
  metric: string;
  /** null when it could not be computed (no production rows, say): `reason` says why. */
  value: number | null;
  threshold: number;
  breached: boolean;
  reason?: string;
}
