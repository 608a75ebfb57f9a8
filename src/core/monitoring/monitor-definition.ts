import { durationMs, type MonitorDefinitionFile, type SignalFile, type SignalType } from '../azureml/monitor-schema.js';
import type { DriftMetric, FeatureType, PerformanceMetric, QualityMetric } from './monitoring-types.js';

/**
 * A monitor as Trellis runs it: the create_monitor file with Azure ML's defaults filled in, each
 * signal's data named as a source and a window, its thresholds by feature type. Pure: the service
 * checks the sources against the store.
 */

/** Where a signal's rows come from: a deployment's collected payloads, or a data asset. */
export type DataSource =
  | { kind: 'collected'; endpoint: string; deployment: string; collection: 'model_inputs' | 'model_outputs' }
  | { kind: 'asset'; reference: string; type: 'uri_folder' | 'uri_file' | 'mltable' };

/** Which rows of a source: those of a trailing window before the run's time, a fixed window, or all of them. */
export type DataWindow =
  | { kind: 'trailing'; sizeMs: number; offsetMs: number }
  | { kind: 'fixed'; start: number; end: number }
  | { kind: 'all' };

export interface SignalData {
  source: DataSource;
  window: DataWindow;
  /** Azure's data_context, as written or implied (model_inputs, model_outputs, training, ...). */
  context: string;
  /** The target (label) column of a reference table, left out of the features. */
  targetColumn: string | null;
  /** `data_column_names` as written: prediction, actual, correlation_id, target_column. */
  columnNames: Record<string, string>;
}

export type FeatureSelection = { kind: 'all' } | { kind: 'listed'; names: string[] } | { kind: 'top'; count: number };

export interface DriftSignal {
  name: string;
  type: 'data_drift' | 'prediction_drift';
  production: SignalData;
  reference: SignalData;
  features: FeatureSelection;
  featureTypes: Record<string, FeatureType>;
  thresholds: { numerical: Partial<Record<DriftMetric, number>>; categorical: Partial<Record<DriftMetric, number>> };
  alertEnabled: boolean;
}

export interface QualitySignal {
  name: string;
  type: 'data_quality';
  production: SignalData;
  reference: SignalData;
  features: FeatureSelection;
  featureTypes: Record<string, FeatureType>;
  thresholds: { numerical: Partial<Record<QualityMetric, number>>; categorical: Partial<Record<QualityMetric, number>> };
  alertEnabled: boolean;
}

export interface AttributionSignal {
  name: string;
  type: 'feature_attribution_drift';
  /** The deployment's inputs joined to its outputs by request: the features against the model's own predictions. */
  production: { inputs: SignalData; outputs: SignalData };
  reference: SignalData;
  threshold: number;
  alertEnabled: boolean;
}

export interface PerformanceSignal {
  name: string;
  type: 'model_performance';
  production: SignalData;
  /** Ground truth joined to the production outputs by their correlation id. */
  reference: SignalData;
  task: 'classification' | 'regression';
  thresholds: Partial<Record<PerformanceMetric, number>>;
  alertEnabled: boolean;
}

export type Signal = DriftSignal | QualitySignal | AttributionSignal | PerformanceSignal;

export interface MonitorDefinition {
  mlTask: 'classification' | 'regression' | 'question_answering' | null;
  endpoint: string | null;
  deployment: string | null;
  modelId: string | null;
  signals: Signal[];
  emails: string[];
}

/** Azure ML's default thresholds (azure-ai-ml's *_get_default_thresholds*): drift 0.1, data quality 0 (any bad value breaches). */
export const defaultDriftThresholds = {
  numerical: { normalized_wasserstein_distance: 0.1 },
  categorical: { jensen_shannon_distance: 0.1 },
} as const;
export const defaultQualityThresholds = {
  numerical: { null_value_rate: 0, data_type_error_rate: 0, out_of_bounds_rate: 0 },
  categorical: { null_value_rate: 0, data_type_error_rate: 0, out_of_bounds_rate: 0 },
} as const;
export const defaultAttributionThreshold = 0.9;

/** How many production windows the default reference (earlier production data) spans, just before the production window. */
export const defaultReferenceWindows = 7;

/**
 * The definition with its defaults: a signal's production data is the deployment's collection
 * (inputs; outputs for prediction drift) over the last `periodMs` (the schedule's period) unless a
 * window is written; its reference, unless written, is the same collection over the
 * `defaultReferenceWindows` windows before that. With no signals written, Azure's out-of-box set:
 * data drift, prediction drift and data quality on every feature.
 */
