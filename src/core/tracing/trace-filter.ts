/**
 * MLflow 3's trace search filter (`search_traces(filter_string=...)`), parsed into a typed list of
 * conditions that all must hold. The reference is SearchTraceUtils in mlflow/utils/search_utils.py
 * and `_get_filter_clauses_for_search_traces` in mlflow/store/tracking/sqlalchemy_store.py (3.17.2):
 * the keys, aliases, comparators and error messages are theirs, and so are the checks MLflow makes
 * only in its SQL store (a comparator a key does not take), which here are made while parsing.
 *
 * It reuses the runs scanner (core/tracking/search-filter.ts: cursor, identifier and value readers)
 * but not its grammar: traces key their entities differently (`span.attributes.<k>`, assessments
 * by name), take RLIKE and IS [NOT] NULL, and re-map keys after parsing (`name` is the tag
 * mlflow.traceName, `run_id` the metadata mlflow.sourceRun, even when written `tags.run_id`).
 * MLflow 3.17.2 joins comparisons with AND only (OR is refused), so the result is a flat list.
 */
import { invalid, type RawValue, readIdentifier, readValue, SearchCursor } from '../tracking/search-filter.js';
import { traceKeys } from './trace-info.js';

export type TraceNumericComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type TraceStringComparator = '=' | '!=' | 'LIKE' | 'ILIKE' | 'RLIKE';
export type TraceListComparator = 'IN' | 'NOT IN';
export type TraceNullComparator = 'IS NULL' | 'IS NOT NULL';
export type TraceComparator = TraceNumericComparator | TraceStringComparator | TraceListComparator | TraceNullComparator;

/** The trace columns a filter compares with numbers (milliseconds); end_time_ms is request_time + duration. */
export type TraceNumericAttribute = 'timestamp_ms' | 'execution_time_ms' | 'end_time_ms';
/** The trace columns a filter compares with strings: status is the state, request_id the trace id. */
export type TraceStringAttribute = 'status' | 'request_id' | 'client_request_id';

/** One parsed comparison; keys are canonical (aliases and MLflow's key re-mapping applied), values unquoted. */
export type TraceCondition =
  | { entity: 'attribute'; key: TraceNumericAttribute; comparator: TraceNumericComparator; value: number }
  | { entity: 'attribute'; key: TraceStringAttribute; comparator: TraceStringComparator; value: string }
  | { entity: 'attribute'; key: TraceStringAttribute; comparator: TraceListComparator; value: string[] }
  | { entity: 'tag' | 'metadata'; key: string; comparator: TraceStringComparator; value: string }
  | { entity: 'tag' | 'metadata'; key: string; comparator: TraceNullComparator }
  /** `run_id = 'x'`: traces whose metadata mlflow.sourceRun is x, or that are linked to run x. */
  | { entity: 'run'; runId: string }
  /** `span.name|type|status`: some span of the trace matches. */
  | { entity: 'span'; field: 'name' | 'type' | 'status'; comparator: TraceStringComparator; value: string }
  | { entity: 'span'; field: 'name' | 'type' | 'status'; comparator: TraceListComparator; value: string[] }
  /** `span.attributes.<name>`: matched, as MLflow does, against the span's JSON text (see trace-search.ts). */
  | { entity: 'spanAttribute'; attribute: string; comparator: TraceStringComparator; value: string }
  | { entity: 'spanAttribute'; attribute: string; comparator: TraceListComparator; value: string[] }
  /** `trace.text` / `span.content`: a LIKE over some span's whole JSON. */
  | { entity: 'spanContent'; comparator: 'LIKE' | 'ILIKE'; value: string }
  /** `feedback.<name>` / `expectation.<name>`: some valid assessment of that name matches. */
  | { entity: 'assessment'; assessmentType: 'feedback' | 'expectation'; name: string; comparator: TraceStringComparator; value: string }
  | {
      entity: 'assessment';
      assessmentType: 'feedback' | 'expectation';
      name: string;
      comparator: '>' | '>=' | '<' | '<=';
      value: number;
    }
  | { entity: 'assessment'; assessmentType: 'feedback' | 'expectation'; name: string; comparator: TraceNullComparator }
  /** `issue.id = 'x'`: the trace has an issue assessment named x. */
  | { entity: 'issue'; id: string }
  /** `prompt = 'name/version'`: the trace is linked to that prompt version (tag mlflow.linkedPrompts). */
  | { entity: 'prompt'; name: string; version: string };

