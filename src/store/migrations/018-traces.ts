import type { Kysely, Migration } from 'kysely';

/**
 * MLflow 3 tracing: a trace's info (one row, what search filters and orders on), its tags and
 * metadata (key-value rows, as MLflow keeps them), its spans (one row each: the columns span
 * filters read, and the span itself as MLflow's span JSON, so a trace of thousands of spans is one
 * indexed read), its assessments, and the runs it is linked to.
 */
export function tracesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('traces')
        .addColumn('trace_id', 'text', (c) => c.primaryKey())
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('cascade'))
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('client_request_id', 'text')
        // Milliseconds since the epoch; null duration while the trace is in progress.
        .addColumn('request_time', 'bigint', (c) => c.notNull())
        .addColumn('execution_duration', 'bigint')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('request_preview', 'text')
        .addColumn('response_preview', 'text')
        .addColumn('span_count', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('traces_by_experiment').on('traces').columns(['workspace', 'experiment_id', 'request_time']).execute();

      for (const table of ['trace_tags', 'trace_metadata']) {
        await db.schema
          .createTable(table)
          .addColumn('trace_id', 'text', (c) => c.notNull().references('traces.trace_id').onDelete('cascade'))
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['trace_id', 'key'])
          .execute();
        await db.schema.createIndex(`${table}_by_key`).on(table).columns(['key', 'value']).execute();
      }

      await db.schema
        .createTable('trace_spans')
        .addColumn('trace_id', 'text', (c) => c.notNull().references('traces.trace_id').onDelete('cascade'))
        .addColumn('span_id', 'text', (c) => c.notNull())
        .addColumn('parent_span_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('span_type', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        // Microseconds since the epoch (exact in a double); the exact nanoseconds are in content.
        .addColumn('start_time_us', 'bigint', (c) => c.notNull())
        .addColumn('end_time_us', 'bigint')
        .addColumn('content', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('trace_spans_pk', ['trace_id', 'span_id'])
        .execute();
      await db.schema.createIndex('trace_spans_by_name').on('trace_spans').columns(['name']).execute();

      await db.schema
        .createTable('trace_assessments')
        .addColumn('assessment_id', 'text', (c) => c.primaryKey())
        .addColumn('trace_id', 'text', (c) => c.notNull().references('traces.trace_id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        // 'feedback' or 'expectation'
        .addColumn('assessment_type', 'text', (c) => c.notNull())
        .addColumn('span_id', 'text')
        // The assessment as MLflow's JSON (source, value or error, rationale, metadata, overrides).
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('valid', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('trace_assessments_by_trace').on('trace_assessments').columns(['trace_id', 'name']).execute();

      await db.schema
        .createTable('trace_runs')
        .addColumn('trace_id', 'text', (c) => c.notNull().references('traces.trace_id').onDelete('cascade'))
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('trace_runs_pk', ['trace_id', 'run_id'])
        .execute();
      await db.schema.createIndex('trace_runs_by_run').on('trace_runs').columns(['run_id']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['trace_runs', 'trace_assessments', 'trace_spans', 'trace_metadata', 'trace_tags', 'traces']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
