/**
 * MLflow 3's trace search order_by: `<identifier> [ASC|DESC]`, as SearchTraceUtils.parse_order_by_for_search_traces
 * and `_get_orderby_clauses_for_search_traces` (mlflow/store/tracking/sqlalchemy_store.py) read it:
 * trace attributes, or tags and metadata by key (`name` is the tag mlflow.traceName, `run_id` the
 * metadata mlflow.sourceRun); then, unless named, timestamp_ms DESC and request_id ASC.
 */
import { invalid, readIdentifier, SearchCursor } from '../tracking/search-filter.js';
import { linkedPromptsTag, pythonSet, sourceRunMetadata, traceNameTag } from './trace-filter.js';

/** What a search orders by: a traces column (end_time is request_time + execution_duration), or a tag's or metadata's value by key. */
export type TraceOrderColumn = 'experiment_id' | 'request_time' | 'execution_duration' | 'end_time' | 'state' | 'trace_id';
export type TraceOrder = { column: TraceOrderColumn; ascending: boolean } | { column: 'tag' | 'metadata'; key: string; ascending: boolean };

/** SearchTraceUtils.VALID_ORDER_BY_ATTRIBUTE_KEYS. */
const orderByAttributeKeys = [
  'experiment_id',
  'timestamp',
  'timestamp_ms',
  'execution_time',
  'execution_time_ms',
  'end_time',
  'end_time_ms',
  'status',
  'request_id',
  'name',
  'run_id',
];

const attributeColumns: Readonly<Record<string, TraceOrderColumn>> = {
  experiment_id: 'experiment_id',
  timestamp: 'request_time',
  timestamp_ms: 'request_time',
  execution_time: 'execution_duration',
  execution_time_ms: 'execution_duration',
  end_time: 'end_time',
  end_time_ms: 'end_time',
  status: 'state',
  request_id: 'trace_id',
};

/** The time aliases MLflow re-maps even as tag or metadata keys (`tags.timestamp` orders by the tag timestamp_ms). */
const timeAliases: Readonly<Partial<Record<string, string>>> = {
  timestamp: 'timestamp_ms',
  execution_time: 'execution_time_ms',
  end_time: 'end_time_ms',
};

const entityTypes: Readonly<Record<string, 'tag' | 'metadata' | 'attribute' | 'other'>> = {
  tag: 'tag',
  tags: 'tag',
  request_metadata: 'metadata',
  metadata: 'metadata',
  attribute: 'attribute',
  attributes: 'attribute',
  trace: 'attribute',
  span: 'other',
  feedback: 'other',
  expectation: 'other',
  issue: 'other',
};

/**
 * Parses order_by clauses and appends MLflow's default and tie-breaker (timestamp_ms DESC, then
 * request_id ASC) unless named. Throws INVALID_PARAMETER_VALUE with MLflow's message.
 */
export function parseTraceOrderBy(orderBy: readonly string[] | undefined): TraceOrder[] {
  const orders: TraceOrder[] = [];
  const seen = new Set<string>();
  for (const clause of orderBy ?? []) {
    const order = parseClause(clause);
    const field = order.column === 'tag' || order.column === 'metadata' ? `${order.column}\u0000${order.key}` : order.column;
    if (seen.has(field)) throw invalid(`\`order_by\` contains duplicate fields: [${(orderBy ?? []).map(pythonString).join(', ')}]`);
    seen.add(field);
    orders.push(order);
  }
  if (!seen.has('request_time')) orders.push({ column: 'request_time', ascending: false });
  if (!seen.has('trace_id')) orders.push({ column: 'trace_id', ascending: true });
  return orders;
}

function parseClause(clause: string): TraceOrder {
  const cursor = new SearchCursor(clause);
  cursor.skipWhitespace();
  if (cursor.atEnd) throw invalid(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  const identifier = readIdentifier(cursor);
  cursor.skipWhitespace();
  let ascending = true;
  const direction = cursor.take(/[A-Za-z]+/y);
  if (direction !== undefined) {
    if (!['asc', 'desc'].includes(direction.toLowerCase())) throw invalid(`Invalid ordering key in order_by clause '${clause}'.`);
    ascending = direction.toLowerCase() === 'asc';
  }
  cursor.skipWhitespace();
  if (!cursor.atEnd) throw invalid(`Invalid order_by clause '${clause}'. Could not be parsed.`);

  const type =
    identifier.prefix === undefined
      ? 'attribute'
      : Object.hasOwn(entityTypes, identifier.prefix)
        ? entityTypes[identifier.prefix]
        : undefined;
  if (type === undefined) {
    throw invalid(`Invalid entity type '${identifier.prefix}'. Valid values are ${pythonSet(Object.keys(entityTypes))}`);
  }
  if (type === 'attribute' && !orderByAttributeKeys.includes(identifier.key)) {
    throw invalid(`Invalid attribute key '${identifier.key}' specified. Valid keys are '${pythonSet(orderByAttributeKeys)}'`);
  }
  // _replace_key_to_tag_or_metadata, for every entity but span.
  const key = identifier.key.toLowerCase();
  if (identifier.prefix !== 'span') {
    if (key === 'name') return { column: 'tag', key: traceNameTag, ascending };
    if (key === 'run_id') return { column: 'metadata', key: sourceRunMetadata, ascending };
    if (key === 'prompt') return { column: 'tag', key: linkedPromptsTag, ascending };
    if (key === 'text') throw invalid("Invalid identifier type 'span'");
  }
  if (type === 'tag' || type === 'metadata')
    return { column: type, key: (Object.hasOwn(timeAliases, key) ? timeAliases[key] : undefined) ?? identifier.key, ascending };
  if (type === 'other') throw invalid(`Invalid identifier type '${identifier.prefix}'`);
  const column = Object.hasOwn(attributeColumns, identifier.key) ? attributeColumns[identifier.key] : undefined;
  if (column === undefined) {
    throw invalid(`Invalid attribute key '${identifier.key}' specified. Valid keys are '${pythonSet(orderByAttributeKeys)}'`);
  }
  return { column, ascending };
}

function pythonString(text: string): string {
  return text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text.replaceAll("'", "\\'")}'`;
}
