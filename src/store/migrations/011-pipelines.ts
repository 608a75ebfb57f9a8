import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Pipeline jobs and their steps: the pipeline (its validated file, the contents its local paths
 * were uploaded as, where it stands) and one row per step (waiting, submitted as which command
 * job, skipped or refused, and why). The steps' command jobs are ordinary rows of `jobs`.
 */
export function pipelinesMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pipeline_jobs')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('experiment_name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('uploads', 'text', (c) => c.notNull())
        .addColumn('inlined', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('stop_request', 'text')
        .addPrimaryKeyConstraint('pipeline_jobs_pk', ['workspace', 'name'])
        .execute();
      await db.schema.createIndex('pipeline_jobs_live').on('pipeline_jobs').columns(['state']).execute();
      await db.schema.createIndex('pipeline_jobs_by_submitted').on('pipeline_jobs').columns(['workspace', 'submitted_at']).execute();

      await db.schema
        .createTable('pipeline_steps')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('pipeline', 'text', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('job', 'text')
        .addColumn('reason', 'text')
        // The step's reuse key and its parts (JSON), and why it was reused or ran, in words.
        .addColumn('reuse_key', 'text')
        .addColumn('reuse_parts', 'text')
        .addColumn('reuse_note', 'text')
        .addPrimaryKeyConstraint('pipeline_steps_pk', ['workspace', 'pipeline', 'step'])
        .addForeignKeyConstraint('pipeline_steps_pipeline', ['workspace', 'pipeline'], 'pipeline_jobs', ['workspace', 'name'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();
      // A step looks for an earlier one with its key, and for the last one of its name (to say what changed).
      await db.schema.createIndex('pipeline_steps_by_reuse_key').on('pipeline_steps').columns(['workspace', 'reuse_key']).execute();
      await db.schema.createIndex('pipeline_steps_by_step').on('pipeline_steps').columns(['workspace', 'step']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['pipeline_steps', 'pipeline_jobs']) await db.schema.dropTable(table).execute();
    },
  };
}
