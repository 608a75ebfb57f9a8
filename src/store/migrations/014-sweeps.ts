import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Sweep jobs and their trials: the sweep (its validated file, the contents its local paths were
 * uploaded as, where it stands) and one row per trial (its hyperparameters, the command job that
 * runs them, and once that job ended the objective it reached; the early-termination policy's
 * reason when it stopped it). A trial row lands in the commit that queues its job. The trials'
 * command jobs are ordinary rows of `jobs`.
 */
export function sweepsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sweep_jobs')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('experiment_name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('uploads', 'text', (c) => c.notNull())
        .addColumn('inlined', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('stop_request', 'text')
        .addPrimaryKeyConstraint('sweep_jobs_pk', ['workspace', 'name'])
        .execute();
      await db.schema.createIndex('sweep_jobs_live').on('sweep_jobs').columns(['state']).execute();
      await db.schema.createIndex('sweep_jobs_by_submitted').on('sweep_jobs').columns(['workspace', 'submitted_at']).execute();

      await db.schema
        .createTable('sweep_trials')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('sweep', 'text', (c) => c.notNull())
        .addColumn('trial_index', 'integer', (c) => c.notNull())
        .addColumn('job', 'text', (c) => c.notNull())
        // The hyperparameters, JSON.
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('objective', 'double precision')
        .addColumn('reports', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_final', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('stop_reason', 'text')
        .addPrimaryKeyConstraint('sweep_trials_pk', ['workspace', 'sweep', 'trial_index'])
        .addForeignKeyConstraint('sweep_trials_sweep', ['workspace', 'sweep'], 'sweep_jobs', ['workspace', 'name'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['sweep_trials', 'sweep_jobs']) await db.schema.dropTable(table).execute();
    },
  };
}
