import type { Kysely, Migration } from 'kysely';

/**
 * Where online deployments are served (026): one row per deployment and server that runs its
 * instances, with the address that server answers at, how many of its instances are ready, and
 * when it last said so on the database's clock. A scoring call on a server that runs no instance
 * is sent on to one whose row is fresh and ready. Self-contained, no foreign key: a server that
 * dies leaves rows that go stale.
 */
export function servingPlacementsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('serving_placements')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('deployment', 'text', (c) => c.notNull())
        .addColumn('server', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('ready_instances', 'integer', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('serving_placements_pk', ['workspace', 'endpoint', 'deployment', 'server'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('serving_placements').execute();
    },
  };
}
