/**
 * The SQL of MLflow 3's trace search: a parsed filter (core/tracing/trace-filter.ts) as one boolean
 * expression, and a parsed order_by (core/tracing/trace-order-by.ts) as ORDER BY expressions, both
 * over the traces table aliased `t`, for SQLite and PostgreSQL alike. The shape, for the trace
 * repository:
 *
 *   db.selectFrom('traces as t').selectAll('t')
 *     .where('t.workspace', '=', workspace).where('t.experiment_id', 'in', experimentIds)
 *     .where(whereTraces(parseTraceFilter(filter), dialect))
 *   then, for each expression of orderTraces(parseTraceOrderBy(orderBy), dialect): .orderBy(expression)
 *   (or searchTraces(query, { filter, orderBy }, dialect), which does both).
 *
 * It follows `_get_filter_clauses_for_search_traces` in mlflow/store/tracking/sqlalchemy_store.py:
 * tags, metadata and assessments are EXISTS subqueries (a trace without the key matches no
 * comparison, `!=` included); every span condition goes in one EXISTS, so they must hold for the same
 * span; run_id = 'x' also finds traces linked to run x (trace_runs); `=` and LIKE are
 * case-sensitive (the SQLite connection sets case_sensitive_like), ILIKE compares lower case, and
 * LIKE patterns escape with a backslash, as the runs search does. Where MLflow differs, it says so below.
 *
 * RLIKE is REGEXP on SQLite, which SQLite only has once a function is registered:
 * registerSqliteRegexp(connection) does so (open-sqlite.ts should call it); PostgreSQL uses `~`.
 */
import type SqliteDatabase from 'better-sqlite3';
import { type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { TraceCondition } from '../core/tracing/trace-filter.js';
import type { TraceOrder } from '../core/tracing/trace-order-by.js';
import type { Dialect } from './dialect.js';

type Comparable = string | number | readonly string[];
type Sql = RawBuilder<unknown>;

/** The conditions, all of which must hold, as one boolean over `t` (the traces table); TRUE when there are none. */
export function whereTraces(conditions: readonly TraceCondition[], dialect: Dialect): Expression<SqlBool> {
  const clauses: Sql[] = [];
  const spanClauses: Sql[] = [];
  for (const condition of conditions) {
    const span = spanClause(condition, dialect);
    if (span !== undefined) spanClauses.push(span);
    else clauses.push(traceClause(condition, dialect));
  }
  if (spanClauses.length > 0) {
    // One EXISTS for every span condition, as MLflow: they hold for the same span.
    clauses.push(sql`EXISTS (SELECT 1 FROM trace_spans AS s WHERE s.trace_id = t.trace_id AND ${sql.join(spanClauses, sql` AND `)})`);
  }
  if (clauses.length === 0) return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`(${sql.join(clauses, sql` AND `)})`;
}

/**
 * The ORDER BY expressions, direction included, over `t`. Values a trace may lack (its duration,
 * a tag or metadata key) sort last either way, as MLflow orders them.
 */
export function orderTraces(orders: readonly TraceOrder[]): Sql[] {
  const expressions: Sql[] = [];
  for (const order of orders) {
    const direction = sql.raw(order.ascending ? 'ASC' : 'DESC');
    let value: Sql;
    let isNullable = true;
    switch (order.column) {
      case 'tag':
      case 'metadata': {
        const table = sql.raw(order.column === 'tag' ? 'trace_tags' : 'trace_metadata');
        value = sql`(SELECT o.value FROM ${table} AS o WHERE o.trace_id = t.trace_id AND o.key = ${order.key})`;
        break;
      }
      case 'end_time':
        value = sql`(t.request_time + COALESCE(t.execution_duration, 0))`;
        isNullable = false;
        break;
      case 'execution_duration':
        value = sql.ref('t.execution_duration');
        break;
      default:
        value = sql.ref(`t.${order.column}`);
        isNullable = false;
    }
    if (isNullable) expressions.push(sql`CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END`);
    expressions.push(sql`${value} ${direction}`);
  }
  return expressions;
}

/** Filters and orders a query over `traces as t` (anything else it selects or joins is the caller's). */
export function searchTraces<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  search: { filter: readonly TraceCondition[]; orderBy: readonly TraceOrder[] },
  dialect: Dialect,
): SelectQueryBuilder<DB, TB, O> {
  let ordered = query.where(whereTraces(search.filter, dialect));
  for (const expression of orderTraces(search.orderBy)) ordered = ordered.orderBy(expression);
  return ordered;
}

