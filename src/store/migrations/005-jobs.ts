import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Jobs on compute: the job (its submitted spec, the lineage fixed at submit, where it stands),
 * the history of its states (with reasons, for people and for the queue-latency benchmark), and
 * the nodes of compute clusters (so node-seconds, and hence cost, survive restarts).
 */
export function jobsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('jobs')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('experiment_name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('compute', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('lineage', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('exit_code', 'integer')
        .addColumn('retries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('instance_count', 'integer', (c) => c.notNull())
        .addColumn('submitted_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('node_seconds', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('nodes', 'text')
        .addColumn('handle', 'text')
        .addColumn('stop_request', 'text')
        .addPrimaryKeyConstraint('jobs_pk', ['workspace', 'name'])
        .execute();
      // The scheduler reads each cluster's live jobs; listings go newest first.
      await db.schema.createIndex('jobs_by_compute_state').on('jobs').columns(['workspace', 'compute', 'state']).execute();
      await db.schema.createIndex('jobs_by_submitted').on('jobs').columns(['workspace', 'submitted_at']).execute();
      await db.schema.createIndex('jobs_live').on('jobs').columns(['state']).execute();

      await db.schema
        .createTable('job_events')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('job', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addPrimaryKeyConstraint('job_events_pk', ['workspace', 'job', 'seq'])
        .addForeignKeyConstraint('job_events_job', ['workspace', 'job'], 'jobs', ['workspace', 'name'], (c) => c.onDelete('cascade'))
        .execute();

      await db.schema
        .createTable('compute_nodes')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('compute', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('job', 'text')
        .addColumn('size', 'text', (c) => c.notNull())
        .addColumn('tier', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('idle_since', 'bigint')
        .addColumn('removed_at', 'bigint')
        .addColumn('removed_reason', 'text')
        .addPrimaryKeyConstraint('compute_nodes_pk', ['workspace', 'node_id'])
        .execute();
      await db.schema.createIndex('compute_nodes_live').on('compute_nodes').columns(['workspace', 'compute', 'removed_at']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['compute_nodes', 'job_events', 'jobs']) await db.schema.dropTable(table).execute();
    },
  };
}
