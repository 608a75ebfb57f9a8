import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Resource tag values can be long (MLflow model version tags go to 100,000 characters), and
 * PostgreSQL refuses btree index entries over ~2.7 KB: a long tag was a 500. On PostgreSQL the
 * (key, value) btree becomes a btree on the key and a hash index on the value (equality, any
 * length). SQLite has no such limit and keeps its index.
 */
export function longTagValuesMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      await db.schema.dropIndex('resource_tags_by_key_value').execute();
      await db.schema.createIndex('resource_tags_by_key').on('resource_tags').columns(['key', 'resource_id']).execute();
      await db.schema.createIndex('resource_tags_by_value').on('resource_tags').using('hash').column('value').execute();
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      await db.schema.dropIndex('resource_tags_by_value').execute();
      await db.schema.dropIndex('resource_tags_by_key').execute();
      await db.schema.createIndex('resource_tags_by_key_value').on('resource_tags').columns(['key', 'value', 'resource_id']).execute();
    },
  };
}