/** Registers REGEXP (MLflow's RLIKE) on a SQLite connection: `x REGEXP p` calls regexp(p, x); a pattern JavaScript refuses matches nothing. */
export function registerSqliteRegexp(connection: SqliteDatabase.Database): void {
  const patterns = new Map<string, RegExp | null>();
  connection.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) => {
    if (typeof pattern !== 'string' || value === null || value === undefined) return 0;
    let regex = patterns.get(pattern);
    if (regex === undefined) {
      regex = compileRegexp(pattern);
      if (patterns.size > 100) patterns.clear();
      patterns.set(pattern, regex);
    }
    return regex?.test(String(value)) ? 1 : 0;
  });
}

function compileRegexp(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern);
  } catch {
    // An invalid pattern (as JavaScript reads it) matches no row rather than failing the search.
    return null;
  }
}

function traceClause(condition: TraceCondition, dialect: Dialect): Sql {
  switch (condition.entity) {
    case 'attribute': {
      if (condition.key === 'timestamp_ms' || condition.key === 'execution_time_ms' || condition.key === 'end_time_ms') {
        const column =
          condition.key === 'timestamp_ms'
            ? sql`t.request_time`
            : condition.key === 'execution_time_ms'
              ? sql`t.execution_duration`
              : sql`(t.request_time + COALESCE(t.execution_duration, 0))`;
        // PostgreSQL would read an untyped parameter as bigint and refuse 1.5.
        const value = dialect === 'postgres' ? sql`CAST(${condition.value} AS double precision)` : sql`${condition.value}`;
        return sql`${column} ${sql.raw(condition.comparator)} ${value}`;
      }
      const column =
        condition.key === 'status' ? sql`t.state` : condition.key === 'request_id' ? sql`t.trace_id` : sql`t.client_request_id`;
      return compare(column, condition.comparator, condition.value, dialect);
    }
    case 'tag':
    case 'metadata': {
      const table = sql.raw(condition.entity === 'tag' ? 'trace_tags' : 'trace_metadata');
      const has = sql`SELECT 1 FROM ${table} AS f WHERE f.trace_id = t.trace_id AND f.key = ${condition.key}`;
      if (!('value' in condition)) return condition.comparator === 'IS NULL' ? sql`NOT EXISTS (${has})` : sql`EXISTS (${has})`;
      const matches = compare(sql`f.value`, condition.comparator, condition.value, dialect);
      // `=` finds its traces through the (key, value) index first (SQLite: 1.1 → 0.6 ms for a tag on
      // 10% of 1,000 traces), where EXISTS probed every trace of the experiment in turn; the other
      // comparators match many values of the key, and EXISTS stops at a page's worth.
      if (condition.comparator === '=')
        return sql`t.trace_id IN (SELECT f.trace_id FROM ${table} AS f WHERE f.key = ${condition.key} AND ${matches})`;
      return sql`EXISTS (${has} AND ${matches})`;
    }
    case 'run':
      return sql`(EXISTS (SELECT 1 FROM trace_metadata AS f WHERE f.trace_id = t.trace_id AND f.key = 'mlflow.sourceRun' AND f.value = ${condition.runId})
        OR EXISTS (SELECT 1 FROM trace_runs AS r WHERE r.trace_id = t.trace_id AND r.run_id = ${condition.runId}))`;
    case 'assessment': {
      const has = sql`SELECT 1 FROM trace_assessments AS a WHERE a.trace_id = t.trace_id AND a.assessment_type = ${condition.assessmentType} AND a.name = ${condition.name} AND a.valid = 1`;
      if (!('value' in condition)) return condition.comparator === 'IS NULL' ? sql`NOT EXISTS (${has})` : sql`EXISTS (${has})`;
      return sql`EXISTS (${has} AND ${assessmentValueClause(condition.assessmentType, condition.comparator, condition.value, dialect)})`;
    }
    case 'issue':
      return sql`EXISTS (SELECT 1 FROM trace_assessments AS a WHERE a.trace_id = t.trace_id AND a.assessment_type = 'issue' AND a.name = ${condition.id})`;
    case 'prompt':
      return promptClause(condition.name, condition.version, dialect);
    case 'span':
    case 'spanAttribute':
    case 'spanContent':
      throw new Error(`span condition ${condition.entity} reached traceClause`);
  }
}

/** A condition on one span (alias s), or undefined for conditions on the trace. */
function spanClause(condition: TraceCondition, dialect: Dialect): Sql | undefined {
  switch (condition.entity) {
    case 'span': {
      const column = condition.field === 'name' ? sql`s.name` : condition.field === 'type' ? sql`s.span_type` : sql`s.status`;
      return compare(column, condition.comparator, condition.value, dialect);
    }
    case 'spanAttribute':
      // MLflow matches a LIKE pattern against the span's JSON text ('%"model"<value>%', so `=` never matches there);
      // Trellis compares the attribute's own value, decoded from its JSON, which is what MLflow's LIKE and RLIKE approximate.
      return compare(spanAttributeValue(condition.attribute, dialect), condition.comparator, condition.value, dialect);
    case 'spanContent':
      return compare(sql`s.content`, condition.comparator, condition.value, dialect);
    default:
      return undefined;
  }
}

