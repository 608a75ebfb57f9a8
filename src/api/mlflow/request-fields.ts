import type { FastifyRequest } from 'fastify';
import type { DatasetInput, KeyValue, MetricPoint } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { jsonTextOf } from './mlflow-json.js';
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
  const fields = { ...query, ...(body as Fields) };
  const text = jsonTextOf(body);
  if (text !== undefined) bodyTexts.set(fields, text);
  return fields;
}

/** The JSON text each request's fields came from: an error names a number as the client wrote it (9.0, not 9). */
const bodyTexts = new WeakMap<Fields, string>();

/** A top-level number as written in the request body ('9.0'), if it is there; else as JavaScript writes it. */
function writtenValue(fields: Fields, name: string, value: unknown): { text: string; float: boolean } {
  const text = bodyTexts.get(fields);
  const literal =
    typeof value === 'number' && text !== undefined
      ? new RegExp(`"${name.replace(/[^A-Za-z0-9_]/g, '')}"\\s*:\\s*(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)`).exec(text)?.[1]
      : undefined;
  if (literal !== undefined && Number(literal) === value) return { text: literal, float: /[.eE]/.test(literal) };
  return { text: JSON.stringify(value), float: typeof value === 'number' && !Number.isInteger(value) };
}

function missing(name: string): never {
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

/** MLflow's invalid_value message: the value as JSON, the field, and what is wrong ("expected ..." or MLflow's type hint). */
function invalid(name: string, value: unknown, detail: string, written = JSON.stringify(value)): never {
  throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value ${written} for parameter '${name}' supplied: ${detail}.`);
}

/** A string field that is not one: MLflow's message, with the value as the client wrote it and Python's name for its type. */
function notAString(fields: Fields, name: string, path: string, value: unknown): never {
  const written = writtenValue(fields, name, value);
  const type = written.float ? 'float' : pythonTypeName(value);
  return invalid(path, value, `Hint: Value was of type '${type}'`, path === name ? written.text : JSON.stringify(value));
}

/**
 * A string field. A number is refused as MLflow refuses it (its protobuf parser takes no number
 * for a string field, and the handler's schema then names the field): query-string values are
 * text already, so only a JSON body can send one. `path` names the field inside a list (metrics[0].key).
 */
export function requiredString(fields: Fields, name: string, path = name): string {
  const value = fields[name];
  if (value === undefined || value === null || value === '') missing(path);
  if (typeof value !== 'string') notAString(fields, name, path, value);
  return value;
}

/** A request's run: `run_id`, or the older `run_uuid` when run_id is absent; errors name run_id, as MLflow's do. */
export function requiredRunId(fields: Fields): string {
  const older = (fields.run_id === undefined || fields.run_id === null) && fields.run_uuid !== undefined;
  return older ? requiredString({ run_id: fields.run_uuid }, 'run_id') : requiredString(fields, 'run_id');
}

export function optionalString(fields: Fields, name: string, path = name): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') notAString(fields, name, path, value);
  return value;
}

/** What Python calls a JSON value's type, as MLflow's hint names it. */
function pythonTypeName(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'list';
  return value === null ? 'NoneType' : typeof value === 'object' ? 'dict' : 'str';
}

/** A 64-bit integer field; protobuf JSON allows it as a number or a decimal string. */
export function optionalInteger(fields: Fields, name: string, path = name): number | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) invalid(path, value, 'expected an integer');
  return number;
}

export function requiredInteger(fields: Fields, name: string, path = name): number {
  return optionalInteger(fields, name, path) ?? missing(path);
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
    typeof item === 'string' || typeof item === 'number' ? String(item) : invalid(name, value, 'expected a list of strings'),
  );
}

export function keyValues(fields: Fields, name: string): KeyValue[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(name, value, 'expected a list of {key, value}');
  return value.map((item: unknown, index) => {
    const entry = (item ?? {}) as Fields;
    return { key: requiredString(entry, 'key', `${name}[${index}].key`), value: scalarText(entry, 'value', `${name}[${index}].value`) };
  });
}

/** A param or tag value: a string, or a number or boolean written as text; absent is ''. Objects and lists are refused. */
export function scalarText(fields: Fields, name: string, path = name): string {
  const value = fields[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') invalid(path, value, 'expected a string');
  return String(value);
}

export function metricPoints(fields: Fields, name: string): MetricPoint[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(name, value, 'expected a list of metrics');
  return value.map((item: unknown, index) => metricPoint((item ?? {}) as Fields, `${name}[${index}].`));
}

/** One metric: `prefix` is where it sits in the request ('metrics[0].' in log-batch, '' in log-metric). */
export function metricPoint(entry: Fields, prefix = ''): MetricPoint {
  const key = requiredString(entry, 'key', `${prefix}key`);
  return {
    key,
    value: requiredDouble(entry, 'value', `metric '${key}'`),
    timestamp: requiredInteger(entry, 'timestamp', `${prefix}timestamp`),
    step: optionalInteger(entry, 'step', `${prefix}step`) ?? 0,
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
  if (!Array.isArray(value)) invalid(name, value, 'expected a list of dataset inputs');
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
