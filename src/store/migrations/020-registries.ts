import type { Kysely, Migration } from 'kysely';

/**
 * Azure ML registries: assets shared by several workspaces. A registry's assets live in a storage
 * space of its own among the workspaces (named '@<registry>', which no workspace can be), so they
 * have content, versions, encryption and deletion exactly as a workspace's do; this table holds
 * the registry itself.
 */
export function registriesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('registries')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('registries').execute();
    },
  };
}