export const traceNameTag = traceKeys.traceName;
export const linkedPromptsTag = traceKeys.linkedPrompts;
export const sourceRunMetadata = traceKeys.sourceRun;

/** SearchTraceUtils.VALID_SEARCH_ATTRIBUTE_KEYS: what an identifier without a prefix may name. */
export const traceFilterAttributeKeys = [
  'request_id',
  'timestamp',
  'timestamp_ms',
  'execution_time',
  'execution_time_ms',
  'end_time',
  'end_time_ms',
  'status',
  'client_request_id',
  'name',
  'run_id',
  'prompt',
  'text',
] as const;

type EntityType = 'tag' | 'request_metadata' | 'attribute' | 'span' | 'feedback' | 'expectation' | 'issue';

const entityTypes: Readonly<Record<string, EntityType>> = {
  tag: 'tag',
  tags: 'tag',
  request_metadata: 'request_metadata',
  metadata: 'request_metadata',
  attribute: 'attribute',
  attributes: 'attribute',
  trace: 'attribute',
  span: 'span',
  feedback: 'feedback',
  expectation: 'expectation',
  issue: 'issue',
};

const numericAttributes = ['timestamp_ms', 'timestamp', 'execution_time_ms', 'execution_time', 'end_time_ms', 'end_time'];
const listAttributes = ['name', 'status', 'request_id', 'run_id', 'client_request_id'];
const stringAttributeComparators: readonly string[] = ['!=', '=', 'IN', 'NOT IN', 'LIKE', 'ILIKE', 'RLIKE'];
const tagComparators: readonly string[] = ['!=', '=', 'LIKE', 'ILIKE', 'RLIKE', 'IS NULL', 'IS NOT NULL'];
const spanComparators = stringAttributeComparators;
const spanContentComparators: readonly string[] = ['LIKE', 'ILIKE'];
const assessmentNumericComparators: readonly string[] = ['>', '>=', '<', '<='];
const assessmentComparators: readonly string[] = [
  '!=',
  '=',
  ...assessmentNumericComparators,
  'LIKE',
  'ILIKE',
  'RLIKE',
  'IS NULL',
  'IS NOT NULL',
];

/** MLflow's key re-mapping (SEARCH_KEY_TO_TAG / _METADATA / _SPAN / _ATTRIBUTE), applied to every entity but span, by the key in lower case. */
const keyToTag: Readonly<Record<string, string>> = { name: traceNameTag, prompt: linkedPromptsTag };
const keyToMetadata: Readonly<Record<string, string>> = { run_id: sourceRunMetadata };
const keyToAttribute: Readonly<Record<string, string>> = {
  timestamp: 'timestamp_ms',
  execution_time: 'execution_time_ms',
  end_time: 'end_time_ms',
};

/**
 * Parses a trace search filter into conditions that all must hold (AND). Empty or blank → [].
 * Throws INVALID_PARAMETER_VALUE with MLflow's message naming the bad key, comparator or value.
 */
export function parseTraceFilter(filter: string | undefined): TraceCondition[] {
  if (filter === undefined || filter.trim() === '') return [];
  const cursor = new SearchCursor(filter);
  const conditions: TraceCondition[] = [];
  cursor.skipWhitespace();
  if (cursor.takeKeyword('and')) cursor.skipWhitespace();
  for (;;) {
    if (cursor.atEnd) throw invalid(`Invalid clause(s) in filter string: 'AND' (the filter ends with AND ${cursor.where()})`);
    conditions.push(readCondition(cursor));
    cursor.skipWhitespace();
    if (cursor.atEnd) break;
    if (!cursor.takeKeyword('and')) throw unexpected(cursor);
    cursor.skipWhitespace();
  }
  return conditions;
}

interface Parsed {
  type: EntityType;
  key: string;
  comparator: string;
  value: RawValue | undefined;
}

function readCondition(cursor: SearchCursor): TraceCondition {
  if (cursor.char === '(' || cursor.isAtKeyword('or') || cursor.isAtKeyword('not')) throw unexpected(cursor);
  const { type, key } = readTraceIdentifier(cursor);
  cursor.skipWhitespace();
  const comparator = readComparator(cursor);
  let value: RawValue | undefined;
  if (comparator !== 'IS NULL' && comparator !== 'IS NOT NULL') {
    cursor.skipWhitespace();
    value = readValue(cursor, `${key} ${comparator}`);
    checkValue(type, key, comparator, value);
  }
  return toCondition(remapKey({ type, key, comparator, value }));
}

