import type { Kysely, Migration } from 'kysely';

/**
 * Profiles of online deployments (load tests and the sizing recommended from them): one row each,
 * the report as JSON, found by deployment, newest first. Self-contained, with no foreign key, so
 * it applies in any order with the migrations beside it; a deployment's profiles go with it
 * (EndpointRepository deletes them).
 */
export function deploymentProfilesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('deployment_profiles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('deployment', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('deployment_profiles_by_deployment')
        .on('deployment_profiles')
        .columns(['workspace', 'endpoint', 'deployment', 'started_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('deployment_profiles').execute();
    },
  };
}
