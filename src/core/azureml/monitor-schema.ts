import { Duration } from 'luxon';
import { z } from 'zod';
import {
  categoricalDriftMetrics,
  classificationMetrics,
  featureTypes,
  numericalDriftMetrics,
  qualityMetrics,
  regressionMetrics,
} from '../monitoring/monitoring-types.js';
import { closedObject, countField, flagField, freeMapping, isPlainObject, whenMapping } from './schema-helpers.js';

/**
 * `create_monitor` of an Azure ML schedule (MonitorDefinitionSchema of azure-ai-ml, the files under
 * cli/monitoring/ of azureml-examples): what is monitored (an online deployment), its signals with
 * their data and thresholds, and who is told. Every problem is reported at once, by field; checks
 * that need the store (the endpoint, the data assets, the features) are made by the service.
 */

/** Signal types Trellis computes; `custom` and `generation_safety_quality` are refused with the reason. */
export const signalTypes = ['data_drift', 'prediction_drift', 'data_quality', 'feature_attribution_drift', 'model_performance'] as const;
export type SignalType = (typeof signalTypes)[number];

export const mlTasks = ['classification', 'regression', 'question_answering'] as const;

/** Data contexts Azure ML names (what the data is); recorded, and used to tell inputs from outputs. */
export const dataContexts = ['model_inputs', 'model_outputs', 'training', 'test', 'validation', 'ground_truth'] as const;

/** An ISO 8601 duration (P7D, PT1H, PT30S), as Azure ML writes window sizes; a positive length. */
export const durationField = z.string().superRefine((text, context) => {
  const duration = Duration.fromISO(text);
  if (!duration.isValid || duration.toMillis() <= 0)
    context.addIssue({
      code: 'custom',
      message: `'${text}' is not a positive ISO 8601 duration: write P7D (7 days), PT1H (an hour) or PT30M (30 minutes)`,
      input: text,
    });
});

/** How long an ISO 8601 duration is, in milliseconds (checked by durationField first). */
export function durationMs(text: string): number {
  return Duration.fromISO(text).toMillis();
}

const dateField = z.preprocess(
  (value) => (value instanceof Date ? value.toISOString() : value),
  z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'is not a date: write 2024-01-31 or 2024-01-31T00:00:00Z'),
);

const inputDataField = closedObject({
  path: z.string({ error: 'name the data: azureml:<data asset>:<version>' }).min(1),
  type: z.enum(['uri_folder', 'uri_file', 'mltable'], { error: 'must be uri_folder, uri_file or mltable' }).optional(),
  mode: z.string().optional(),
});

const columnNamesField = z.record(z.string(), z.string());

/** A trailing window (lookback size and offset from the run's time) or a fixed one (start and end dates). */
const dataWindowField = closedObject({
  lookback_window_size: durationField.optional(),
  lookback_window_offset: z.union([durationField, z.literal('P0D'), z.literal('PT0S')]).optional(),
  window_start: dateField.optional(),
  window_end: dateField.optional(),
}).superRefine((window, context) => {
  const fixed = window.window_start !== undefined || window.window_end !== undefined;
  const trailing = window.lookback_window_size !== undefined || window.lookback_window_offset !== undefined;
  if (fixed && trailing)
    context.addIssue({
      code: 'custom',
      message:
        'give either a trailing window (lookback_window_size, lookback_window_offset) or a fixed one (window_start, window_end), not both',
      input: window,
    });
  if (fixed && (window.window_start === undefined || window.window_end === undefined))
    context.addIssue({ code: 'custom', message: 'a fixed window needs both window_start and window_end', input: window });
}, whenMapping);

const productionDataField = closedObject({
  input_data: inputDataField.optional(),
  data_context: z.enum(dataContexts).optional(),
  pre_processing_component: z.string().optional(),
  data_window_size: durationField.optional(),
  data_window: dataWindowField.optional(),
  data_column_names: columnNamesField.optional(),
});

