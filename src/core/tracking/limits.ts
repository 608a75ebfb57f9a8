import type { DatasetInput, KeyValue, MetricPoint } from './entities.js';
import { mlflowError } from './mlflow-error.js';

/** MLflow's limits (mlflow/utils/validation.py): the same numbers, so clients split batches alike. */
export const limits = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  runNameLength: 250,
  experimentNameLength: 500,
  datasetsPerBatch: 1000,
  datasetNameLength: 500,
  datasetDigestLength: 36,
  datasetSourceLength: 65535,
  datasetSchemaLength: 1048575,
  datasetProfileLength: 16777215,
  inputTagKeyLength: 255,
  inputTagValueLength: 500,
};

const keyPattern = /^[\w\-./ :]+$/u;

/** Checks a metric, param or tag key the way MLflow does: allowed characters, length, no '..' path tricks. */
export function checkKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  if (typeof key !== 'string' || key.length === 0)
    throw mlflowError('INVALID_PARAMETER_VALUE', `Missing value for required parameter 'key' of the ${kind}.`);
  if (key.length > limits.keyLength)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `${capital(kind)} name '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${limits.keyLength}`,
    );
  if (!keyPattern.test(key) || key.split('/').some((part) => part === '..' || part === '.') || key.startsWith('/')) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/), and may not be a path like '..' or start with '/'.`,
    );
  }
  return key;
}

export function checkParam(param: KeyValue): void {
  checkKey('param', param.key);
  if (param.value.length > limits.paramValueLength) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Param value '${param.value.slice(0, 40)}...' had length ${param.value.length}, which exceeded length limit of ${limits.paramValueLength}`,
    );
  }
}

export function checkTag(tag: KeyValue): void {
  checkKey('tag', tag.key);
  if (tag.value.length > limits.tagValueLength) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Tag value '${tag.value.slice(0, 40)}...' had length ${tag.value.length}, which exceeded length limit of ${limits.tagValueLength}`,
    );
  }
}

export function checkMetric(metric: MetricPoint): void {
  checkKey('metric', metric.key);
  if (typeof metric.value !== 'number')
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Got invalid value ${String(metric.value)} for metric '${metric.key}' (timestamp=${metric.timestamp}). Please specify value as a valid double (64-bit floating point)`,
    );
  if (!Number.isSafeInteger(metric.timestamp))
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Got invalid timestamp ${String(metric.timestamp)} for metric '${metric.key}' (value=${metric.value}). Timestamp must be a nonnegative long (64-bit integer)`,
    );
  if (!Number.isSafeInteger(metric.step))
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Got invalid step ${String(metric.step)} for metric '${metric.key}' (value=${metric.value}). Step must be a valid long (64-bit integer).`,
    );
}

/** An experiment name as MLflow's _validate_experiment_name takes it: not blank, at most 500 characters. */
export function checkExperimentName(name: string, path = 'name'): void {
  if (name.trim() === '')
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid experiment name: '${name}'. Experiment name must be a non-empty string.`);
  if (name.length > limits.experimentNameLength) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `'${path}' exceeds the maximum length of ${limits.experimentNameLength} characters (got ${name.length}); choose a shorter experiment name.`,
    );
  }
}

/** The batch limits of log-batch; every entity is checked before anything is written. */
export function checkBatch(batch: { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] }): void {
  const sizes = [
    ['metrics', batch.metrics.length, limits.metricsPerBatch],
    ['params', batch.params.length, limits.paramsPerBatch],
    ['tags', batch.tags.length, limits.tagsPerBatch],
  ] as const;
  for (const [name, size, max] of sizes) {
    if (size > max)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `A batch logging request can contain at most ${max} ${name}. Got ${size} ${name}. Please split up ${name} across multiple requests and try again.`,
      );
  }
  const total = batch.metrics.length + batch.params.length + batch.tags.length;
  if (total > limits.entitiesPerBatch) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `A batch logging request can contain at most ${limits.entitiesPerBatch} metrics, params, and tags in total. Got ${total} in total. Please split up metrics, params, and tags across multiple requests and try again.`,
    );
  }
  const seen = new Map<string, string>();
  for (const param of batch.params) {
    checkParam(param);
    const before = seen.get(param.key);
    if (before !== undefined && before !== param.value) {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Duplicate parameter keys have been submitted: '${param.key}'. Please ensure the request contains only one param value per param key.`,
      );
    }
    seen.set(param.key, param.value);
  }
  for (const tag of batch.tags) checkTag(tag);
  for (const metric of batch.metrics) checkMetric(metric);
}

/** log-inputs: MLflow's limits on datasets and their input tags, checked before anything is written. */
export function checkDatasetInputs(inputs: DatasetInput[]): void {
  if (inputs.length > limits.datasetsPerBatch) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `A logging request can contain at most ${limits.datasetsPerBatch} datasets. Got ${inputs.length}. Please split up datasets across multiple requests and try again.`,
    );
  }
  for (const { dataset, tags } of inputs) {
    const fields = [
      ['name', dataset.name, limits.datasetNameLength],
      ['digest', dataset.digest, limits.datasetDigestLength],
      ['source', dataset.source, limits.datasetSourceLength],
      ['schema', dataset.schema ?? '', limits.datasetSchemaLength],
      ['profile', dataset.profile ?? '', limits.datasetProfileLength],
    ] as const;
    for (const [name, value, max] of fields) {
      if (value.length > max)
        throw mlflowError(
          'INVALID_PARAMETER_VALUE',
          `'${name}' exceeds the maximum length of ${max} characters (dataset '${dataset.name.slice(0, 40)}')`,
        );
    }
    for (const tag of tags) {
      if (tag.key.length > limits.inputTagKeyLength)
        throw mlflowError(
          'INVALID_PARAMETER_VALUE',
          `'key' exceeds the maximum length of ${limits.inputTagKeyLength} characters (input tag of dataset '${dataset.name.slice(0, 40)}')`,
        );
      if (tag.value.length > limits.inputTagValueLength)
        throw mlflowError(
          'INVALID_PARAMETER_VALUE',
          `'value' exceeds the maximum length of ${limits.inputTagValueLength} characters (input tag '${tag.key}')`,
        );
    }
  }
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
