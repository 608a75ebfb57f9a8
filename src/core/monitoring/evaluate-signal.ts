import { driftMetric } from './drift-metrics.js';
import { inferFeatureType } from './feature-type.js';
import { histogram } from './summary-statistics.js';
import { emptySummary } from './feature-summary.js';
import type { DriftSignal, QualitySignal } from './monitor-definition.js';
import type { FeatureDistribution, SignalOutcome } from './monitor-run.js';
import { breachesWhenBelow, type FeatureMetricResult, type FeatureSummary, type FeatureType } from './monitoring-types.js';
import { qualityMetric } from './quality-metrics.js';

/** A side of a signal as the evaluation sees it: its rows, broken rows, and per-feature summaries in column order. */
export interface SideData {
  rows: number;
  broken: number;
  columns: readonly string[];
  features: Readonly<Record<string, FeatureSummary>>;
}

export interface DataSignalEvaluation {
  outcome: SignalOutcome;
  reason: string | null;
  metrics: FeatureMetricResult[];
  distributions: FeatureDistribution[];
}

/** True when `value` is past `threshold` on the side that alerts (above it for distances and rates, below it for p-values and scores). */
export function isBreach(metric: string, value: number | null, threshold: number): boolean {
  if (value === null || Number.isNaN(value)) return false;
  return breachesWhenBelow(metric) ? value < threshold : value > threshold;
}

/**
 * Evaluates a data drift, prediction drift or data quality signal: for each feature (its type
 * from `feature_type_override` or inferred from the reference), every metric that has a threshold
 * for that type, and whether it breaches. Broken rows (payloads that were not rows) count as
 * data-type errors of every feature. `features` are the features to judge, in order.
 */
export function evaluateDataSignal(
  signal: DriftSignal | QualitySignal,
  reference: SideData,
  production: SideData,
  features: readonly string[],
): DataSignalEvaluation {
  if (production.rows + production.broken === 0)
    return { outcome: 'no_data', reason: 'no production rows in the window', metrics: [], distributions: [] };
  if (reference.rows === 0) return { outcome: 'no_data', reason: 'no reference rows to compare with', metrics: [], distributions: [] };
  const metrics: FeatureMetricResult[] = [];
  const distributions: FeatureDistribution[] = [];
  const missing: string[] = [];
  for (const feature of features) {
    const referenceSummary = reference.features[feature];
    if (!referenceSummary) {
      missing.push(feature);
      continue;
    }
    const productionSummary = withBrokenRows(production.features[feature] ?? nullColumn(production.rows), production.broken);
    const featureType: FeatureType = signal.featureTypes[feature] ?? inferFeatureType(referenceSummary);
    const thresholds = signal.thresholds[featureType] as Record<string, number | undefined>;
    for (const [metric, threshold] of Object.entries(thresholds)) {
      if (threshold === undefined) continue;
      const computed =
        signal.type === 'data_quality'
          ? qualityMetric(metric as never, featureType, referenceSummary, productionSummary)
          : driftMetric(metric as never, featureType, referenceSummary, productionSummary);
      metrics.push({
        feature,
        featureType,
        metric,
        value: computed.value,
        threshold,
        breached: isBreach(metric, computed.value, threshold),
        ...(computed.reason ? { reason: computed.reason } : {}),
      });
    }
    const overlay = histogram(referenceSummary, productionSummary, featureType);
    const bins = overlay.featureType === 'numerical' ? overlay.edges : [...overlay.categories, ...(overlay.hasOtherBin ? ['(other)'] : [])];
    distributions.push({ feature, featureType, bins, reference: overlay.reference, production: overlay.production });
  }
  const breached = metrics.some((metric) => metric.breached);
  const missingNote = missing.length > 0 ? `not in the reference data, so not judged: ${missing.join(', ')}` : null;
  return { outcome: breached ? 'breached' : 'passed', reason: missingNote, metrics, distributions };
}

/** The features a data signal judges: those listed, or every column of the reference but its target. */
export function selectedFeatures(signal: DriftSignal | QualitySignal, reference: SideData, ranked?: readonly string[]): string[] {
  const target = signal.reference.targetColumn;
  const all = reference.columns.filter((column) => column !== target);
  if (signal.features.kind === 'listed') return [...signal.features.names];
  if (signal.features.kind === 'top') return (ranked ?? all).slice(0, signal.features.count);
  return all;
}

/** A feature no production row had: every row null. */
function nullColumn(rows: number): FeatureSummary {
  const summary = emptySummary();
  summary.rows = rows;
  summary.nulls = rows;
  return summary;
}

function withBrokenRows(summary: FeatureSummary, broken: number): FeatureSummary {
  return broken === 0 ? summary : { ...summary, rows: summary.rows + broken, unparsable: summary.unparsable + broken };
}
