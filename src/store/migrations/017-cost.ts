import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * What cost needs that was not kept: the size and tier each job's last attempt was placed on (the
 * compute's spec may change or the compute go); every change of an online deployment's instances,
 * append-only, so a deleted deployment's instance-hours are still there to price; workspace
 * budgets; and the ledger of budget alerts sent, so each threshold alerts once a month.
 * (016 is policy's; migrations run in name order, and a gap is fine.)
 */
export function costMigration(dialect: Dialect): Migration {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const float = dialect === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('size', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('tier', 'text').execute();

      await db.schema
        .createTable('deployment_usage')
        .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('cascade'))
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('deployment', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        // From `at` on, this many instances (0: deleted) of this size and tier.
        .addColumn('instances', 'integer', (c) => c.notNull())
        .addColumn('size', 'text', (c) => c.notNull())
        .addColumn('tier', 'text', (c) => c.notNull())
        .addColumn('compute', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deployment_usage_by_workspace').on('deployment_usage').columns(['workspace', 'at']).execute();
      await db.schema
        .createIndex('deployment_usage_by_deployment')
        .on('deployment_usage')
        .columns(['workspace', 'endpoint', 'deployment', 'id'])
        .execute();

      await db.schema
        .createTable('budgets')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('budgets_pk', ['workspace', 'name'])
        .execute();

      await db.schema
        .createTable('budget_alerts')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('budget', 'text', (c) => c.notNull())
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('threshold', float, (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('spent', float, (c) => c.notNull())
        // null until delivered; a failed delivery keeps its error and is tried again on the next pass.
        .addColumn('sent_at', 'bigint')
        .addColumn('error', 'text')
        // One row per threshold a month: a second server's claim of the same crossing fails here.
        .addPrimaryKeyConstraint('budget_alerts_pk', ['workspace', 'budget', 'month', 'kind', 'threshold'])
        .addForeignKeyConstraint('budget_alerts_budget', ['workspace', 'budget'], 'budgets', ['workspace', 'name'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();

      // Online deployments already up: their instances count from their last change (what came before is not known).
      const deployments = await sql<{
        workspace: string;
        endpoint: string;
        name: string;
        spec: string;
        instance_count: number;
        updated_at: number;
      }>`
        select d.workspace, d.endpoint, d.name, d.spec, d.instance_count, d.updated_at
        from endpoint_deployments d join endpoints e on e.workspace = d.workspace and e.name = d.endpoint
        where e.type = 'online'`.execute(db);
      for (const row of deployments.rows) {
        const spec = JSON.parse(row.spec) as { type?: string; instance_type?: string; tags?: Record<string, string> };
        // A Kubernetes deployment runs on the cluster's own machines (attached); a managed one on Azure-sized instances.
        const tier = spec.type === 'kubernetes' ? 'attached' : 'dedicated';
        await sql`insert into deployment_usage (workspace, endpoint, deployment, at, instances, size, tier, compute, tags)
          values (${row.workspace}, ${row.endpoint}, ${row.name}, ${Number(row.updated_at)}, ${Number(row.instance_count)},
            ${spec.instance_type ?? 'kubernetes'}, ${tier}, null, ${JSON.stringify(spec.tags ?? {})})`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['budget_alerts', 'budgets', 'deployment_usage']) await db.schema.dropTable(table).execute();
      await db.schema.alterTable('jobs').dropColumn('tier').execute();
      await db.schema.alterTable('jobs').dropColumn('size').execute();
    },
  };
}