/** `tags.k`, `span.attributes.\`a.b\``, `feedback.\`my name\``, `timestamp_ms`: the entity and its key, as MLflow's _get_identifier. */
function readTraceIdentifier(cursor: SearchCursor): { type: EntityType; key: string } {
  // A span attribute's name may hold dots and quotes of its own: `span.attributes.a.b`, span.attributes.`a.b`.
  if (cursor.take(/span\.attributes\./y) !== undefined) {
    if (cursor.atEnd || /[\s=!<>]/u.test(cursor.char)) throw invalid("Span attribute name cannot be empty after 'attributes.'");
    const name = readIdentifier(cursor);
    return { type: 'span', key: `attributes.${name.prefix === undefined ? name.key : `${name.prefix}.${name.key}`}` };
  }
  const identifier = readIdentifier(cursor);
  if (identifier.prefix === undefined) {
    if (!isOneOf(identifier.key, traceFilterAttributeKeys)) {
      throw invalid(`Invalid attribute key '${identifier.key}' specified. Valid keys are '${pythonSet(traceFilterAttributeKeys)}'`);
    }
    return { type: 'attribute', key: identifier.key };
  }
  const type = Object.hasOwn(entityTypes, identifier.prefix) ? entityTypes[identifier.prefix] : undefined;
  if (type === undefined) {
    throw invalid(`Invalid entity type '${identifier.prefix}'. Valid values are ${pythonSet(Object.keys(entityTypes))}`);
  }
  if (type === 'attribute' && !isOneOf(identifier.key, traceFilterAttributeKeys)) {
    throw invalid(`Invalid attribute key '${identifier.key}' specified. Valid keys are '${pythonSet(traceFilterAttributeKeys)}'`);
  }
  return { type, key: identifier.key };
}

function readComparator(cursor: SearchCursor): string {
  const at = cursor.where();
  const symbol = cursor.take(/==|!=|<>|>=|<=|=|>|</y);
  if (symbol !== undefined) return symbol;
  for (const word of ['like', 'ilike', 'rlike', 'in']) if (cursor.takeKeyword(word)) return word.toUpperCase();
  if (cursor.takeKeyword('not')) {
    cursor.skipWhitespace();
    if (cursor.takeKeyword('in')) return 'NOT IN';
    throw unexpected(cursor);
  }
  if (cursor.takeKeyword('is')) {
    cursor.skipWhitespace();
    const negated = cursor.takeKeyword('not');
    cursor.skipWhitespace();
    if (cursor.takeKeyword('null')) return negated ? 'IS NOT NULL' : 'IS NULL';
    throw unexpected(cursor);
  }
  throw invalid(
    `Invalid comparison clause. Expected comparison found ${cursor.describeHere()} ${at}; use one of =, !=, >, >=, <, <=, LIKE, ILIKE, RLIKE, IN, NOT IN, IS NULL, IS NOT NULL`,
  );
}

/** SearchTraceUtils._validate_assessment_comparison_value and _get_value: what each entity's value may be. */
function checkValue(type: EntityType, key: string, comparator: string, value: RawValue): void {
  if (type === 'feedback' || type === 'expectation') {
    const wantsNumber = assessmentNumericComparators.includes(comparator);
    if (wantsNumber !== (value.kind === 'number') || value.kind === 'list') {
      throw invalid(
        wantsNumber
          ? `Expected a numeric value for ${type} when using comparator '${comparator}'. Got value ${value.text}`
          : `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${value.text}`,
      );
    }
  }
  if (value.kind === 'word') throw notQuoted(value.text);
  if (type === 'attribute') {
    if (value.kind === 'list' && !listAttributes.includes(key)) {
      throw invalid(`Only attributes in ${pythonSet(listAttributes)} supports comparison with a list of quoted string values.`);
    }
    if (value.kind === 'number' && !numericAttributes.includes(key)) {
      throw invalid(`Only the '${pythonSet(numericAttributes)}' attributes support comparison with numeric values.`);
    }
    return;
  }
  const takesList = type === 'tag' || type === 'span';
  const takesNumber = type === 'feedback' || type === 'expectation';
  if ((value.kind === 'list' && !takesList) || (value.kind === 'number' && !takesNumber)) {
    throw invalid(`Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${value.text}`);
  }
}

