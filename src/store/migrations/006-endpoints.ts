import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Online and batch endpoints: the endpoint (auth mode, traffic), its deployments (the YAML, the
 * versions they serve, where they stand), and the endpoint's keys and token secret. Keys are kept
 * as they are, since `get-credentials` must show them, so the database is as secret as the keys.
 */
export function endpointsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('endpoints')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('auth_mode', 'text', (c) => c.notNull())
        .addColumn('traffic', 'text', (c) => c.notNull())
        .addColumn('mirror_traffic', 'text', (c) => c.notNull())
        .addColumn('default_deployment', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('endpoints_pk', ['workspace', 'name'])
        .execute();

      await db.schema
        .createTable('endpoint_deployments')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('lineage', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('instance_count', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('endpoint_deployments_pk', ['workspace', 'endpoint', 'name'])
        .addForeignKeyConstraint('endpoint_deployments_endpoint', ['workspace', 'endpoint'], 'endpoints', ['workspace', 'name'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();

      await db.schema
        .createTable('endpoint_secrets')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('primary_key', 'text', (c) => c.notNull())
        .addColumn('secondary_key', 'text', (c) => c.notNull())
        .addColumn('token_secret', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('endpoint_secrets_pk', ['workspace', 'endpoint'])
        .addForeignKeyConstraint('endpoint_secrets_endpoint', ['workspace', 'endpoint'], 'endpoints', ['workspace', 'name'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['endpoint_secrets', 'endpoint_deployments', 'endpoints']) await db.schema.dropTable(table).execute();
    },
  };
}
