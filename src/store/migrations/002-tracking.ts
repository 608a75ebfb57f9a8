import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * MLflow tracking: experiments, runs, params, tags, metric history and the latest value of each
 * metric (kept on write, so search filters and orders on metrics without scanning history).
 */
export function trackingMigration(dialect: Dialect): Migration {
  const float = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<unknown>) {
      // Experiment ids count within a workspace, so each workspace has MLflow's Default experiment "0".
      await db.schema
        .createTable('experiments')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('experiments_pk', ['workspace', 'experiment_id'])
        .addUniqueConstraint('experiments_name', ['workspace', 'name'])
        .execute();

      await db.schema
        .createTable('experiment_tags')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('experiment_tags_pk', ['workspace', 'experiment_id', 'key'])
        .addForeignKeyConstraint(
          'experiment_tags_experiment',
          ['workspace', 'experiment_id'],
          'experiments',
          ['workspace', 'experiment_id'],
          (c) => c.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('runs')
        .addColumn('run_uuid', 'text', (c) => c.primaryKey())
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('run_name', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('artifact_uri', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('deleted_time', 'bigint')
        .addForeignKeyConstraint('runs_experiment', ['workspace', 'experiment_id'], 'experiments', ['workspace', 'experiment_id'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();
      // Search lists an experiment's live runs newest first: this index serves that order directly.
      await db.schema
        .createIndex('runs_by_experiment')
        .on('runs')
        .columns(['workspace', 'experiment_id', 'lifecycle_stage', 'start_time', 'run_uuid'])
        .execute();

      await db.schema
        .createTable('params')
        .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('params_pk', ['run_uuid', 'key'])
        .execute();
      await indexKeyValue(db, dialect, 'params');

      await db.schema
        .createTable('run_tags')
        .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_tags_pk', ['run_uuid', 'key'])
        .execute();
      await indexKeyValue(db, dialect, 'run_tags');

      // History, keyed so that reading one metric of one run in step order is an index range scan.
      await db.schema
        .createTable('metrics')
        .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('value', float, (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('metrics_pk', ['run_uuid', 'key', 'step', 'timestamp', 'value', 'is_nan'])
        .execute();

      await db.schema
        .createTable('latest_metrics')
        .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('value', float, (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('latest_metrics_pk', ['run_uuid', 'key'])
        .execute();
      // Filters and orders like `metrics.acc > 0.9 ORDER BY metrics.acc` read this index, not history.
      await db.schema.createIndex('latest_metrics_by_key_value').on('latest_metrics').columns(['key', 'value', 'run_uuid']).execute();

      // log-inputs: datasets are shared by the runs of an experiment (one row per name + digest).
      await db.schema
        .createTable('datasets')
        .addColumn('dataset_uuid', 'text', (c) => c.primaryKey())
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('source_type', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('schema', 'text')
        .addColumn('profile', 'text')
        .addForeignKeyConstraint(
          'datasets_experiment',
          ['workspace', 'experiment_id'],
          'experiments',
          ['workspace', 'experiment_id'],
          (c) => c.onDelete('cascade'),
        )
        .addUniqueConstraint('datasets_name_digest', ['workspace', 'experiment_id', 'name', 'digest'])
        .execute();
      await db.schema
        .createTable('run_inputs')
        .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
        .addColumn('dataset_uuid', 'text', (c) => c.notNull().references('datasets.dataset_uuid').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_inputs_pk', ['run_uuid', 'dataset_uuid'])
        .execute();
      await db.schema
        .createTable('input_tags')
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('dataset_uuid', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('input_tags_pk', ['run_uuid', 'dataset_uuid', 'key'])
        .addForeignKeyConstraint('input_tags_input', ['run_uuid', 'dataset_uuid'], 'run_inputs', ['run_uuid', 'dataset_uuid'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();

      // MLflow 3 logged models: what log_model creates, with artifacts of their own, linked to runs.
      await db.schema
        .createTable('logged_models')
        .addColumn('model_id', 'text', (c) => c.primaryKey())
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('creation_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('model_type', 'text')
        .addColumn('source_run_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addForeignKeyConstraint(
          'logged_models_experiment',
          ['workspace', 'experiment_id'],
          'experiments',
          ['workspace', 'experiment_id'],
          (c) => c.onDelete('cascade'),
        )
        .execute();
      await db.schema
        .createIndex('logged_models_by_experiment')
        .on('logged_models')
        .columns(['workspace', 'experiment_id', 'creation_timestamp_ms'])
        .execute();
      for (const table of ['logged_model_tags', 'logged_model_params']) {
        await db.schema
          .createTable(table)
          .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
          .execute();
      }
      // Metrics logged with a model_id also belong to that model (LoggedModel.data.metrics).
      await db.schema
        .createTable('logged_model_metrics')
        .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
        .addColumn('run_uuid', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('value', float, (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('dataset_name', 'text', (c) => c.notNull())
        .addColumn('dataset_digest', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('logged_model_metrics_pk', [
          'model_id',
          'key',
          'step',
          'timestamp',
          'value',
          'is_nan',
          'run_uuid',
          'dataset_name',
          'dataset_digest',
        ])
        .execute();
      // Models a run read (log-inputs models) or produced (log-outputs).
      await db.schema
        .createTable('run_models')
        .addColumn('run_uuid', 'text', (c) => c.notNull().references('runs.run_uuid').onDelete('cascade'))
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_models_pk', ['run_uuid', 'direction', 'model_id', 'step'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'run_models',
        'logged_model_metrics',
        'logged_model_params',
        'logged_model_tags',
        'logged_models',
        'input_tags',
        'run_inputs',
        'datasets',
        'latest_metrics',
        'metrics',
        'run_tags',
        'params',
        'runs',
        'experiment_tags',
        'experiments',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}

/**
 * Filters compare a key's value (`params.lr = '0.01'`). PostgreSQL refuses btree entries over
 * ~2.7 KB and values go to 6,000 (params) and 8,000 (tags) characters, so there the value gets
 * a hash index (equality, any length) beside a btree on the key; SQLite has no such limit.
 */
async function indexKeyValue(db: Kysely<unknown>, dialect: Dialect, table: 'params' | 'run_tags'): Promise<void> {
  if (dialect === 'postgres') {
    await db.schema.createIndex(`${table}_by_key`).on(table).columns(['key', 'run_uuid']).execute();
    await db.schema.createIndex(`${table}_by_value`).on(table).using('hash').column('value').execute();
    return;
  }
  await db.schema.createIndex(`${table}_by_key_value`).on(table).columns(['key', 'value', 'run_uuid']).execute();
}
