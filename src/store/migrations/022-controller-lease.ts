import type { Kysely, Migration } from 'kysely';

/**
 * Leases that say which server runs what (022): today one, 'controllers', held by the server
 * whose job runner, scheduler and other controllers run. One row per lease: its holder (a server
 * instance: host, pid and a random part), where that server answers, when it expires on the
 * database's clock, and a fencing epoch that goes up by one with every new term. Self-contained,
 * with no foreign key.
 */
export function controllerLeaseMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('controller_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('acquired_at', 'bigint', (c) => c.notNull())
        .addColumn('renewed_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('controller_leases').execute();
    },
  };
}