/** SearchTraceUtils._replace_key_to_tag_or_metadata: `name`, `run_id`, `prompt`, `text` and the time aliases, whatever entity they were written with (but span). */
function remapKey(parsed: Parsed): Parsed {
  if (parsed.type === 'span') return parsed;
  const key = parsed.key.toLowerCase();
  const tag = Object.hasOwn(keyToTag, key) ? keyToTag[key] : undefined;
  if (tag !== undefined) return { ...parsed, type: 'tag', key: tag };
  const metadata = Object.hasOwn(keyToMetadata, key) ? keyToMetadata[key] : undefined;
  if (metadata !== undefined) return { ...parsed, type: 'request_metadata', key: metadata };
  if (key === 'text') return { ...parsed, type: 'span', key: 'content' };
  const attribute = Object.hasOwn(keyToAttribute, key) ? keyToAttribute[key] : undefined;
  if (attribute !== undefined) return { ...parsed, key: attribute };
  return parsed;
}

/** The checks MLflow's SQL store makes per entity (is_issue, is_attribute, is_tag, is_request_metadata, is_span, is_assessment), then the typed condition. */
function toCondition({ type, key, comparator, value }: Parsed): TraceCondition {
  switch (type) {
    case 'issue': {
      if (key !== 'id') throw invalid(`Invalid issue attribute '${key}'. Supported attributes: id`);
      if (comparator !== '=') throw invalid(`issue.${key} comparator '${comparator}' not one of '${pythonSet(['='])}'`);
      return { entity: 'issue', id: stringOf(value) };
    }
    case 'attribute': {
      if (isOneOf(key, ['timestamp_ms', 'execution_time_ms', 'end_time_ms'] as const)) {
        if (!isOneOf(comparator, ['=', '!=', '>', '>=', '<', '<='] as const)) {
          // MLflow names the string comparators here (is_numeric_attribute's message), without the closing quote.
          throw invalid(`Invalid comparator '${comparator}' not one of '${pythonSet(stringAttributeComparators)}`);
        }
        return { entity: 'attribute', key, comparator, value: numberOf(key, value) };
      }
      if (!stringAttributeComparators.includes(comparator)) {
        throw invalid(`Invalid comparator '${comparator}' not one of '${pythonSet(stringAttributeComparators)}'`);
      }
      const column: TraceStringAttribute = key === 'status' ? 'status' : key === 'request_id' ? 'request_id' : 'client_request_id';
      if (comparator === 'IN' || comparator === 'NOT IN') return { entity: 'attribute', key: column, comparator, value: listOf(value) };
      if (!isOneOf(comparator, stringComparators)) throw invalid(`Invalid comparator '${comparator}'`);
      return { entity: 'attribute', key: column, comparator, value: stringOf(value) };
    }
    case 'tag':
    case 'request_metadata': {
      if (!tagComparators.includes(comparator)) {
        // MLflow's is_tag message lacks the closing quote; is_request_metadata's has it.
        throw invalid(`Invalid comparator '${comparator}' not one of '${pythonSet(tagComparators)}${type === 'tag' ? '' : "'"}`);
      }
      const entity = type === 'tag' ? 'tag' : 'metadata';
      if (type === 'tag' && key === linkedPromptsTag) return promptCondition(comparator, value);
      if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return { entity, key, comparator };
      if (!isOneOf(comparator, stringComparators)) throw invalid(`Invalid comparator '${comparator}'`);
      if (type === 'request_metadata' && key === sourceRunMetadata && comparator === '=') return { entity: 'run', runId: stringOf(value) };
      return { entity, key, comparator, value: stringOf(value) };
    }
    case 'span':
      return spanCondition(key, comparator, value);
    case 'feedback':
    case 'expectation': {
      if (key === '') throw invalid('Assessment field name cannot be empty');
      if (!assessmentComparators.includes(comparator)) {
        throw invalid(`assessment.${key} comparator '${comparator}' not one of '${pythonSet(assessmentComparators)}'`);
      }
      const base = { entity: 'assessment', assessmentType: type, name: key } as const;
      if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return { ...base, comparator };
      if (isOneOf(comparator, ['>', '>=', '<', '<='] as const)) return { ...base, comparator, value: numberOf(key, value) };
      if (!isOneOf(comparator, stringComparators)) throw invalid(`Invalid comparator '${comparator}'`);
      return { ...base, comparator, value: stringOf(value) };
    }
  }
}

