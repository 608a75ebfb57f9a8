import type { Kysely, Migration } from 'kysely';

/**
 * The index a trace search walks, newest first, made covering (issue 19's benchmark): with
 * (workspace, experiment_id, request_time) alone, each trace the walk passes is read from the
 * traces table for its id, state or duration — rows of ~2 KB with their previews — so a page whose
 * filter matches few traces (a rare span name, the last page by offset) read thousands of rows.
 * With trace_id, state and execution_duration in the index, the walk and the filters on them read
 * the index only. It replaces 018's traces_by_experiment, which is its prefix.
 */
export function traceSearchIndexMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('traces_by_experiment_time')
        .on('traces')
        .columns(['workspace', 'experiment_id', 'request_time', 'trace_id', 'state', 'execution_duration'])
        .execute();
      await db.schema.dropIndex('traces_by_experiment').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.createIndex('traces_by_experiment').on('traces').columns(['workspace', 'experiment_id', 'request_time']).execute();
      await db.schema.dropIndex('traces_by_experiment_time').execute();
    },
  };
}