export function monitorDefinition(
  file: MonitorDefinitionFile,
  periodMs: number,
  signalOf: (value: unknown) => SignalFile,
): MonitorDefinition {
  const target = file.monitoring_target ?? {};
  const [, endpoint = null, deployment = null] = target.endpoint_deployment_id?.split(':') ?? [];
  const emails = typeof file.alert_notification === 'object' ? [...(file.alert_notification.emails ?? [])].sort() : [];
  const collected = (collection: 'model_inputs' | 'model_outputs'): DataSource | undefined =>
    endpoint && deployment ? { kind: 'collected', endpoint, deployment, collection } : undefined;
  const written = file.monitoring_signals ?? {
    'data-drift-signal': { type: 'data_drift' },
    'prediction-drift-signal': { type: 'prediction_drift' },
    'data-quality-signal': { type: 'data_quality' },
  };
  const signals: Signal[] = Object.entries(written).map(([name, value]) =>
    signalDefinition(name, signalOf(value), { periodMs, collected, mlTask: target.ml_task ?? null }),
  );
  return { mlTask: target.ml_task ?? null, endpoint, deployment, modelId: target.model_id ?? null, signals, emails };
}

interface Defaults {
  periodMs: number;
  collected: (collection: 'model_inputs' | 'model_outputs') => DataSource | undefined;
  mlTask: string | null;
}

/** A source Trellis cannot default (no deployment named): the service refuses it, naming the signal. */
const missingSource: DataSource = { kind: 'asset', reference: '', type: 'uri_folder' };

function signalDefinition(name: string, file: SignalFile, defaults: Defaults): Signal {
  const alertEnabled = file.alert_enabled ?? true;
  const outputsFirst = file.type === 'prediction_drift' || file.type === 'model_performance';
  const collection = outputsFirst ? 'model_outputs' : 'model_inputs';
  const productionFile = Array.isArray(file.production_data) ? file.production_data[0] : file.production_data;
  const production = productionData(productionFile, defaults, collection);
  const reference = referenceData(file.reference_data, production, defaults);
  switch (file.type) {
    case 'data_drift':
    case 'prediction_drift':
      return {
        name,
        type: file.type,
        production,
        reference,
        features: file.type === 'data_drift' ? featureSelection(file.features) : { kind: 'all' },
        featureTypes: file.type === 'data_drift' ? { ...(file.feature_type_override ?? {}) } : {},
        thresholds: thresholdsOf(file.metric_thresholds, defaultDriftThresholds),
        alertEnabled,
      };
    case 'data_quality':
      return {
        name,
        type: file.type,
        production,
        reference,
        features: featureSelection(file.features),
        featureTypes: { ...(file.feature_type_override ?? {}) },
        thresholds: thresholdsOf(file.metric_thresholds, defaultQualityThresholds),
        alertEnabled,
      };
    case 'feature_attribution_drift': {
      const written = Array.isArray(file.production_data) ? file.production_data : file.production_data ? [file.production_data] : [];
      const inputs = written.find((data) => data.data_context !== 'model_outputs');
      const outputs = written.find((data) => data.data_context === 'model_outputs');
      const threshold = file.metric_thresholds;
      return {
        name,
        type: file.type,
        production: {
          inputs: productionData(inputs, defaults, 'model_inputs'),
          outputs: productionData(outputs, defaults, 'model_outputs'),
        },
        reference,
        threshold:
          typeof threshold === 'number'
            ? threshold
            : Number(
                (threshold as { threshold?: number; normalized_discounted_cumulative_gain?: number } | undefined)
                  ?.normalized_discounted_cumulative_gain ??
                  (threshold as { threshold?: number } | undefined)?.threshold ??
                  defaultAttributionThreshold,
              ),
        alertEnabled,
      };
    }
    case 'model_performance': {
      const task = file.model_type ?? (defaults.mlTask === 'regression' ? 'regression' : 'classification');
      const written = file.metric_thresholds ?? {};
      const thresholds = (
        'classification' in written || 'regression' in written
          ? ((written as { classification?: object; regression?: object })[task] ?? {})
          : written
      ) as Partial<Record<PerformanceMetric, number>>;
      return {
        name,
        type: file.type,
        production,
        reference,
        task,
        // None written: the service refuses the signal (model performance has no default threshold to hold it to).
        thresholds,
        alertEnabled,
      };
    }
  }
}