/**
 * A span attribute's value as text: the string itself for a JSON string ("\"gpt\"" → gpt), the JSON
 * text otherwise (5, true, {"a": 1}); attributes not valid JSON compare as stored.
 */
function spanAttributeValue(attribute: string, dialect: Dialect): Sql {
  if (dialect === 'postgres') {
    const raw = sql`(s.content::jsonb -> 'attributes' ->> ${attribute}::text)`;
    return sql`(CASE WHEN pg_input_is_valid(${raw}, 'jsonb') AND jsonb_typeof(${raw}::jsonb) = 'string' THEN ${raw}::jsonb #>> '{}' ELSE ${raw} END)`;
  }
  const raw = sql`json_extract(s.content, '$.attributes.' || json_quote(${attribute}))`;
  return sql`(CASE WHEN json_valid(${raw}) AND json_type(${raw}) = 'text' THEN json_extract(${raw}, '$') ELSE ${raw} END)`;
}

/**
 * An assessment's value compared as MLflow does: `=` and `!=` against its JSON text or the JSON of
 * the string given (so 'true' finds true, '5' finds 5 and 'yes' finds "yes"); the ordering
 * comparators against numeric values only; LIKE, ILIKE, RLIKE against the JSON text.
 */
function assessmentValueClause(type: 'feedback' | 'expectation', comparator: string, value: string | number, dialect: Dialect): Sql {
  const json =
    dialect === 'postgres' ? sql`((a.content::jsonb -> ${type}::text -> 'value')::text)` : sql`(a.content -> ${`$.${type}.value`})`;
  if (typeof value === 'number') {
    const number =
      dialect === 'postgres'
        ? sql`(CASE WHEN jsonb_typeof(a.content::jsonb -> ${type}::text -> 'value') = 'number' THEN (a.content::jsonb -> ${type}::text ->> 'value')::double precision END)`
        : sql`(CASE WHEN json_type(a.content, ${`$.${type}.value`}) IN ('integer', 'real') THEN json_extract(a.content, ${`$.${type}.value`}) END)`;
    const parameter = dialect === 'postgres' ? sql`CAST(${value} AS double precision)` : sql`${value}`;
    return sql`${number} ${sql.raw(comparator)} ${parameter}`;
  }
  if (comparator === '=' || comparator === '!=') {
    const either = sql`(${json} = ${value} OR ${json} = ${JSON.stringify(value)})`;
    return comparator === '=' ? either : sql`NOT ${either}`;
  }
  return compare(json, comparator, value, dialect);
}

/** The tag mlflow.linkedPrompts (a JSON list of {name, version}) names the prompt version; a tag not valid JSON names none. */
function promptClause(name: string, version: string, dialect: Dialect): Sql {
  if (dialect === 'postgres') {
    return sql`EXISTS (SELECT 1 FROM trace_tags AS f
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN pg_input_is_valid(f.value, 'jsonb') AND jsonb_typeof(f.value::jsonb) = 'array' THEN f.value::jsonb ELSE '[]'::jsonb END) AS p(item)
      WHERE f.trace_id = t.trace_id AND f.key = 'mlflow.linkedPrompts' AND p.item ->> 'name' = ${name} AND p.item ->> 'version' = ${version})`;
  }
  return sql`EXISTS (SELECT 1 FROM trace_tags AS f,
      json_each(CASE WHEN json_valid(f.value) AND json_type(f.value) = 'array' THEN f.value ELSE '[]' END) AS p
      WHERE f.trace_id = t.trace_id AND f.key = 'mlflow.linkedPrompts' AND json_extract(p.value, '$.name') = ${name}
      AND CAST(json_extract(p.value, '$.version') AS TEXT) = ${version})`;
}

function compare(column: Sql, comparator: string, value: Comparable, dialect: Dialect): Sql {
  if (typeof value !== 'string' && typeof value !== 'number') {
    const items = sql.join(value.map((item) => sql`${item}`));
    if (comparator === 'IN') return sql`${column} IN (${items})`;
    if (comparator === 'NOT IN') return sql`${column} NOT IN (${items})`;
    throw new Error(`a list reached the SQL layer with ${comparator}`);
  }
  switch (comparator) {
    case 'LIKE':
      return sql`${column} LIKE ${value} ESCAPE '\\'`;
    case 'ILIKE':
      return sql`LOWER(${column}) LIKE LOWER(${value}) ESCAPE '\\'`;
    case 'RLIKE':
      return dialect === 'postgres' ? sql`${column} ~ ${value}` : sql`${column} REGEXP ${value}`;
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      return sql`${column} ${sql.raw(comparator)} ${value}`;
    default:
      throw new Error(`comparator ${comparator} reached the SQL layer unchecked`);
  }
}