const referenceDataField = closedObject({
  input_data: inputDataField,
  data_context: z.enum(dataContexts).optional(),
  pre_processing_component: z.string().optional(),
  target_column_name: z.string().optional(),
  data_column_names: columnNamesField.optional(),
  data_window: dataWindowField.optional(),
});

const featuresField = z.union(
  [
    z.literal('all_features'),
    z.array(z.string().min(1)).min(1, 'list at least one feature'),
    closedObject({ top_n_feature_importance: countField().refine((n) => Number(n) >= 1, 'must be 1 or more') }),
  ],
  { error: 'must be all_features, a list of feature names, or {top_n_feature_importance: N}' },
);

const thresholdValue = z.number({ error: 'a threshold is a number, such as 0.1' });

/** `{numerical: {metric: threshold}, categorical: {...}}` (the documented form) or a list of {applicable_feature_type, metric_name, threshold}. */
function thresholdsByFeatureType(numerical: readonly string[], categorical: readonly string[]) {
  const byName = (allowed: readonly string[], type: string) =>
    z.record(z.string(), thresholdValue).superRefine((mapping, context) => {
      for (const name of Object.keys(mapping))
        if (!allowed.includes(name))
          context.addIssue({
            code: 'custom',
            path: [name],
            message: `'${name}' is not a ${type} metric of this signal; use one of ${allowed.join(', ')}`,
            input: name,
          });
    }, whenMapping);
  const listed = z.array(
    closedObject({
      applicable_feature_type: z.enum(featureTypes, { error: 'must be numerical or categorical' }),
      metric_name: z.string(),
      threshold: thresholdValue.optional(),
    }).superRefine((entry, context) => {
      const allowed = entry.applicable_feature_type === 'numerical' ? numerical : categorical;
      if (!allowed.includes(entry.metric_name))
        context.addIssue({
          code: 'custom',
          path: ['metric_name'],
          message: `'${entry.metric_name}' is not a ${entry.applicable_feature_type} metric of this signal; use one of ${allowed.join(', ')}`,
          input: entry.metric_name,
        });
    }, whenMapping),
  );
  const byType = closedObject({
    numerical: byName(numerical, 'numerical').optional(),
    categorical: byName(categorical, 'categorical').optional(),
  });
  // The form is chosen by shape, so each problem is reported at its own field rather than as one failed union.
  return z.unknown().superRefine((value, context) => {
    if (!Array.isArray(value) && !isPlainObject(value)) {
      context.addIssue({
        code: 'custom',
        message: 'write thresholds as {numerical: {<metric>: <threshold>}, categorical: {<metric>: <threshold>}}',
        input: value,
      });
      return;
    }
    const checked = (Array.isArray(value) ? listed : byType).safeParse(value);
    for (const issue of checked.success ? [] : checked.error.issues)
      context.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: value });
  });
}

const signalBase = {
  production_data: productionDataField.optional(),
  reference_data: referenceDataField.optional(),
  alert_enabled: flagField().optional(),
  properties: freeMapping.optional(),
};

const dataSignalBase = {
  ...signalBase,
  features: featuresField.optional(),
  feature_type_override: z.record(z.string(), z.enum(featureTypes, { error: 'must be numerical or categorical' })).optional(),
};

const driftThresholds = thresholdsByFeatureType(numericalDriftMetrics, categoricalDriftMetrics);

const dataDriftSignal = closedObject({
  type: z.literal('data_drift'),
  ...dataSignalBase,
  metric_thresholds: driftThresholds.optional(),
  data_segment: freeMapping.optional(),
});

const predictionDriftSignal = closedObject({
  type: z.literal('prediction_drift'),
  ...signalBase,
  metric_thresholds: driftThresholds.optional(),
});

const dataQualitySignal = closedObject({
  type: z.literal('data_quality'),
  ...dataSignalBase,
  metric_thresholds: thresholdsByFeatureType(qualityMetrics, qualityMetrics).optional(),
});

