import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * MLflow's model registry over Trellis model assets: a model version IS a `model` resource (its
 * spec, tags, description and audit trail); these tables hold only what MLflow adds around it —
 * the registered model's own description and tags, aliases, and the highest version number it ever
 * had (MLflow never gives a deleted version's number to a new one).
 */
export function modelRegistryMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('registered_models')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('registered_models_pk', ['workspace', 'name'])
        .execute();
      await db.schema
        .createTable('registered_model_tags')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_tags_pk', ['workspace', 'name', 'key'])
        .addForeignKeyConstraint('registered_model_tags_model', ['workspace', 'name'], 'registered_models', ['workspace', 'name'], (c) =>
          c.onDelete('cascade').onUpdate('cascade'),
        )
        .execute();
      await db.schema
        .createTable('registered_model_aliases')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_aliases_pk', ['workspace', 'name', 'alias'])
        .addForeignKeyConstraint('registered_model_aliases_model', ['workspace', 'name'], 'registered_models', ['workspace', 'name'], (c) =>
          c.onDelete('cascade').onUpdate('cascade'),
        )
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['registered_model_aliases', 'registered_model_tags', 'registered_models'])
        await db.schema.dropTable(table).execute();
    },
  };
}
