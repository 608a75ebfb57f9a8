import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { RunInfo } from '../core/tracking/entities.js';
import type { Comparison } from '../core/tracking/run-filter.js';
import type { OrderBy } from '../core/tracking/order-by.js';
import type { Database } from './database.js';
import { type RunRow, toRunInfo } from './run-info.js';

export interface RunSearch {
  workspace: string;
  experimentIds: string[];
  lifecycleStages: Array<'active' | 'deleted'>;
  filter: Comparison[];
  orderBy: OrderBy[];
  limit: number;
  offset: number;
}

/** The column of each run attribute the filter grammar allows (it has already resolved aliases). */
const attributeColumns: Record<string, string> = {
  run_id: 'run_uuid',
  run_name: 'run_name',
  status: 'status',
  user_id: 'user_id',
  start_time: 'start_time',
  end_time: 'end_time',
  artifact_uri: 'artifact_uri',
};

function attributeColumn(key: string) {
  const column = attributeColumns[key];
  if (column === undefined) throw new Error(`run attribute '${key}' reached the SQL layer unchecked`);
  return sql.ref(`runs.${column}`);
}

/**
 * runs/search in SQL: each comparison is an indexed subquery on latest_metrics, params or
 * run_tags (never on metric history), ordered by the requested keys and then by MLflow's
 * default (start_time DESC, run_id). Each metric, param or tag key it orders by is one LEFT JOIN
 * on that table's primary key (run, key): one row at most a run, read once, where a correlated
 * subquery in ORDER BY was evaluated twice a run (for `IS NULL` and for the value). Where the
 * filter also compares that key (`metrics.accuracy > 0.5 … ORDER BY metrics.accuracy`), its
 * comparisons move into the join, which becomes an inner one: the row that sorts is the row that
 * matched, read once instead of once for the filter and once for the order (on PostgreSQL with
 * 2,000 runs, 15 → 8 ms for the benchmark's search).
 */
export async function searchRuns(db: Kysely<Database>, search: RunSearch): Promise<RunInfo[]> {
  if (search.experimentIds.length === 0 || search.lifecycleStages.length === 0) return [];
  const joins: RawBuilder<unknown>[] = [];
  const orderBy: RawBuilder<unknown>[] = [];
  const joined = new Set<Comparison>();
  search.orderBy.forEach((order, index) => {
    const direction = sql.raw(order.ascending ? 'ASC' : 'DESC');
    if (order.type === 'attribute') {
      const column = attributeColumn(order.key);
      orderBy.push(sql`${column} IS NULL`, sql`${column} ${direction}`);
      return;
    }
    const table = sql.raw(order.type === 'metric' ? 'latest_metrics' : order.type === 'param' ? 'params' : 'run_tags');
    const alias = sql.raw(`o${index}`);
    const nanGuard = order.type === 'metric' ? sql` AND ${alias}.is_nan = 0` : sql``;
    // A run without the key matches no comparison of it: the filter's comparisons of this key make the join an inner one.
    const sameKey = search.filter.filter((c) => c.type === order.type && c.key === order.key && !joined.has(c));
    for (const comparison of sameKey) joined.add(comparison);
    const matched = sameKey.map((c) => sql` AND ${compare(sql.ref(`o${index}.value`), c.comparator, c.value)}`);
    joins.push(
      sql`${sql.raw(sameKey.length > 0 ? 'JOIN' : 'LEFT JOIN')} ${table} AS ${alias} ON ${alias}.run_uuid = runs.run_uuid AND ${alias}.key = ${order.key}${nanGuard}${sql.join(matched, sql``)}`,
    );
    // Runs without the key sort last either way, as MLflow orders them.
    orderBy.push(sql`${alias}.value IS NULL`, sql`${alias}.value ${direction}`);
  });
  orderBy.push(sql`runs.start_time DESC`, sql`runs.run_uuid ASC`);
  const where = [
    sql`runs.workspace = ${search.workspace}`,
    sql`runs.experiment_id IN (${sql.join(search.experimentIds.map(Number))})`,
    sql`runs.lifecycle_stage IN (${sql.join(search.lifecycleStages)})`,
    ...search.filter.filter((comparison) => !joined.has(comparison)).map(condition),
  ];
  const { rows } = await sql<RunRow>`SELECT runs.* FROM runs ${sql.join(joins, sql` `)}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${sql.join(orderBy)} LIMIT ${search.limit} OFFSET ${search.offset}`.execute(db);
  return rows.map(toRunInfo);
}

function condition(comparison: Comparison): Expression<SqlBool> {
  const { type, key, comparator } = comparison;
  if (type === 'attribute') {
    const column = attributeColumn(key);
    return compare(column, comparator, comparison.value);
  }
  if (type === 'dataset') {
    // dataset.name / dataset.digest / dataset.context: runs that logged a matching input.
    if (key === 'context') {
      return sql<SqlBool>`runs.run_uuid IN (SELECT it.run_uuid FROM input_tags AS it WHERE it.key = 'mlflow.data.context' AND ${compare(sql.ref('it.value'), comparator, comparison.value)})`;
    }
    const column = sql.ref(`d.${key === 'digest' ? 'digest' : 'name'}`);
    return sql<SqlBool>`runs.run_uuid IN (SELECT ri.run_uuid FROM run_inputs AS ri JOIN datasets AS d ON d.dataset_uuid = ri.dataset_uuid WHERE ${compare(column, comparator, comparison.value)})`;
  }
  const table = type === 'metric' ? 'latest_metrics' : type === 'param' ? 'params' : 'run_tags';
  const nanGuard = type === 'metric' ? sql` AND f.is_nan = 0` : sql``;
  // A run without the key matches no comparison, `!=` included, as in MLflow.
  return sql<SqlBool>`runs.run_uuid IN (SELECT f.run_uuid FROM ${sql.raw(table)} AS f WHERE f.key = ${key}${nanGuard} AND ${compare(sql.ref('f.value'), comparator, comparison.value)})`;
}

function compare(
  column: Expression<unknown> | ReturnType<typeof sql.ref>,
  comparator: string,
  value: Comparison['value'],
): Expression<SqlBool> {
  switch (comparator.toUpperCase()) {
    case 'LIKE':
      return sql<SqlBool>`${column} LIKE ${value} ESCAPE '\\'`;
    case 'ILIKE':
      return sql<SqlBool>`LOWER(${column}) LIKE LOWER(${value}) ESCAPE '\\'`;
    case 'IN':
      return sql<SqlBool>`${column} IN (${sql.join((value as string[]).map((item) => sql`${item}`))})`;
    case 'NOT IN':
      return sql<SqlBool>`${column} NOT IN (${sql.join((value as string[]).map((item) => sql`${item}`))})`;
    case '=':
    case '!=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      return sql<SqlBool>`${column} ${sql.raw(comparator)} ${value}`;
    default:
      throw new Error(`comparator ${comparator} reached the SQL layer unchecked`);
  }
}
