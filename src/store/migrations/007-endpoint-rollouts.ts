import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Safe rollouts of online endpoints: the rollout's state machine, stored so a restart carries it on. */
export function endpointRolloutsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('endpoint_rollouts')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('started_by', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('endpoint_rollouts_pk', ['workspace', 'endpoint'])
        .addForeignKeyConstraint('endpoint_rollouts_endpoint', ['workspace', 'endpoint'], 'endpoints', ['workspace', 'name'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('endpoint_rollouts').execute();
    },
  };
}
