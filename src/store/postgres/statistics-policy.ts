/**
 * When PostgreSQL's planner statistics of a table are too old to plan the tracking searches well
 * (issue 22): a table with rows that was never analysed plans as if every filter matched one row,
 * and nested loops over a bulk-loaded table then take seconds; a table that grew or changed much
 * since its last ANALYZE misjudges how selective a metric or param key is.
 */
export interface TableActivity {
  table: string;
  /** Rows the planner believes the table has; -1 when it was never analysed (pg_class.reltuples). */
  plannedRows: number;
  /** Rows inserted, updated or deleted since the last ANALYZE (pg_stat_user_tables.n_mod_since_analyze). */
  changedSinceAnalyze: number;
  /** Whether the table holds any pages at all (an empty table has nothing to analyse). */
  hasRows: boolean;
}

export interface StalenessPolicy {
  /** Fewer changes than this never make a table stale (small tables plan well whatever they hold). */
  minChanges: number;
  /** Changes, as a fraction of the rows at the last ANALYZE, that make a table stale. */
  changedFraction: number;
}

/**
 * Tighter than autovacuum's defaults (50 rows + 10%, checked once a minute at best): the tracking
 * tables grow by thousands of rows a second under ingest, and the searches read their keys' spread.
 */
export const trackingStaleness: StalenessPolicy = { minChanges: 500, changedFraction: 0.1 };

/** Whether the table has rows the planner has never seen. */
export function neverAnalysed(activity: TableActivity): boolean {
  return activity.plannedRows < 0 && activity.hasRows;
}

/** Whether ANALYZE should run on the table now. */
export function isStale(activity: TableActivity, policy: StalenessPolicy = trackingStaleness): boolean {
  if (neverAnalysed(activity)) return true;
  const threshold = Math.max(policy.minChanges, policy.changedFraction * Math.max(0, activity.plannedRows));
  return activity.changedSinceAnalyze >= threshold;
}
