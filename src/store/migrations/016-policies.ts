import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Policy definitions written here (Azure's built-ins ship as files and are not stored),
 * assignments of a definition at the server scope (workspace null) or a workspace's, and
 * exemptions from an assignment, for a whole scope or one resource, with a reason and an expiry.
 * A workspace's assignments and their exemptions go with it.
 */
export function policiesMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('policy_definitions')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('policy_assignments')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('workspace', 'text', (c) => c.references('workspaces.name').onDelete('cascade'))
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('enforcement_mode', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('policy_assignments_by_workspace').on('policy_assignments').column('workspace').execute();
      await db.schema
        .createTable('policy_exemptions')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('assignment', 'text', (c) => c.notNull().references('policy_assignments.name').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('policy_exemptions_by_assignment').on('policy_exemptions').column('assignment').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['policy_exemptions', 'policy_assignments', 'policy_definitions']) await db.schema.dropTable(table).execute();
    },
  };
}
