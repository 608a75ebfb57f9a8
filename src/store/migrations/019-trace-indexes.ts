import type { Kysely, Migration } from 'kysely';

/**
 * Indexes for trace search (issue 19's benchmark): a span condition is an EXISTS probe per trace,
 * which with only the spans' primary key reads every span row of the trace (each one holds the
 * span's JSON); (name, trace_id) and (span_type, trace_id) answer `span.name =` and `span.type =`
 * from the index alone. (name, trace_id) replaces 018's index on name, which it covers.
 */
export function traceIndexesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('trace_spans_by_name_trace').on('trace_spans').columns(['name', 'trace_id']).execute();
      await db.schema.dropIndex('trace_spans_by_name').execute();
      await db.schema.createIndex('trace_spans_by_type_trace').on('trace_spans').columns(['span_type', 'trace_id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('trace_spans_by_type_trace').execute();
      await db.schema.createIndex('trace_spans_by_name').on('trace_spans').columns(['name']).execute();
      await db.schema.dropIndex('trace_spans_by_name_trace').execute();
    },
  };
}