function spanCondition(key: string, comparator: string, value: RawValue | undefined): TraceCondition {
  if (key === 'content') {
    if (!isOneOf(comparator, ['LIKE', 'ILIKE'] as const)) {
      throw invalid(`span.${key} comparator '${comparator}' not one of '${pythonSet(spanContentComparators)}'`);
    }
    return { entity: 'spanContent', comparator, value: stringOf(value) };
  }
  const isAttribute = key.startsWith('attributes.');
  if (!isAttribute && !isOneOf(key, ['name', 'type', 'status'] as const)) {
    throw invalid(`Invalid span attribute '${key}'. Supported attributes: name, status, type, attributes.<attribute_name>.`);
  }
  if (!spanComparators.includes(comparator))
    throw invalid(`span.${key} comparator '${comparator}' not one of '${pythonSet(spanComparators)}'`);
  if (isAttribute) {
    const attribute = key.slice('attributes.'.length);
    if (comparator === 'IN' || comparator === 'NOT IN') return { entity: 'spanAttribute', attribute, comparator, value: listOf(value) };
    if (!isOneOf(comparator, stringComparators)) throw invalid(`Invalid comparator '${comparator}'`);
    return { entity: 'spanAttribute', attribute, comparator, value: stringOf(value) };
  }
  const field = key === 'name' ? 'name' : key === 'type' ? 'type' : 'status';
  if (comparator === 'IN' || comparator === 'NOT IN') return { entity: 'span', field, comparator, value: listOf(value) };
  if (!isOneOf(comparator, stringComparators)) throw invalid(`Invalid comparator '${comparator}'`);
  return { entity: 'span', field, comparator, value: stringOf(value) };
}

function promptCondition(comparator: string, value: RawValue | undefined): TraceCondition {
  if (comparator !== '=') {
    throw invalid(`Invalid comparator '${comparator}' for prompts filter. Only '=' is supported with format: prompt = "name/version"`);
  }
  const text = stringOf(value);
  const parts = text.split('/');
  if (parts.length !== 2) throw invalid(`Invalid prompts filter value '${text}'. Expected format: prompt = "name/version"`);
  return { entity: 'prompt', name: parts[0] ?? '', version: parts[1] ?? '' };
}

const stringComparators = ['=', '!=', 'LIKE', 'ILIKE', 'RLIKE'] as const;

function stringOf(value: RawValue | undefined): string {
  if (value?.kind === 'string') return value.value;
  throw invalid(`Expected a quoted string value (e.g. 'my-value'). Got value ${value?.text ?? 'none'}`);
}

function listOf(value: RawValue | undefined): string[] {
  if (value?.kind === 'list') return value.items;
  throw invalid(`IN and NOT IN compare with a list of quoted string values, e.g. ('a', 'b'). Got value ${value?.text ?? 'none'}`);
}

/** A number as written; a quoted one (MLflow passes '123' to the database as it is) only where it reads as a number. */
function numberOf(key: string, value: RawValue | undefined): number {
  if (value?.kind === 'number') return value.value;
  if (value?.kind === 'string' && /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/u.test(value.value)) return Number(value.value);
  throw invalid(`Expected numeric value type for numeric attribute: ${key}. Found ${value?.text ?? 'none'}`);
}

function notQuoted(text: string): Error {
  return invalid(
    `Parameter value is either not quoted or unidentified quote types used for string value ${text}. Use either single or double quotes.`,
  );
}

function unexpected(cursor: SearchCursor): Error {
  const rest = cursor.text.slice(cursor.position).trim();
  return invalid(`Invalid clause(s) in filter string: '${rest}' (${cursor.where()}); join comparisons with AND (OR is not supported)`);
}

function isOneOf<T extends string>(value: string, options: readonly T[]): value is T {
  return options.some((option) => option === value);
}

/** A Python set as MLflow's messages print one (sorted here; Python's order varies from run to run). */
export function pythonSet(items: readonly string[]): string {
  return `{${[...items]
    .sort()
    .map((item) => `'${item}'`)
    .join(', ')}}`;
}
