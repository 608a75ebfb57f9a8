import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Workspace data keys, kept only wrapped by a key-encryption key (src/secrets/): which KEK and
 * version wrapped each (`kek_id`), and the wrapped bytes as base64url text. No foreign key to
 * workspaces: a deleted workspace's wrapped key is harmless, and deleting it must not wait on this.
 */
export function workspaceKeysMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workspace_keys')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('rewrapped_at', 'bigint')
        .addPrimaryKeyConstraint('workspace_keys_pk', ['workspace', 'key_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('workspace_keys').execute();
    },
  };
}
