import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Workspaces, resources (+ tags) and the audit log. */
export function initialMigration(dialect: Dialect): Migration {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workspaces')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('resources')
        .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addUniqueConstraint('resources_identity', ['workspace', 'kind', 'name', 'version'])
        .execute();
      // Newest version of a name is the highest id: this index answers "@latest" and version lists.
      await db.schema.createIndex('resources_by_name_id').on('resources').columns(['workspace', 'kind', 'name', 'id']).execute();

      await db.schema
        .createTable('resource_tags')
        .addColumn('resource_id', 'integer', (c) => c.notNull().references('resources.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_tags_pk', ['resource_id', 'key'])
        .execute();
      await db.schema.createIndex('resource_tags_by_key_value').on('resource_tags').columns(['key', 'value', 'resource_id']).execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text')
        .addColumn('before_digest', 'text')
        .addColumn('after_digest', 'text')
        .addColumn('request_id', 'text')
        .addColumn('summary', 'text')
        .execute();
      await db.schema.createIndex('audit_events_by_workspace').on('audit_events').columns(['workspace', 'id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('audit_events').execute();
      await db.schema.dropTable('resource_tags').execute();
      await db.schema.dropTable('resources').execute();
      await db.schema.dropTable('workspaces').execute();
    },
  };
}