const featureAttributionSignal = closedObject({
  type: z.literal('feature_attribution_drift'),
  production_data: z.union([z.array(productionDataField), productionDataField]).optional(),
  reference_data: referenceDataField.optional(),
  alert_enabled: flagField().optional(),
  properties: freeMapping.optional(),
  metric_thresholds: z
    .union([
      closedObject({ normalized_discounted_cumulative_gain: thresholdValue }),
      closedObject({ threshold: thresholdValue }),
      thresholdValue,
    ])
    .optional(),
});

const performanceMetrics = [...classificationMetrics, ...regressionMetrics] as const;
const modelPerformanceSignal = closedObject({
  type: z.literal('model_performance'),
  ...signalBase,
  model_type: z.enum(['classification', 'regression']).optional(),
  data_segment: freeMapping.optional(),
  metric_thresholds: z
    .union([
      closedObject({
        classification: z.partialRecord(z.enum(classificationMetrics), thresholdValue).optional(),
        regression: z.partialRecord(z.enum(regressionMetrics), thresholdValue).optional(),
      }),
      z.partialRecord(z.enum(performanceMetrics, { error: `use one of ${performanceMetrics.join(', ')}` }), thresholdValue),
    ])
    .optional(),
});

const signalSchemas = {
  data_drift: dataDriftSignal,
  prediction_drift: predictionDriftSignal,
  data_quality: dataQualitySignal,
  feature_attribution_drift: featureAttributionSignal,
  model_performance: modelPerformanceSignal,
};

/** A signal of a definition monitorDefinitionSchema accepted, read as its type's schema reads it. */
export function parseSignal(value: unknown): SignalFile {
  const type = isPlainObject(value) ? String(value.type) : '';
  return signalSchemas[type as SignalType].parse(value);
}

/** A signal, chosen by its `type`, so its problems are reported against the right fields. */
const signalField = z.unknown().superRefine((value, context) => {
  if (!isPlainObject(value)) {
    context.addIssue({
      code: 'custom',
      message: 'a signal is a mapping with a type (data_drift, prediction_drift, data_quality, ...)',
      input: value,
    });
    return;
  }
  const schema = signalSchemas[String(value.type) as SignalType];
  if (!schema) {
    const refused = value.type === 'custom' || value.type === 'generation_safety_quality';
    context.addIssue({
      code: 'custom',
      path: ['type'],
      message: refused
        ? `signal type '${String(value.type)}' runs a component or a language model on Azure; Trellis computes ${signalTypes.join(', ')}`
        : `signal type must be one of ${signalTypes.join(', ')}; got ${JSON.stringify(value.type)}`,
      input: value.type,
    });
    return;
  }
  const checked = schema.safeParse(value);
  for (const issue of checked.success ? [] : checked.error.issues)
    context.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: value });
});

export const monitorDefinitionSchema = closedObject({
  compute: z.union([z.string(), freeMapping]).optional(),
  monitoring_target: closedObject({
    ml_task: z.enum(mlTasks, { error: `must be one of ${mlTasks.join(', ')}` }).optional(),
    endpoint_deployment_id: z
      .string()
      .regex(/^azureml:[^:/]+:[^:/]+$/, 'write it as azureml:<endpoint>:<deployment>')
      .optional(),
    model_id: z.string().optional(),
  }).optional(),
  monitoring_signals: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "use letters, digits, '-' or '_'"), signalField).optional(),
  alert_notification: z
    .union([z.literal('azmonitoring'), closedObject({ emails: z.array(z.email('is not an email address')).optional() })])
    .optional(),
});
export type MonitorDefinitionFile = z.output<typeof monitorDefinitionSchema>;

/** The parsed signal mapping, by type (the union above checks it; this is how the service reads it). */
export type SignalFile =
  | z.output<typeof dataDriftSignal>
  | z.output<typeof predictionDriftSignal>
  | z.output<typeof dataQualitySignal>
  | z.output<typeof featureAttributionSignal>
  | z.output<typeof modelPerformanceSignal>;
