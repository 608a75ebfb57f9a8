import type { Kysely, Migration } from 'kysely';

/**
 * The compute an online endpoint runs on (`compute: azureml:<name>` of a KubernetesOnlineEndpoint):
 * its deployments' instances then run on that Kubernetes compute, not as worker processes of the
 * server. Null for a managed endpoint (instances on this server) and for batch endpoints.
 */
export function endpointComputeMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('endpoints').addColumn('compute', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('endpoints').dropColumn('compute').execute();
    },
  };
}
