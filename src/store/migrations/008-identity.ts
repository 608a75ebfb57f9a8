import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Identity: principals (users, groups, service principals), group membership, tokens (stored as
 * hashes only), custom role definitions and role assignments at a scope.
 */
export function identityMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('principals')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('group_members')
        .addColumn('group_name', 'text', (c) => c.notNull().references('principals.name').onDelete('cascade'))
        .addColumn('member', 'text', (c) => c.notNull().references('principals.name').onDelete('cascade'))
        .addPrimaryKeyConstraint('group_members_pk', ['group_name', 'member'])
        .execute();
      await db.schema.createIndex('group_members_member').on('group_members').column('member').execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('principal', 'text', (c) => c.notNull().references('principals.name').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('workspace', 'text')
        .addColumn('identity', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('tokens_principal').on('tokens').column('principal').execute();
      await db.schema.createIndex('tokens_identity').on('tokens').column('identity').execute();
      await db.schema
        .createTable('role_definitions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('role_assignments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role_id', 'text', (c) => c.notNull())
        .addColumn('principal', 'text', (c) => c.notNull().references('principals.name').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('role_assignments_unique', ['role_id', 'principal', 'scope'])
        .execute();
      await db.schema.createIndex('role_assignments_principal').on('role_assignments').column('principal').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['role_assignments', 'role_definitions', 'tokens', 'group_members', 'principals'])
        await db.schema.dropTable(table).execute();
    },
  };
}
