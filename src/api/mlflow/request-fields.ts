import type { FastifyRequest } from 'fastify';
import type { DatasetInput, KeyValue, MetricPoint } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { viewTypes, type ViewType } from '../../core/tracking/view-type.js';

/**
 * The edge of the MLflow API: GET calls carry their fields in the query string, POST calls in
 * a JSON body. These read one field each and refuse bad ones in MLflow's own words.
 */
export type Fields = Record<string, unknown>;

export function fieldsOf(request: FastifyRequest): Fields {
  const query = (request.query ?? {}) as Fields;
  const body = request.body;
  if (body === undefined || body === null || body === '') return query;
  if (typeof body !== 'object' || Array.isArray(body))
    throw mlflowError('INVALID_PARAMETER_VALUE', 'The request body must be a JSON object.');
  return { ...query, ...(body as Fields) };
}

function missing(name: string): never {
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

function invalid(name: string, value: unknown, expected: string): never {
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: expected ${expected}.`,
  );
}

export function requiredString(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null || value === '') missing(name);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') invalid(name, value, 'a string');
  return value;
}

export function optionalString(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') invalid(name, value, 'a string');
  return value;
}

/** A 64-bit integer field; protobuf JSON allows it as a number or a decimal string. */
export function optionalInteger(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) invalid(name, value, 'an integer');
  return number;
}

export function requiredInteger(fields: Fields, name: string): number {
  return optionalInteger(fields, name) ?? missing(name);
}

/** A double field: a number, or "NaN" / "Infinity" / "-Infinity" as protobuf JSON writes them. */
export function requiredDouble(fields: Fields, name: string, what = name): number {
  const value = fields[name];
  if (value === undefined || value === null) missing(name);
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Got invalid value ${JSON.stringify(value)} for ${what}. Please specify value as a valid double (64-bit floating point)`,
  );
}

export function stringList(fields: Fields, name: string): string[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) =>
    typeof item === 'string' || typeof item === 'number' ? String(item) : invalid(name, value, 'a list of strings'),
  );
}

export function keyValues(fields: Fields, name: string): KeyValue[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(name, value, 'a list of {key, value}');
  return value.map((item: unknown, index) => {
    const entry = (item ?? {}) as Fields;
    return { key: requiredString(entry, 'key'), value: scalarText(entry, 'value', `${name}[${index}].value`) };
  });
}

/** A param or tag value: a string, or a number or boolean written as text; absent is ''. Objects and lists are refused. */
export function scalarText(fields: Fields, name: string, path = name): string {
  const value = fields[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') invalid(path, value, 'a string');
  return String(value);
}

export function metricPoints(fields: Fields, name: string): MetricPoint[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(name, value, 'a list of metrics');
  return value.map((item: unknown) => metricPoint((item ?? {}) as Fields));
}

export function metricPoint(entry: Fields): MetricPoint {
  const key = requiredString(entry, 'key');
  return {
    key,
    value: requiredDouble(entry, 'value', `metric '${key}'`),
    timestamp: requiredInteger(entry, 'timestamp'),
    step: optionalInteger(entry, 'step') ?? 0,
    ...optionalMetricLinks(entry),
  };
}

/** MLflow 3 metric fields that tie a value to a logged model and the dataset it was computed on. */
function optionalMetricLinks(entry: Fields): Pick<MetricPoint, 'model_id' | 'dataset_name' | 'dataset_digest'> {
  const links: Pick<MetricPoint, 'model_id' | 'dataset_name' | 'dataset_digest'> = {};
  for (const name of ['model_id', 'dataset_name', 'dataset_digest'] as const) {
    const value = optionalString(entry, name);
    if (value) links[name] = value;
  }
  return links;
}

/** log-inputs `datasets`: [{tags: [{key, value}], dataset: {name, digest, source_type, source, schema?, profile?}}]. */
export function datasetInputs(fields: Fields, name: string): DatasetInput[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(name, value, 'a list of dataset inputs');
  return value.map((item: unknown, index) => {
    const entry = (item ?? {}) as Fields;
    const dataset = entry.dataset;
    if (dataset === undefined || dataset === null || typeof dataset !== 'object' || Array.isArray(dataset)) {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Missing value for required parameter '${name}[${index}].dataset'. Dataset input must have a dataset associated with it.`,
      );
    }
    const d = dataset as Fields;
    const schema = optionalString(d, 'schema');
    const profile = optionalString(d, 'profile');
    return {
      tags: keyValues(entry, 'tags'),
      dataset: {
        name: requiredString(d, 'name'),
        digest: requiredString(d, 'digest'),
        source_type: requiredString(d, 'source_type'),
        source: requiredString(d, 'source'),
        ...(schema !== undefined ? { schema } : {}),
        ...(profile !== undefined ? { profile } : {}),
      },
    };
  });
}

/** A ViewType field (view_type, run_view_type): ACTIVE_ONLY when absent. */
export function viewTypeField(fields: Fields, name: string): ViewType {
  const value = optionalString(fields, name) ?? 'ACTIVE_ONLY';
  if (!(viewTypes as readonly string[]).includes(value))
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value '${value}' for parameter '${name}'; use ACTIVE_ONLY, DELETED_ONLY or ALL`);
  return value as ViewType;
}
