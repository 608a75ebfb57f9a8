import type { Kysely } from 'kysely';
import type { ServedHere, ServingPlacement } from '../core/endpoints/serving-placement.js';
import type { Database } from './database.js';
import { databaseNow } from './database-clock.js';
import type { Dialect } from './dialect.js';

/**
 * Serving placements (026-serving-placements): which server runs which online deployment's
 * instances, at what address, how many ready, as of when (the database's clock).
 */
export class ServingPlacementRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Replaces what `server` serves with `served`, seen now: deployments it no longer serves are gone. */
  async publish(server: string, address: string, served: readonly ServedHere[]): Promise<void> {
    const seenAt = databaseNow(this.dialect);
    await this.db.transaction().execute(async (transaction) => {
      await transaction.deleteFrom('serving_placements').where('server', '=', server).execute();
      if (served.length === 0) return;
      await transaction
        .insertInto('serving_placements')
        .values(
          served.map((entry) => ({
            workspace: entry.workspace,
            endpoint: entry.endpoint,
            deployment: entry.deployment,
            server,
            address,
            ready_instances: entry.readyInstances,
            seen_at: seenAt,
          })),
        )
        .execute();
    });
  }

  /** Removes every placement of `server` (it stopped serving). */
  async withdraw(server: string): Promise<void> {
    await this.db.deleteFrom('serving_placements').where('server', '=', server).execute();
  }

  /** The placements of an endpoint's deployments on every server, with the database's clock now. */
  async ofEndpoint(workspace: string, endpoint: string): Promise<{ placements: ServingPlacement[]; databaseNow: number }> {
    const rows = await this.db
      .selectFrom('serving_placements')
      .select(['workspace', 'endpoint', 'deployment', 'server', 'address', 'ready_instances', 'seen_at'])
      .select(databaseNow(this.dialect).as('database_now'))
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .execute();
    const placements = rows.map((row) => ({
      workspace: row.workspace,
      endpoint: row.endpoint,
      deployment: row.deployment,
      server: row.server,
      address: row.address,
      readyInstances: Number(row.ready_instances),
      seenAt: Number(row.seen_at),
    }));
    // No row: the database's clock is still needed by nobody, so the caller's own is as good.
    const now = rows[0] ? Number(rows[0].database_now) : Date.now();
    return { placements, databaseNow: now };
  }
}
