/**
 * Data quality metrics of one feature's production window (the reference gives the bounds):
 * - null_value_rate: null values (null, undefined, NaN, '') / rows.
 * - data_type_error_rate: values of the wrong type / non-null values. For a numerical feature
 *   every non-null value that is not a number or numeric string (other strings, booleans,
 *   objects); for a categorical feature only the unparsable ones (objects, arrays, ±Infinity),
 *   since any string, boolean or number is a fine category.
 * - out_of_bounds_rate: numerical — the share of production numbers below the reference's min or
 *   above its max (a compressed production sketch places each centroid's rows at its mean);
 *   categorical — the share of production category values whose category the reference never
 *   had (values past the category caps, in the other bin, are not counted as out of bounds).
 * No production rows, or no values to take a share of, gives null with the reason.
 */
import { categoricalBins } from './binning.js';
import { type MetricOutcome, unavailable } from './metric-outcome.js';
import type { FeatureSummary, FeatureType, QualityMetric } from './monitoring-types.js';
import { sketchPoints } from './numeric-sketch.js';

export function qualityMetric(
  metric: QualityMetric,
  featureType: FeatureType,
  reference: FeatureSummary,
  production: FeatureSummary,
): MetricOutcome {
  if (production.rows === 0) return unavailable('the production window has no rows');
  if (metric === 'null_value_rate') return { value: production.nulls / production.rows };
  if (metric === 'data_type_error_rate') return dataTypeErrorRate(featureType, production);
  return featureType === 'numerical' ? numericalOutOfBoundsRate(reference, production) : categoricalOutOfBoundsRate(reference, production);
}

function dataTypeErrorRate(featureType: FeatureType, production: FeatureSummary): MetricOutcome {
  const nonNull = production.rows - production.nulls;
  if (nonNull === 0) return unavailable('the production window has only null values');
  const errors = featureType === 'numerical' ? nonNull - (production.numeric?.count ?? 0) : production.unparsable;
  return { value: errors / nonNull };
}

function numericalOutOfBoundsRate(reference: FeatureSummary, production: FeatureSummary): MetricOutcome {
  const bounds = reference.numeric;
  const sketch = production.numeric;
  if (bounds === null || bounds.count === 0) return unavailable('the reference window has no numeric values to take bounds from');
  if (sketch === null || sketch.count === 0) return unavailable('the production window has no numeric values');
  if (sketch.min >= bounds.min && sketch.max <= bounds.max) return { value: 0 };
  const points = sketchPoints(sketch);
  let outside = 0;
  for (let index = 0; index < points.length; index++) {
    const value = points.values[index]!;
    if (value < bounds.min || value > bounds.max) outside += points.counts[index]!;
  }
  return { value: outside / sketch.count };
}

function categoricalOutOfBoundsRate(reference: FeatureSummary, production: FeatureSummary): MetricOutcome {
  const bins = categoricalBins(reference, production);
  const named = bins.hasOtherBin ? bins.categories.length - 1 : bins.categories.length;
  const referenceTotal = bins.reference.reduce((sum, count) => sum + count, 0);
  const productionTotal = bins.production.reduce((sum, count) => sum + count, 0);
  if (referenceTotal === 0) return unavailable('the reference window has no category values to compare with');
  if (productionTotal === 0) return unavailable('the production window has no category values');
  let unseen = 0;
  for (let index = 0; index < named; index++) if (bins.reference[index] === 0) unseen += bins.production[index]!;
  return { value: unseen / productionTotal };
}
