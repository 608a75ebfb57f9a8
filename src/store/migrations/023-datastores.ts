import type { Kysely, Migration } from 'kysely';

/**
 * Datastores (Azure ML's `datastore`): one row per workspace and name, the spec as JSON in the open,
 * the credentials sealed with the workspace's data key (null: none, the server's own identity).
 * The built-in workspaceblobstore and workspaceartifactstore have no row. Self-contained, no foreign key.
 */
export function datastoresMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('datastores')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('credential_type', 'text', (c) => c.notNull())
        .addColumn('sealed_credentials', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('datastores_pk', ['workspace', 'name'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('datastores').execute();
    },
  };
}
