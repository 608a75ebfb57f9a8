import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Autovacuum settings suited to the tracking tables on PostgreSQL (025, issue 22). The defaults
 * re-analyse a table once a tenth of it changed (plus 50 rows); the tracking tables grow by
 * thousands of rows a second under ingest, and the run searches plan on how their keys and values
 * spread, so they are analysed after a twentieth. Latest values are rewritten in place (an upsert a
 * key), so dead rows there are vacuumed sooner too; metric history is append-only, vacuumed for
 * its inserts so index-only reads of a history stay index-only. SQLite has no autovacuum: nothing.
 */
const settings: Record<string, string> = {
  runs: 'autovacuum_analyze_scale_factor = 0.05, autovacuum_analyze_threshold = 500',
  params: 'autovacuum_analyze_scale_factor = 0.05, autovacuum_analyze_threshold = 500',
  run_tags: 'autovacuum_analyze_scale_factor = 0.05, autovacuum_analyze_threshold = 500',
  latest_metrics: 'autovacuum_analyze_scale_factor = 0.05, autovacuum_analyze_threshold = 500, autovacuum_vacuum_scale_factor = 0.05',
  metrics: 'autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_insert_scale_factor = 0.05',
};

export function trackingStatisticsMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const [table, options] of Object.entries(settings)) {
        await sql`ALTER TABLE ${sql.table(table)} SET (${sql.raw(options)})`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const [table, options] of Object.entries(settings)) {
        const names = options.split(',').map((option) => option.split('=')[0]!.trim());
        await sql`ALTER TABLE ${sql.table(table)} RESET (${sql.raw(names.join(', '))})`.execute(db);
      }
    },
  };
}