type ProductionFile = NonNullable<Exclude<SignalFile['production_data'], unknown[]>>;

function productionData(file: ProductionFile | undefined, defaults: Defaults, collection: 'model_inputs' | 'model_outputs'): SignalData {
  const context = file?.data_context ?? collection;
  const source = file?.input_data
    ? assetSource(file.input_data)
    : (defaults.collected(context === 'model_outputs' ? 'model_outputs' : collection) ?? missingSource);
  const size = file?.data_window?.lookback_window_size ?? file?.data_window_size;
  const window: DataWindow =
    file?.data_window?.window_start !== undefined && file.data_window.window_end !== undefined
      ? { kind: 'fixed', start: Date.parse(file.data_window.window_start), end: Date.parse(file.data_window.window_end) }
      : {
          kind: 'trailing',
          sizeMs: size ? durationMs(size) : defaults.periodMs,
          offsetMs: file?.data_window?.lookback_window_offset ? durationMs(file.data_window.lookback_window_offset) : 0,
        };
  return { source, window, context, targetColumn: null, columnNames: { ...(file?.data_column_names ?? {}) } };
}

function referenceData(file: SignalFile['reference_data'], production: SignalData, defaults: Defaults): SignalData {
  if (!file) {
    const size = production.window.kind === 'trailing' ? production.window.sizeMs : defaults.periodMs;
    const offset = production.window.kind === 'trailing' ? production.window.offsetMs + size : size;
    return { ...production, window: { kind: 'trailing', sizeMs: size * defaultReferenceWindows, offsetMs: offset } };
  }
  const window = file.data_window;
  return {
    source: assetSource(file.input_data),
    window:
      window?.window_start !== undefined && window.window_end !== undefined
        ? { kind: 'fixed', start: Date.parse(window.window_start), end: Date.parse(window.window_end) }
        : window?.lookback_window_size
          ? {
              kind: 'trailing',
              sizeMs: durationMs(window.lookback_window_size),
              offsetMs: window.lookback_window_offset ? durationMs(window.lookback_window_offset) : 0,
            }
          : { kind: 'all' },
    context: file.data_context ?? 'training',
    targetColumn: file.data_column_names?.target_column ?? file.target_column_name ?? file.data_column_names?.actual ?? null,
    columnNames: { ...(file.data_column_names ?? {}) },
  };
}

function assetSource(input: { path: string; type?: 'uri_folder' | 'uri_file' | 'mltable' | undefined }): DataSource {
  return { kind: 'asset', reference: input.path, type: input.type ?? 'uri_folder' };
}

function featureSelection(features: unknown): FeatureSelection {
  if (Array.isArray(features)) return { kind: 'listed', names: features.map(String) };
  if (features && typeof features === 'object' && 'top_n_feature_importance' in features)
    return { kind: 'top', count: Number((features as { top_n_feature_importance: number }).top_n_feature_importance) };
  return { kind: 'all' };
}

/** Thresholds by feature type from either written form, or the defaults when none are written for that type. */
function thresholdsOf<Metric extends string>(
  written: unknown,
  defaults: { numerical: Partial<Record<Metric, number>>; categorical: Partial<Record<Metric, number>> },
): { numerical: Partial<Record<Metric, number>>; categorical: Partial<Record<Metric, number>> } {
  const result: { numerical: Partial<Record<Metric, number>>; categorical: Partial<Record<Metric, number>> } = {
    numerical: {},
    categorical: {},
  };
  if (Array.isArray(written)) {
    for (const entry of written as Array<{ applicable_feature_type: FeatureType; metric_name: Metric; threshold?: number }>) {
      result[entry.applicable_feature_type][entry.metric_name] =
        entry.threshold ?? defaults[entry.applicable_feature_type][entry.metric_name] ?? 0;
    }
  } else if (written && typeof written === 'object') {
    const byType = written as { numerical?: Partial<Record<Metric, number>>; categorical?: Partial<Record<Metric, number>> };
    result.numerical = { ...(byType.numerical ?? {}) };
    result.categorical = { ...(byType.categorical ?? {}) };
  }
  if (Object.keys(result.numerical).length === 0) result.numerical = { ...defaults.numerical };
  if (Object.keys(result.categorical).length === 0) result.categorical = { ...defaults.categorical };
  return result;
}

export type { SignalType };
