import { checkKey } from '../tracking/limits.js';
import { mlflowError } from '../tracking/mlflow-error.js';

/** MLflow's limits on a trace's tags (mlflow/utils/validation.py: MAX_TRACE_TAG_KEY_LENGTH, MAX_TRACE_TAG_VAL_LENGTH). */
export const traceTagLimits = { keyLength: 250, valueLength: 8000 };

/**
 * A trace tag as MLflow's server takes it: the key named as a tag's must be (no '..', no leading
 * '/', MLflow's characters) and at most 250 characters, else INVALID_PARAMETER_VALUE; a value over
 * 8,000 characters is cut to 8,000, as MLflow's server does by default (MLFLOW_TRUNCATE_LONG_VALUES).
 */
export function checkedTraceTag(key: string, value: string): { key: string; value: string } {
  if (key.length > traceTagLimits.keyLength)
    throw mlflowError('INVALID_PARAMETER_VALUE', `'key' exceeds the maximum length of ${traceTagLimits.keyLength} characters`);
  checkKey('tag', key);
  return { key, value: truncatedValue(value) };
}

/** A tag or metadata value cut to MLflow's 8,000 characters. */
export function truncatedValue(value: string): string {
  return value.length > traceTagLimits.valueLength ? value.slice(0, traceTagLimits.valueLength) : value;
}

/** Tags or metadata with each value cut to MLflow's 8,000 characters. */
export function truncatedValues(pairs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(pairs).map(([key, value]) => [key, truncatedValue(value)]));
}
