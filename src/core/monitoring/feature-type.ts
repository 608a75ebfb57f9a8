/**
 * The feature type a monitor assumes when the signal does not override it. Azure ML decides by
 * the column's dtype; summaries have no dtype, so the rule reads what the reference holds:
 * numerical when at least 90% of its non-null values are numbers (or numeric strings), so a few
 * stray strings do not turn a numeric column categorical; categorical otherwise, and when the
 * reference has no values at all. Integer codes with few distinct values count as numerical, as
 * in Azure ML: declaring them categorical is the signal's override.
 */
import type { FeatureSummary, FeatureType } from './monitoring-types.js';

/** The share of non-null reference values that must be numeric for a numerical feature. */
export const NUMERICAL_SHARE = 0.9;

export function inferFeatureType(reference: FeatureSummary): FeatureType {
  const numeric = reference.numeric?.count ?? 0;
  const nonNull = reference.rows - reference.nulls;
  return numeric > 0 && numeric >= NUMERICAL_SHARE * nonNull ? 'numerical' : 'categorical';
}
