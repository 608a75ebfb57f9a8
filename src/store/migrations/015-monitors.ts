import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Model monitors' runs and the summaries they are computed from. A run (one firing of a monitor
 * schedule) keeps each signal's per-feature values, thresholds and verdicts as JSON. A file
 * summary is what one immutable data file (a batch of collected payloads, a file of a data asset)
 * reduces to per feature, kept so a window over weeks of data merges summaries instead of reading
 * every file again.
 */
export function monitorsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('monitor_runs')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('slot_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('breaches', 'integer', (c) => c.notNull())
        .addColumn('signals', 'text', (c) => c.notNull())
        .addColumn('alert_error', 'text')
        .addPrimaryKeyConstraint('monitor_runs_pk', ['workspace', 'name'])
        .execute();
      await db.schema.createIndex('monitor_runs_by_schedule').on('monitor_runs').columns(['workspace', 'schedule', 'slot_at']).execute();

      await db.schema
        .createTable('monitor_file_summaries')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('cascade'))
        .addColumn('file_key', 'text', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('first_at', 'bigint')
        .addColumn('last_at', 'bigint')
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_file_summaries_pk', ['workspace', 'file_key'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['monitor_file_summaries', 'monitor_runs']) await db.schema.dropTable(table).execute();
    },
  };
}
